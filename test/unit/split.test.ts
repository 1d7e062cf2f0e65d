import { test } from "node:test";
import assert from "node:assert/strict";
import { splitCell } from "../../kernel/compiler-thread/split";
import { splitWithoutMagics } from "../../kernel/exec/magic-lines";

test("line magics anywhere split the cell; code keeps its cell line numbers", () => {
  const parts = splitCell("let a = 1;\n%prun -s time f(a)\nconsole.log(a)\n\n%lsmagic");
  assert.deepEqual(parts, [
    { kind: "code", code: "let a = 1;", line: 1 },
    { kind: "magic", form: "line", name: "prun", args: "-s time f(a)", body: "", help: false, line: 2 },
    { kind: "code", code: "console.log(a)\n", line: 3 },
    { kind: "magic", form: "line", name: "lsmagic", args: "", body: "", help: false, line: 5 },
  ]);
});

test("a cell magic on the first line takes the whole cell", () => {
  const parts = splitCell("\n%%prun -s cumulative\nf();\n%lsmagic");
  assert.deepEqual(parts, [
    { kind: "magic", form: "cell", name: "prun", args: "-s cumulative", body: "f();\n%lsmagic", help: false, line: 2 },
  ]);
});

test("%name? asks for help; code with % inside lines is code", () => {
  assert.equal((splitCell("%prun?")[0] as any).help, true);
  assert.deepEqual(splitCell("const r = 7 % 3;"), [{ kind: "code", code: "const r = 7 % 3;", line: 1 }]);
});

test("a line magic's value can be assigned, IPython's `t = %timeit -o f()`", () => {
  assert.deepEqual(splitCell("const t = %timeit -o f(1)\nx = %prun -r g()"), [
    { kind: "magic", form: "line", name: "timeit", args: "-o f(1)", body: "", help: false, line: 1, assign: "const t" },
    { kind: "magic", form: "line", name: "prun", args: "-r g()", body: "", help: false, line: 2, assign: "x" },
  ]);
});

/** The cell's code parts joined, and the names of its magics: what the dispatcher would run. */
function shape(source: string) {
  const parts = splitCell(source);
  return {
    code: parts.filter((p) => p.kind === "code").map((p) => (p as any).code),
    magics: parts.filter((p) => p.kind === "magic").map((p) => (p as any).name),
  };
}

test("the issue's template literal: a `%` line inside a template is code", () => {
  const source = "const report = `totals:\n%d items\ndone`;";
  assert.deepEqual(shape(source), { code: [source], magics: [] });
});

test("the issue's block comment: a `%` line inside a comment is code", () => {
  const source = "/* note:\n%timeit is slow here\n*/ 1 + 2";
  assert.deepEqual(shape(source), { code: [source], magics: [] });
});

test("nested template substitutions are followed to the template's end, and a magic after it still splits", () => {
  const template = "const s = `a ${ `b ${ { x: 1 }.x }\n%inner c` }\n%outer d`;";
  assert.deepEqual(shape(`${template}\n%time f()`), { code: [template], magics: ["time"] });
});

/** A template whose second line starts with `%`: code, if the scanner reaches it in the right state. */
const TEMPLATE = "const t = `x\n%inside\n`;";

test("a line comment, a string and a division before a template leave the scanner outside them", () => {
  const code = `// %prun not here, nor \`\nconst q = "%timeit no \`"; const d = 6 / 2 / 1; ${TEMPLATE}`;
  assert.deepEqual(shape(`${code}\n%lsmagic`), { code: [code], magics: ["lsmagic"] });
});

test("a regex literal holding a backquote or a slash does not open a template or a comment", () => {
  const code = `const re = /\`/; const re2 = /[/]\\//g; ${TEMPLATE}`;
  assert.deepEqual(shape(`${code}\n%lsmagic\nconst u = 1;`), { code: [code, "const u = 1;"], magics: ["lsmagic"] });
});

test("only a statement at the top level can be a magic: inside braces, brackets or a continued expression it is code", () => {
  for (const source of ["function f() {\n%prun g()\n}", "const a = [\n%prun\n];", "const m = 7 +\n%lsmagic"]) {
    assert.deepEqual(shape(source).magics, [], source);
  }
});

test("a statement after a closed block begins at the top level again", () => {
  const code = "function f() {\n  return `${1}`;\n}";
  assert.deepEqual(shape(`${code}\n%prun f()\n${TEMPLATE}`), { code: [code, TEMPLATE], magics: ["prun"] });
});

test("a cell with no line that reads as a magic is split on the main thread, as the scanner splits it", () => {
  const cells = [
    "one()",
    "",
    "\n  \n",
    "const r = 7 % 3;\nlet s = `%` + r;",
    "\n\nfunction f(a: number) {\n  return a % 2;\n}\n",
    "x %= 4",
  ];
  for (const cell of cells) assert.deepEqual(splitWithoutMagics(cell), splitCell(cell), JSON.stringify(cell));
  for (const cell of ["%lsmagic", "  %%prun\nf()", "t = %timeit f()", "const s = `\n%not a magic\n`;"])
    assert.equal(splitWithoutMagics(cell), null, cell);
});

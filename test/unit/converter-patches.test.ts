/**
 * What tsprof changes in tslab's converter (tslab-compiler.ts): one program update a cell instead
 * of two, a cell's ES module given as TypeScript emitted it, and a second stage (ES module →
 * CommonJS, for local modules) that skips TypeScript's type check of its input. Cell after cell,
 * the declarations and the errors are tslab's own converter's; the second stage emits, for every
 * kind of module syntax a first stage can give it, the CommonJS the checked stage emits; and the
 * source map still points at the cell's own lines.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as acorn from "acorn";
import { converter, typescript as ts, WITHOUT_TYPE_CHECK } from "../../kernel/compiler-thread/tslab-compiler";
import * as tslabConverter from "tslab/dist/converter";
import { takeInlineSourceMap } from "../../kernel/exec/inline-source-map";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";

/** What tslab's first stage hands on: ES2022 modules, with cells' top-level names exported. */
const MODULES: Record<string, string> = {
  "imports of every form": `import * as fs from "fs";
import { join, resolve as r } from "path";
import def, { parse } from "acorn";
import "./side-effect";
export const used = [fs.existsSync, join, r, def, parse];`,
  "exports of every form": `export const a = 1, b = [a];
export let c = a; c = 2; c++;
export function f(x) { return x + a + c; }
export class K { y = 2; static z = 3; #p = 4; get p() { return this.#p; } async m() { return super.toString(); } }
export { a as renamed };
export default f(1);`,
  "re-exports": `export * from "fs";
export * as pathNs from "path";
export { join } from "path";`,
  "top-level await, dynamic import and destructuring": `const { sep } = await import("path");
export const [first, ...rest] = [1, 2, 3];
export const { x, y: [z] } = { x: sep, y: [await Promise.resolve(5)] };
for await (const v of (async function* () { yield 1; })()) console.log(v);`,
  "comments first, then code": `/** A doc comment at the top. */
// A line comment.
export const answer = 42; // trailing
/* block */ export function g() { /* inner */ return answer; }`,
  "no module syntax": `console.log(Math.max(1, 2), globalThis.process, new Map([[1, 2]]).size);`,
};

const OPTIONS = {
  fileName: "custom.js",
  compilerOptions: {
    module: ts.ModuleKind.CommonJS,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    newLine: ts.NewLineKind.LineFeed,
    noImplicitUseStrict: true,
  },
};

for (const [name, js] of Object.entries(MODULES)) {
  test(`second stage without the type check emits the same CommonJS: ${name}`, () => {
    const checked = ts.transpileModule(js, OPTIONS).outputText;
    const unchecked = ts.transpileModule(WITHOUT_TYPE_CHECK + js, {
      ...OPTIONS,
      compilerOptions: { ...OPTIONS.compilerOptions, skipDefaultLibCheck: true },
    }).outputText;
    assert.equal(
      unchecked
        .split("\n")
        .filter((line) => line !== WITHOUT_TYPE_CHECK.trimEnd())
        .join("\n"),
      checked,
    );
  });
}

test("a converted cell's source map names the cell's own TypeScript lines through both stages, with no directive left", () => {
  const cell = [
    "const a: number = 1;",
    "",
    "function twice(x: number): number {",
    "  return 2 * x;",
    "}",
    "const b = twice(a);",
  ].join("\n");
  const cellConverter = converter.createConverter({ isJS: false, isBrowser: false });
  const { code, map } = takeInlineSourceMap(cellConverter.convert("", cell).output!);
  cellConverter.close();
  assert.ok(!code.includes("no-default-lib"), code);
  const trace = new TraceMap(map as any);
  const lines = code.split("\n");
  const sourceLineOf = (snippet: string) => {
    const line = lines.findIndex((l) => l.includes(snippet));
    assert.ok(line >= 0, `${snippet} in:\n${code}`);
    return originalPositionFor(trace, { line: line + 1, column: lines[line].indexOf(snippet) }).line;
  };
  // Lines of tslab's source file, which has one line of its own above the cell's.
  assert.equal(sourceLineOf("return 2 * x"), 1 + 4);
  assert.equal(sourceLineOf("function twice"), 1 + 3);
  assert.equal(sourceLineOf("twice(a)"), 1 + 6);
});

const CELL_RUN_AGAIN = "function g(n: number) { return n * 2; }\nconst kk = new K();";

/** Cells in order, each seeing the declarations of those before it, as a notebook's do. */
const CELLS = [
  "const a: number = 1;\nfunction f(x: number) { return x + a; }\nclass K { y = 2; #p = 3; get p() { return this.#p; } }\nlet b = f(2);\nb",
  'import * as fs from "fs";\nconst c = a + b;\ntype T = { n: number };\ninterface I { t: T }\nenum E { A, B }\nconst e: E = E.B;\nc',
  "let { p, q: [r] } = { p: 1, q: [2] };\nfor (const i of [1]) { const inner = i; }\nnamespace N { export const z = 1; }\nN.z + p + r",
  "const wrong: string = 1;",
  "const later = await Promise.resolve(3);\nlater",
  "function* gen() { yield 1; }\nasync function af() { return 1; }\nconst arrow = async () => 2;\n[...gen()]",
  'const a = "redefined";\nconst k = new K();\na.length + k.p',
  "f(1)",
  'f("not a number")',
  // A cell run again as it was: its names declared again, the same declarations' text.
  CELL_RUN_AGAIN,
  CELL_RUN_AGAIN,
  "g(2) + kk.p",
  "",
];

test("one program update a cell: cell after cell, the converter checks and declares what tslab's own converter does, and gives the ES module as TypeScript emitted it", () => {
  const ours = converter.createConverter({ isJS: false, isBrowser: false });
  const theirs = tslabConverter.createConverter({ isJS: false, isBrowser: false });
  let ourDecl = "";
  let theirDecl = "";
  try {
    for (const cell of CELLS) {
      const mine = ours.convert(ourDecl, cell);
      const tslabs = theirs.convert(theirDecl, cell);
      assert.equal(mine.output === undefined, tslabs.output === undefined, cell);
      if (mine.output !== undefined) assertPlainModule(takeInlineSourceMap(mine.output).code, cell);
      assert.equal(mine.declOutput, tslabs.declOutput, cell);
      assert.equal(mine.lastExpressionVar, undefined, cell);
      assert.equal(!!mine.hasToplevelAwait, !!tslabs.hasToplevelAwait, cell);
      assert.deepEqual(
        mine.diagnostics.map((d) => d.messageText),
        tslabs.diagnostics.map((d) => d.messageText),
        cell,
      );
      if (mine.diagnostics.length === 0) {
        ourDecl = mine.declOutput ?? "";
        theirDecl = tslabs.declOutput ?? "";
      }
    }
    assert.ok(
      ourDecl.includes(`declare const a = "redefined"`),
      `the redefinition is in the declarations:\n${ourDecl}`,
    );
    assert.ok(
      ours.convert(ourDecl, "const wrong: string = 1;").diagnostics.length > 0,
      "a type error is still an error",
    );
  } finally {
    ours.close();
    theirs.close();
  }
});

test("a cell's name starting with two underscores is declared under its own name (TypeScript's locals escape it)", () => {
  const ours = converter.createConverter({ isJS: false, isBrowser: false });
  try {
    const first = ours.convert("", "const __start = 1;\n__start");
    assert.deepEqual(
      first.diagnostics.map((d) => d.messageText),
      [],
    );
    assert.match(first.declOutput ?? "", /declare const __start = 1;/);
    assert.deepEqual(
      ours.convert(first.declOutput ?? "", "__start + 1").diagnostics.map((d) => d.messageText),
      [],
    );
  } finally {
    ours.close();
  }
});

test("completion and inspection answer as tslab's converter does, on the declarations cells left", () => {
  const ours = converter.createConverter({ isJS: false, isBrowser: false });
  const theirs = tslabConverter.createConverter({ isJS: false, isBrowser: false });
  try {
    const cell = "const target = { alpha: 1, beta: 2 };\nfunction twice(n: number) { return 2 * n; }";
    const [ourDecl, theirDecl] = [ours, theirs].map((c) => c.convert("", cell).declOutput ?? "");
    for (const [code, at] of [
      ["target.al", 9],
      ["twi", 3],
      ["target.beta + twice(1)", 16],
    ] as const) {
      assert.deepEqual(
        ours.complete(ourDecl, code, at).candidates,
        theirs.complete(theirDecl, code, at).candidates,
        code,
      );
      assert.deepEqual(
        ours.inspect(ourDecl, code, at)?.displayParts,
        theirs.inspect(theirDecl, code, at)?.displayParts,
      );
    }
    assert.ok(ours.complete(ourDecl, "target.al", 9).candidates.includes("alpha"));
  } finally {
    ours.close();
    theirs.close();
  }
});

/** The converter's output is an ES module with no name rewritten to `exports.` and no last-expression variable. */
function assertPlainModule(code: string, cell: string): void {
  acorn.parse(code, { ecmaVersion: "latest", sourceType: "module" });
  assert.ok(!/\bexports\.|tsLastExpr|require\(/.test(code), `${cell}\n---\n${code}`);
}

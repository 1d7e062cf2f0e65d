/** The executor: cells compiled by tslab's converter run in one context, names carried from cell to cell. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Executor } from "../../kernel/exec/executor";

const executor = new Executor(process.cwd(), {});
test.after(() => executor.close());
let cell = 0;
const run = async (code: string) => (await executor.run(code, { file: `<cell ${++cell}>`, line: 1 })).value;

test("a shorthand property names an earlier cell's variable", async () => {
  await run("const memory = 42;\nlet counter = 1;");
  assert.deepEqual(await run("({ memory, counter })"), { memory: 42, counter: 1 });
});

test("a shorthand destructuring assignment writes an earlier cell's variable, default included", async () => {
  await run("({ counter } = { counter: 7 });");
  assert.equal(await run("counter"), 7);
  await run("({ counter = 9 } = {});");
  assert.equal(await run("counter"), 9);
});

test("a shorthand property of the cell's own name is left alone", async () => {
  assert.deepEqual(await run("const local = 'here';\n({ local })"), { local: "here" });
});

test("a cell that throws part-way: the names it bound stay, a name it did not reach keeps what it was, a new one is not defined", async () => {
  await run("const before = 1;\nconst redeclared = 'old';");
  await assert.rejects(
    run(
      [
        "const bound = before + 1;",
        "function helper(): number { return bound * 10; }",
        "interface Shape { sides: number }",
        "throw new Error('part-way');",
        "const redeclared = 2;",
        "const after = 3;",
      ].join("\n"),
    ),
    /part-way/,
  );
  assert.equal(await run("helper() + bound + before"), 23);
  assert.equal(await run("const square: Shape = { sides: 4 };\nsquare.sides"), 4);
  // As in Python: the name the cell did not reach keeps its earlier value and type; the new one is not defined.
  await assert.rejects(run("after"), /Cannot find name 'after'/);
  assert.equal(await run("redeclared.toUpperCase()"), "OLD");
});

test("a cell interrupted before its code ran changes nothing", async () => {
  await run("let kept = 'yes';");
  const interrupted = executor.run("const kept = 'no';\nlet fresh = 1;", { file: `<cell ${++cell}>`, line: 1 });
  executor.beginCell();
  executor.interrupt();
  await assert.rejects(interrupted, /interrupted/);
  executor.beginCell();
  assert.equal(await run("kept"), "yes");
  await assert.rejects(run("fresh"), /Cannot find name 'fresh'/);
});

test("topLevelValue reads a cell's name and a path from it as a cell would, and nothing else", async () => {
  await run(
    "class Gauge { get broken(): number { throw new Error('no'); } read() { return 1; } }\nconst gauge = new Gauge();\nlet later = 1;",
  );
  await run("later = 2;");
  assert.equal(executor.topLevelValue("gauge.read")?.value, await run("gauge.read"));
  assert.deepEqual(executor.topLevelValue("later"), { value: 2 }, "the binding as it is now");
  assert.equal(executor.topLevelValue("notDefinedAnywhere"), undefined);
  assert.equal(executor.topLevelValue("gauge.broken"), undefined, "a getter that throws: left to a cell to report");
});

test("a function sees the binding a later cell assigns or declares again, not a copy", async () => {
  await run("let z = 0;\nfunction readZ() { return z; }");
  await run("z = 5;");
  assert.equal(await run("readZ()"), 5);
  await run("const z = 'again';");
  assert.equal(await run("readZ()"), "again");
});

test("let, const, class, function and enum can be declared again by running a cell again", async () => {
  const cell =
    "let a = 1;\nconst b = 2;\nclass K { v = 3; }\nfunction f() { return 4; }\nenum E { X = 5 }\na + b + new K().v + f() + E.X";
  assert.equal(await run(cell), 15);
  assert.equal(await run(cell), 15);
});

test("top-level await in every form, await (expr) included", async () => {
  assert.equal(await run("await (async () => 41)() + 1"), 42);
  assert.equal(await run("const got = await Promise.resolve(7);\ngot * 2"), 14);
  assert.equal(await run("got"), 7, "a name an async cell binds is the notebook's");
});

test("a function a cell calls before its declaration is there (hoisted), and imports bind names later cells use", async () => {
  assert.equal(await run("const early = twice(2);\nfunction twice(x: number) { return 2 * x; }\nearly"), 4);
  await run('import { join } from "node:path";\nimport * as os from "node:os";');
  assert.equal(await run('join("a", "b") + typeof os.cpus'), "a/bfunction");
});

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

test("a cell that throws part-way: the names it bound stay, those after the throw are not defined, types stay", async () => {
  await run("const before = 1;\nconst redeclared = 'old';");
  await assert.rejects(
    run(["const bound = before + 1;", "function helper(): number { return bound * 10; }", "interface Shape { sides: number }", "throw new Error('part-way');", "const redeclared = 2;", "const after = 3;"].join("\n")),
    /part-way/,
  );
  assert.equal(await run("helper() + bound + before"), 23);
  assert.equal(await run("const square: Shape = { sides: 4 };\nsquare.sides"), 4);
  // The cell set `redeclared` and `after` to undefined before it threw: they are gone, as in Python.
  await assert.rejects(run("after"), /Cannot find name 'after'/);
  await assert.rejects(run("redeclared"), /Cannot find name 'redeclared'/);
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
  await run("class Gauge { get broken(): number { throw new Error('no'); } read() { return 1; } }\nconst gauge = new Gauge();\nlet later = 1;");
  await run("later = 2;");
  assert.equal(executor.topLevelValue("gauge.read")?.value, await run("gauge.read"));
  assert.deepEqual(executor.topLevelValue("later"), { value: 2 }, "the binding as it is now");
  assert.equal(executor.topLevelValue("notDefinedAnywhere"), undefined);
  assert.equal(executor.topLevelValue("gauge.broken"), undefined, "a getter that throws: left to a cell to report");
});

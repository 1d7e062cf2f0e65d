/** The executor: cells compiled by tslab's converter run in one context, names carried from cell to cell. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Executor } from "../../kernel/executor";

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

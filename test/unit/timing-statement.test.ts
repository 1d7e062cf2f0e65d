import { test } from "node:test";
import assert from "node:assert/strict";
import { compileStatement } from "../../magics/measure/samplers/statement-function";
import { fakeContext } from "./fake-context";

test("an expression compiles once to a function returning its value (so a promise can be awaited)", async () => {
  const { ctx, recorded } = fakeContext();
  const run = await compileStatement(ctx, { statement: "Math.max(3, 4)", setup: null });
  assert.equal(run(), 4);
  assert.equal(run(), 4);
  assert.deepEqual(recorded.evaluated, ["() => (Math.max(3, 4)\n)"]);
});

test("a trailing semicolon does not stop an expression from being one", async () => {
  const { ctx } = fakeContext();
  const run = await compileStatement(ctx, { statement: "[1, 2].length; ", setup: null });
  assert.equal(run(), 2);
});

test("statements that are not an expression compile as a function body", async () => {
  const { ctx, recorded } = fakeContext();
  const run = await compileStatement(ctx, { statement: "const a = [3, 1, 2]; a.sort()", setup: null });
  assert.equal(run(), undefined);
  assert.equal(recorded.evaluated.length, 2);
  assert.equal(recorded.evaluated[1], "() => { const a = [3, 1, 2]; a.sort()\n}");
});

test("code with await becomes an async function", async () => {
  const { ctx } = fakeContext();
  const run = await compileStatement(ctx, { statement: "await Promise.resolve(7)", setup: null });
  assert.equal(await run(), 7);
});

test("%%timeit: the setup runs once, the body sees its names, and they do not leak", async () => {
  const { ctx } = fakeContext();
  (globalThis as any).setupRuns = 0;
  const run = await compileStatement(ctx, {
    statement: "xs.reduce((a, b) => a + b, 0)",
    setup: "setupRuns++; const xs = [1, 2, 3]",
  });
  assert.equal(run(), 6);
  assert.equal(run(), 6);
  assert.equal((globalThis as any).setupRuns, 1);
  assert.equal(typeof (globalThis as any).xs, "undefined");
  delete (globalThis as any).setupRuns;
});

test("%%timeit: a multi-line body keeps its lines below the magic line", async () => {
  const { ctx, recorded } = fakeContext();
  const run = await compileStatement(ctx, {
    statement: "let s = 0\nfor (const x of xs) s += x\n",
    setup: "const xs = [1, 2]",
  });
  assert.equal(run(), undefined);
  const compiled = recorded.evaluated.at(-1)!;
  assert.equal(compiled.split("\n")[0], "(() => { const xs = [1, 2]");
  assert.equal(compiled.split("\n")[1], "return () => { let s = 0");
});

test("%%timeit: async setup is awaited once before timing starts", async () => {
  const { ctx } = fakeContext();
  const run = await compileStatement(ctx, { statement: "n * 2", setup: "const n = await Promise.resolve(21)" });
  assert.equal(run(), 42);
});

test("a statement that does not compile reports the statement form's error", async () => {
  const { ctx } = fakeContext();
  await assert.rejects(compileStatement(ctx, { statement: "let = ;", setup: null }), SyntaxError);
});

/**
 * %lprun's kernel side on the kernel's real executor (TypeScript cells compiled by tslab's
 * converter): calls reach the line-counting copy however they hold the function, the copy shares
 * the cell's top-level variables, and afterwards nothing of it is left in the path of calls.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Executor } from "../../kernel/executor";
import { lineInstrumentation } from "../../kernel/line-hooks";
import { locateFunction } from "../../kernel/locate";
import type { EvaluateOptions, LineProbes } from "../../magics/context";
import { profileLines } from "../../magics/lprun";

let executor: Executor;
let cells = 0;
const evaluate = async (code: string, options: EvaluateOptions = {}) => (await executor.run(code, { file: `<cell ${++cells}>`, line: 1, ...options })).value;

before(async () => {
  executor = new Executor(process.cwd(), {});
  await evaluate(`let total = 0;
const step = 2;
function add(n: number): number {
  total += n * step;
  return total;
}
const viaName = () => add(1);
const readTotal = () => total;
const stored = [add];
class Box {
  value = 1;
  bump(by: number): number {
    this.value += add(by);
    return this.value;
  }
}
const box = new Box();
function setStep(): void {
  (step as any) = 3;
}`);
});

after(() => executor.close());

async function instrumented(expression: string): Promise<LineProbes> {
  const fn = (await evaluate(expression)) as Function;
  return lineInstrumentation(executor, evaluate, process.cwd()).instrument([{ expression, fn, ref: locateFunction(executor.units, fn) }]);
}

/** Hits of the probes on each source line of the first profiled function (the line's first probe). */
function hitsByLine(probes: LineProbes): Record<number, number> {
  const [fn] = probes.functions;
  const out: Record<number, number> = {};
  for (const probe of fn.probes) out[probe.line] ??= fn.hits[probe.id];
  return out;
}

test("every call reaches the copy: by name in the defining cell, from a later cell, stored in an array, from a method", async () => {
  const probes = await instrumented("add");
  await profileLines(evaluate, probes, "viaName(); add(1); stored[0](1); box.bump(1);", 1e-6);
  assert.deepEqual(hitsByLine(probes), { 4: 4, 5: 4 });
});

test("the copy reads and writes the cell's own top-level variables", async () => {
  const before = (await evaluate("readTotal()")) as number;
  const probes = await instrumented("add");
  await profileLines(evaluate, probes, "add(5)", 1e-6);
  assert.equal(await evaluate("readTotal()"), before + 10, "the copy's `total += …` changed the cell's total");
});

test("a method's copy gets the instance as this", async () => {
  const probes = await instrumented("Box.prototype.bump");
  await profileLines(evaluate, probes, "box.value = 100; box.bump(0)", 1e-6);
  assert.equal(await evaluate("box.value"), 100 + ((await evaluate("readTotal()")) as number));
  assert.deepEqual(hitsByLine(probes), { 13: 1, 14: 1 });
});

test("assigning a const in the copy throws as it does in the original", async () => {
  const probes = await instrumented("setStep");
  const { sampled } = await profileLines(evaluate, probes, "setStep()", 1e-6);
  assert.ok(sampled.threw);
  assert.ok(sampled.error instanceof TypeError, String(sampled.error));
});

test("after a throw, the hand-over is cleared: calls run the original, whose counter alone moves", async () => {
  const probes = await instrumented("add");
  const { sampled } = await profileLines(evaluate, probes, 'add(1); throw new Error("stop")', 1e-6);
  assert.equal((sampled.error as Error).message, "stop");
  assert.deepEqual(hitsByLine(probes), { 4: 1, 5: 1 });
  const unit = executor.units.all().find((u) => u.functions.some((s) => s.name === "add"))!;
  assert.equal(unit.runtime.profiled, null);
  await evaluate("add(1)");
  assert.deepEqual(hitsByLine(probes), { 4: 1, 5: 1 }, "the copy no longer runs");
});

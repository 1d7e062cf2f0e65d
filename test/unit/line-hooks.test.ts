/**
 * %lprun's kernel side on the kernel's real executor (TypeScript cells compiled by tslab's
 * converter) and V8's live edit: calls reach the counting code however they hold the function,
 * it shares the cell's variables and a closure's captured state, and afterwards the original
 * code runs again.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import { Executor } from "../../kernel/exec/executor";
import { countingVersions, lineInstrumentation } from "../../kernel/line-profiler/line-hooks";
import { locateFunction } from "../../kernel/exec/locate";
import type { EvaluateOptions, LineProbes } from "../../magics/core/context";
import { profileLines } from "../../magics/commands/lprun";

let executor: Executor;
let cells = 0;
const evaluate = async (code: string, options: EvaluateOptions = {}) =>
  (await executor.run(code, { file: `<cell ${++cells}>`, line: 1, ...options })).value;

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
  (null as any).step = 3;
}`);
});

after(() => executor.close());

async function instrumented(expression: string): Promise<LineProbes> {
  const fn = (await evaluate(expression)) as Function;
  return lineInstrumentation(executor, process.cwd()).instrument({
    functions: [{ expression, fn, ref: locateFunction(executor.units, fn) }],
    modules: [],
    clockLines: false,
  });
}

const run = (probes: LineProbes, statement: string) =>
  profileLines(evaluate, probes, statement, { timerUnit: 1e-6, clockLines: false });

/** Hits of the probes on each source line of the first profiled function (the line's first probe). */
function hitsByLine(probes: LineProbes): Record<number, number> {
  const [fn] = probes.functions;
  const out: Record<number, number> = {};
  for (const probe of fn.probes) out[probe.line] ??= fn.hits[probe.id];
  return out;
}

test("every call reaches the copy: by name in the defining cell, from a later cell, stored in an array, from a method", async () => {
  const probes = await instrumented("add");
  await run(probes, "viaName(); add(1); stored[0](1); box.bump(1);");
  assert.deepEqual(hitsByLine(probes), { 4: 4, 5: 4 });
});

test("the counting code reads and writes the cell's own top-level variables", async () => {
  const before = (await evaluate("readTotal()")) as number;
  const probes = await instrumented("add");
  await run(probes, "add(5)");
  assert.equal(await evaluate("readTotal()"), before + 10, "the counting `total += …` changed the cell's total");
});

test("a method's counting code gets the instance as this", async () => {
  const probes = await instrumented("Box.prototype.bump");
  await run(probes, "box.value = 100; box.bump(0)");
  assert.equal(await evaluate("box.value"), 100 + ((await evaluate("readTotal()")) as number));
  assert.deepEqual(hitsByLine(probes), { 13: 1, 14: 1 });
});

test("a TypeError in the counting code is thrown as in the original, at the original's line", async () => {
  const probes = await instrumented("setStep");
  const { sampled } = await run(probes, "setStep()");
  assert.ok(sampled!.threw);
  assert.ok(sampled!.error instanceof TypeError, String(sampled!.error));
  const unit = executor.units.all().find((u) => u.functions.some((s) => s.name === "setStep"))!;
  const [, line, column] = /<cell 1>:(\d+):(\d+)/.exec((sampled!.error as Error).stack!)!;
  assert.equal(unit.toSourceLine(Number(line), Number(column) - 1), 19, (sampled!.error as Error).stack);
});

test("after a throw, the original code runs again: its text is as before and the counters no longer move", async () => {
  const add = (await evaluate("add")) as Function;
  const text = add.toString();
  const probes = await instrumented("add");
  const { sampled } = await run(probes, 'add(1); throw new Error("stop")');
  assert.equal((sampled!.error as Error).message, "stop");
  assert.deepEqual(hitsByLine(probes), { 4: 1, 5: 1 });
  assert.equal(add.toString(), text);
  await evaluate("add(1)");
  assert.deepEqual(hitsByLine(probes), { 4: 1, 5: 1 }, "the counting code no longer runs");
});

test("a closure made before the profile keeps its captured state; profiling twice gives fresh counts", async () => {
  await evaluate(
    "function makeCounter(start: number) {\n  let n = start;\n  return () => {\n    n++;\n    return n;\n  };\n}\nconst counter = makeCounter(10);\ncounter();",
  );
  for (let round = 0; round < 2; round++) {
    const probes = await instrumented("counter");
    const { result } = await run(probes, "counter(); counter()");
    assert.deepEqual(hitsByLine(probes), { 4: 2, 5: 2 });
    assert.ok(result!.functions[0].totalTime > 0, "its calls were clocked");
  }
  assert.equal(await evaluate("counter()"), 16, "10, then 1 + 2 + 2 + 1 calls");
});

test("a generator suspended in the middle is refused with what to do; once it is done, it is profiled", async () => {
  await evaluate(
    "function* countTo(n: number) {\n  for (let i = 0; i < n; i++) yield i;\n}\nconst running = countTo(3);\nrunning.next();",
  );
  const probes = await instrumented("countTo");
  await assert.rejects(
    run(probes, "[...countTo(2)]"),
    /cannot count the lines of countTo right now: a generator .* is suspended.*Let it finish/,
  );
  await evaluate("[...running]");
  const again = await instrumented("countTo");
  await run(again, "[...countTo(2)]");
  assert.deepEqual(hitsByLine(again), { 2: 3 });
});

test("after %%lprun, callbacks the cell made at its top level still run, and count nothing", async () => {
  const probes = lineInstrumentation(executor, process.cwd()).instrumentCode({
    functions: [],
    modules: [],
    clockLines: false,
  });
  await profileLines(
    evaluate,
    probes,
    "const handlers: (() => number)[] = [];\nhandlers.push(() => 42);\nconst later = [1, 2].map((x) => () => x * 10);",
    { timerUnit: 1e-6, clockLines: false },
  );
  assert.equal(await evaluate("handlers[0]()"), 42);
  assert.equal(await evaluate("later[1]()"), 20);
});

test("a function whose script is a counting version tsprof has let go of is refused with what to do, not counted twice", async () => {
  const source = "(function keptAlone(n) {\n  return n + 1;\n})";
  const instrument = (fn: Function) =>
    lineInstrumentation(executor, process.cwd()).instrument({
      functions: [
        { expression: "keptAlone", fn, ref: { name: "keptAlone", file: "kept-alone.js", line: 1, category: "module" } },
      ],
      modules: [],
      clockLines: false,
    });
  (globalThis as any).keptAlone = vm.runInThisContext(source, { filename: "kept-alone.js" });
  await run(instrument((globalThis as any).keptAlone), "(globalThis as any).keptAlone(1)");
  const countingText = [...countingVersions.keys()].find((text) => text.includes("keptAlone"))!;
  assert.notEqual(countingText, source);
  // A script V8 holds with that text, as an edit can leave one behind, once a long session's cache has let it go.
  countingVersions.clear();
  const leftBehind = vm.runInThisContext(countingText, { filename: "kept-alone.js" }) as Function;
  assert.throws(
    () => instrument(leftBehind),
    /V8 still holds this function in a counting version made by a %lprun many runs ago.*Re-run the cell/,
  );
  assert.equal((globalThis as any).keptAlone(5), 6);
  delete (globalThis as any).keptAlone;
});

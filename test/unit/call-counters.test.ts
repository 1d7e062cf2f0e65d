/**
 * %prun's call counters on the kernel's real executor and V8's live edit: every shape of function
 * is counted exactly while the statement runs, closures made before it included, and afterwards
 * every function's text is its compiled code again and nothing counts.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Executor } from "../../kernel/exec/executor";
import type { Unit } from "../../kernel/exec/units";

let executor: Executor;
let cells = 0;
const evaluate = async (code: string) => (await executor.run(code, { file: `<cell ${++cells}>`, line: 1 })).value;

const DEFINITIONS = `function add(a: number, b: number) { return a + b; }
const twice = (x: number) => add(x, x);
const once = (x: number) => x;
class Layer {
  scale = 2;
  forward(x: number) { return x * this.scale; }
}
async function later(n: number) { await null; return once(n); }
function makeCounter() { let n = 0; return () => ++n; }
const tick = makeCounter();`;

before(async () => {
  executor = new Executor(process.cwd(), {});
  await evaluate(DEFINITIONS);
});
after(() => executor.close());

/** The calls counted while `statement` ran, by function name ("<module>" for a unit's top level). */
async function counted(statement: string): Promise<Record<string, number>> {
  const before = executor.units.all().map((u) => u.runtime.calls.slice());
  const { uncounted } = await executor.countCalls(() => evaluate(statement));
  assert.deepEqual(uncounted, []);
  const out: Record<string, number> = {};
  executor.units.all().forEach((unit: Unit, u) => {
    unit.runtime.calls.forEach((n, i) => {
      const calls = n - (before[u]?.[i] ?? 0);
      const name = i === unit.functions.length ? "<module>" : unit.functions[i].name;
      if (calls > 0) out[name] = (out[name] ?? 0) + calls;
    });
  });
  return out;
}

test("every shape is counted exactly: declarations, arrows with an expression body, methods, async functions, a closure made before", async () => {
  const calls = await counted("for (let i = 0; i < 1000; i++) twice(i);\nnew Layer().forward(3);\nawait later(1);\ntick(); tick();\n[1, 2, 3].map((v) => v + 1);");
  assert.deepEqual(calls, { add: 1000, twice: 1000, once: 1, "Layer.forward": 1, later: 1, "<anonymous>": 5, "<module>": 1 });
});

/** V8 may refuse to edit back while a finished async call is still reachable: a cell run a moment later tries again first. */
async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  await evaluate("0");
}

test("afterwards every function's text is its compiled code, and nothing counts", async () => {
  await settled();
  const texts = (await evaluate("[add, twice, Layer, later, tick].map((f) => f.toString())")) as string[];
  await counted("twice(1)");
  await counted("await later(1)");
  await settled();
  assert.deepEqual(await evaluate("[add, twice, Layer, later, tick].map((f) => f.toString())"), texts);
  assert.ok(!texts.some((t) => /__tsprof|\uFEFF/.test(t)), String(texts));
  const before = executor.units.all().map((u) => [...u.runtime.calls]);
  await evaluate("twice(2); tick()");
  assert.deepEqual(executor.units.all().slice(0, before.length).map((u) => [...u.runtime.calls]), before);
});

test("a generator suspended in a unit leaves that unit uncounted, and says so", async () => {
  await evaluate("function* gen() { yield 1; yield 2; }\nconst suspended = gen();\nsuspended.next();");
  const { uncounted } = await executor.countCalls(() => evaluate("add(1, 2)"));
  assert.equal(uncounted.length, 1);
  assert.match(uncounted[0].why, /generator .* suspended/);
  assert.equal(await evaluate("suspended.next().value"), 2, "the generator goes on as before");
});

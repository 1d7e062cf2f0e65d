/** %lprun's sampler thread: it counts what the probes write, and leaves nothing running behind it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { PARKED, sampleLines, type FunctionCounters } from "../../kernel/line-profiler/line-sampler";

/** The sampler's thread is unref'd (it must not keep the kernel alive); the kernel's sockets keep the loop running, a timer does it here. */
const keepAlive = setInterval(() => {}, 60_000);
test.after(() => clearInterval(keepAlive));

/** A function's counters; `current` as its counting code writes it: [the probe it is on, how many of its calls run, how many await: in all, on each probe]. */
function counters(probes: number): FunctionCounters {
  return {
    hits: new Uint32Array(new SharedArrayBuffer(4 * (probes + 1))),
    current: new Int32Array(new SharedArrayBuffer(4 * (PARKED + probes + 1))),
  };
}

function spin(ms: number): void {
  const end = process.hrtime.bigint() + BigInt(ms * 1e6);
  while (process.hrtime.bigint() < end);
}

test("hits written by the statement come back exact, and time goes to the probe it was on", async () => {
  const fn = counters(2);
  const sampled = await sampleLines([fn], async () => {
    fn.hits[1] = 7;
    Atomics.store(fn.current, 1, 1);
    Atomics.store(fn.current, 0, 2);
    spin(20);
    Atomics.store(fn.current, 0, 0);
    Atomics.store(fn.current, 1, 0);
    return "done";
  });
  assert.equal(sampled.value, "done");
  assert.equal(sampled.functions[0].hits[1], 7);
  assert.ok(sampled.functions[0].times[2] > 0.005, `time on probe 2: ${sampled.functions[0].times[2]} s`);
  assert.equal(sampled.functions[0].times[1], 0);
  // Counted by the thread: its first and last readings at least, and never more than the interval allows (with a few for the moments around the statement).
  assert.ok(
    sampled.readings >= 2 && sampled.readings <= Math.ceil(sampled.wallTime / 100e-6) + 10,
    `${sampled.readings} readings in ${sampled.wallTime} s`,
  );
});

test("the sampler is reading before the statement starts: a probe current throughout holds all the wall time", async () => {
  const fn = counters(1);
  Atomics.store(fn.current, 0, 1);
  Atomics.store(fn.current, 1, 1);
  const sampled = await sampleLines([fn], async () => spin(5));
  assert.ok(
    sampled.functions[0].times[1] >= sampled.wallTime,
    `${sampled.functions[0].times[1]} s on the probe, ${sampled.wallTime} s of wall time`,
  );
});

test("a function none of whose calls runs is charged nothing, whatever line it names; one running on no line of its own, to slot 0", async () => {
  const fn = counters(1);
  const sampled = await sampleLines([fn], async () => {
    // An async call that returned while another was awaiting on line 1 leaves 1 there.
    Atomics.store(fn.current, 0, 1);
    spin(10);
    Atomics.store(fn.current, 1, 1);
    Atomics.store(fn.current, 0, 0);
    spin(10);
    Atomics.store(fn.current, 1, 0);
  });
  assert.ok(
    sampled.functions[0].times[1] < 0.002,
    `${sampled.functions[0].times[1]} s on probe 1, which no running call was on`,
  );
  assert.ok(sampled.functions[0].times[0] > 0.005, `${sampled.functions[0].times[0]} s running on no line`);
});

test("while no call is on the stack, the probes its calls await on share the time, by how many await on each", async () => {
  const fn = counters(3);
  const sampled = await sampleLines([fn], async () => {
    // Three calls awaiting: two on probe 1, one on probe 2; then one runs probe 3.
    Atomics.store(fn.current, 1, 3);
    Atomics.store(fn.current, PARKED, 3);
    Atomics.store(fn.current, PARKED + 1, 2);
    Atomics.store(fn.current, PARKED + 2, 1);
    spin(30);
    Atomics.store(fn.current, 0, 3);
    spin(10);
    Atomics.store(fn.current, 1, 0);
  });
  const [, one, two, three] = sampled.functions[0].times;
  assert.ok(
    one > 0.015 && two > 0.007 && Math.abs(one / two - 2) < 0.5,
    `awaited: ${one} s on probe 1, ${two} s on probe 2`,
  );
  assert.ok(three > 0.005, `on the stack: ${three} s on probe 3`);
});

function threads(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync("/proc/self/status", "utf8"))![1]);
}

test("many runs, some throwing, leave no thread, timer or handle behind", async () => {
  await sampleLines([counters(1)], async () => 1);
  const before = { threads: threads(), resources: process.getActiveResourcesInfo().sort() };
  for (let i = 0; i < 10; i++) {
    const sampled = await sampleLines([counters(1)], async () => {
      if (i % 3 === 0) throw new Error("thrown");
      return i;
    });
    assert.equal(sampled.threw, i % 3 === 0);
  }
  assert.deepEqual(process.getActiveResourcesInfo().sort(), before.resources);
  assert.equal(threads(), before.threads);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { hrtimeSeconds, slowestRunRatio, summarizeTimings, time, timeit } from "../../magics/measure/samplers/timing";

/** A clock that only moves when the statement says so: calibration becomes exact. */
function fakeClock() {
  let now = 0;
  return { timer: () => now, advance: (seconds: number) => (now += seconds) };
}

// 2^-9 s: a binary fraction, so sums of it are exact and 0.2 s comparisons are not rounding-bound.
const COST = 1 / 512;

test("autorange tries 1, 2, 5, 10, … loops and keeps the first whose run takes ≥ 0.2 s", async () => {
  const clock = fakeClock();
  let calls = 0;
  const result = await timeit(
    () => {
      calls++;
      clock.advance(COST);
    },
    { statement: "work()", timer: clock.timer },
  );
  // 100 loops take 0.195 s (< 0.2), 200 take 0.39 s.
  assert.equal(result.loops, 200);
  const calibration = [1, 2, 5, 10, 20, 50, 100, 200].reduce((a, b) => a + b);
  assert.equal(calls, calibration + 7 * 200);
  assert.equal(result.repeat, 7);
  assert.deepEqual(result.timings, Array(7).fill(COST));
});

test("on the real clock, autorange keeps the first loop count whose run lasted ≥ 0.2 s; every earlier one lasted less", async () => {
  let calls = 0;
  const busyMillisecond = () => {
    calls++;
    const end = process.hrtime.bigint() + 1_000_000n;
    while (process.hrtime.bigint() < end);
  };
  // Each clock reading is kept with the calls made so far: consecutive readings bracket a run.
  const readings: { seconds: number; calls: number }[] = [];
  const timer = () => {
    const seconds = hrtimeSeconds();
    readings.push({ seconds, calls });
    return seconds;
  };
  const result = await timeit(busyMillisecond, { statement: "busy()", repeat: 1, timer });
  const runs = [];
  for (let i = 0; i + 1 < readings.length; i += 2)
    runs.push({
      loops: readings[i + 1].calls - readings[i].calls,
      seconds: readings[i + 1].seconds - readings[i].seconds,
    });
  const calibration = runs.slice(0, -1);
  assert.deepEqual(
    calibration.map((r) => r.loops),
    [1, 2, 5, 10, 20, 50, 100, 200].slice(0, calibration.length),
    "the loop counts autorange tried, in order",
  );
  const chosen = calibration.at(-1)!;
  assert.equal(result.loops, chosen.loops);
  assert.ok(chosen.seconds >= 0.2, `the chosen count's run lasted ${chosen.seconds} s`);
  for (const earlier of calibration.slice(0, -1))
    assert.ok(earlier.seconds < 0.2, `${earlier.loops} loops lasted ${earlier.seconds} s, yet autorange went on`);
  assert.equal(runs.at(-1)!.loops, result.loops, "then the timed run");
  assert.ok(result.mean >= 1e-3, `mean ${result.mean}`);
});

test("-n and -r are respected exactly: loops × repeat calls, no calibration", async () => {
  let calls = 0;
  const result = await timeit(() => calls++, { statement: "calls++", loops: 3, repeat: 2 });
  assert.equal(calls, 6);
  assert.equal(result.loops, 3);
  assert.equal(result.repeat, 2);
  assert.equal(result.timings.length, 2);
});

test("a promise the statement returns is awaited inside the timed region, before the next call", async () => {
  const clock = fakeClock();
  let running = 0;
  let overlapped = false;
  const result = await timeit(
    async () => {
      overlapped ||= running > 0;
      running++;
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(COST);
      running--;
    },
    { statement: "await tick()", loops: 4, repeat: 3, timer: clock.timer },
  );
  assert.equal(overlapped, false);
  assert.deepEqual(result.timings, [COST, COST, COST]);
});

test("a statement that returns a promise only sometimes is still timed to completion", async () => {
  const clock = fakeClock();
  let calls = 0;
  const result = await timeit(
    () => {
      calls++;
      if (calls % 2 === 0) return Promise.resolve().then(() => clock.advance(COST));
      clock.advance(COST);
    },
    { statement: "maybe()", loops: 5, repeat: 2, timer: clock.timer },
  );
  assert.equal(calls, 10);
  assert.deepEqual(result.timings, [COST, COST]);
});

test("synchronous runs go through `invoke` (the kernel's interruptible call) once per run", async () => {
  let invoked = 0;
  await timeit(() => 1, { statement: "1", loops: 10, repeat: 4, invoke: (fn) => (invoked++, fn()) });
  assert.equal(invoked, 4);
});

test("an abort stops a promise that never settles", async () => {
  const controller = new AbortController();
  const reason = new Error("interrupted");
  setTimeout(() => controller.abort(reason), 20);
  await assert.rejects(
    timeit(() => new Promise(() => {}), { statement: "hang()", loops: 1, signal: controller.signal }),
    reason,
  );
});

test("an error the statement throws propagates", async () => {
  await assert.rejects(
    timeit(
      () => {
        throw new TypeError("boom");
      },
      { statement: "boom()" },
    ),
    /boom/,
  );
});

test("loops and repeat must be positive integers", async () => {
  await assert.rejects(
    timeit(() => 0, { statement: "0", loops: 0 }),
    /loops must be a positive integer, got 0/,
  );
  await assert.rejects(
    timeit(() => 0, { statement: "0", repeat: 1.5 }),
    /repeat must be a positive integer, got 1.5/,
  );
});

test("statistics: best, worst, mean and IPython's (population) standard deviation", () => {
  const result = summarizeTimings([2e-3, 4e-3, 4e-3, 4e-3, 5e-3, 5e-3, 7e-3, 9e-3], 100, "f()");
  assert.equal(result.best, 2e-3);
  assert.equal(result.worst, 9e-3);
  assert.ok(Math.abs(result.mean - 5e-3) < 1e-15);
  assert.ok(Math.abs(result.stdev - 2e-3) < 1e-15);
  assert.equal(result.repeat, 8);
  assert.equal(result.loops, 100);
  assert.equal(result.statement, "f()");
});

test("the slowest-run warning: over 4× the fastest and over 1 µs a loop", () => {
  const ratio = slowestRunRatio(summarizeTimings([1e-6, 5e-6, 1e-6], 1, "x"));
  assert.ok(ratio !== null && Math.abs(ratio - 5) < 1e-12);
  assert.equal(slowestRunRatio(summarizeTimings([1e-6, 4e-6], 1, "x")), null);
  assert.equal(slowestRunRatio(summarizeTimings([1e-8, 9e-7], 1, "x")), null);
});

test("time: wall and CPU time of one run, and the statement's value", async () => {
  const { result, value } = await time(() => {
    const end = process.hrtime.bigint() + 30_000_000n;
    while (process.hrtime.bigint() < end);
    return 42;
  }, "spin()");
  assert.equal(value, 42);
  assert.equal(result.statement, "spin()");
  assert.ok(result.wall >= 0.03, `wall ${result.wall}`);
  assert.ok(result.user + result.system > 0.01, `a busy loop costs CPU time: ${JSON.stringify(result)}`);
});

test("time awaits an async statement; the wall time covers it", async () => {
  const { result, value } = await time(
    () => new Promise((resolve) => setTimeout(() => resolve("done"), 25)),
    "sleep()",
  );
  assert.equal(value, "done");
  assert.ok(result.wall >= 0.02, `wall ${result.wall}`);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { compareTimings } from "../../magics/measure/builders/timing-comparison";
import { summarizeTimings } from "../../magics/measure/samplers/timing";
import type { MemoryResult, MemorySample } from "../../magics/model/profile";

function memory(increment: number): MemoryResult {
  const sample: MemorySample = { t: 0, rss: 100e6, heapUsed: 0, external: 0, arrayBuffers: 0 };
  return {
    baseline: sample,
    peak: { ...sample, rss: sample.rss + increment },
    samples: [sample],
    increment,
    interval: 0.01,
    heapInterval: 0.01,
    statement: "f()",
    repeats: 1,
    exactPeak: true,
    duration: 0.01,
    collected: false,
    timedOut: false,
  };
}

test("speedups and memory ratios are relative to the first variant", () => {
  const comparison = compareTimings([
    { label: "naive", timeit: summarizeTimings([0.04, 0.04], 1, "naive()"), memory: memory(8e6), linesOfCode: 12 },
    {
      label: "typed arrays",
      timeit: summarizeTimings([0.002, 0.002], 10, "typed()"),
      memory: memory(2e6),
      linesOfCode: 15,
    },
    { label: "preallocated", timeit: summarizeTimings([0.001, 0.003], 10, "prealloc()") },
  ]);
  assert.equal(comparison.baseline, "naive");
  assert.deepEqual(
    comparison.rows.map((r) => [r.label, r.speedup, r.memoryRatio, r.linesOfCode]),
    [
      ["naive", 1, 1, 12],
      ["typed arrays", 20, 0.25, 15],
      ["preallocated", 20, null, null],
    ],
  );
  assert.equal(comparison.rows[2].time, 0.002);
  assert.equal(comparison.rows[2].stdev, 0.001);
  assert.equal(comparison.rows[1].memory, 2e6);
});

test("no memory ratio when the baseline's memory increment is zero", () => {
  const comparison = compareTimings([
    { label: "a", timeit: summarizeTimings([1], 1, "a()"), memory: memory(0) },
    { label: "b", timeit: summarizeTimings([1], 1, "b()"), memory: memory(5) },
  ]);
  assert.equal(comparison.rows[1].memoryRatio, null);
});

test("an empty comparison is an error", () => {
  assert.throws(() => compareTimings([]), /at least one variant/);
});

/**
 * The memory sampler on real allocations in this process: the exact peak of memory allocated
 * and dropped, the heap split read from the main thread while it is busy, repeats, the -t
 * window, a throwing statement, and that no thread or handle outlives a measurement.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { measureMemory, type MemoryOptions } from "../../magics/measure/samplers/memory-sampler";

const MiB = 2 ** 20;
const options = (overrides: Partial<MemoryOptions> = {}): MemoryOptions => ({
  interval: 0.001,
  timeout: null,
  repeats: 1,
  collectGarbage: true,
  sampleHeap: true,
  lines: [],
  ...overrides,
});

/** Allocates `mib` MiB in a Float64Array, writes it (so it is resident) and drops it. */
function allocateAndDrop(mib: number): number {
  let a: Float64Array | null = new Float64Array((mib * MiB) / 8);
  a.fill(1);
  const length = a.length;
  a = null;
  return length;
}

function threads(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync("/proc/self/status", "utf8"))![1]);
}

test("a 100 MiB Float64Array allocated, filled and dropped: the peak increment is 100 MiB (± 10%), exact on Linux", async () => {
  const measured = await measureMemory(async () => allocateAndDrop(100), options());
  const { result } = measured;
  assert.equal(measured.threw, false);
  assert.equal(measured.value, (100 * MiB) / 8);
  assert.equal(result.exactPeak, true, "this Linux lets the process reset its VmHWM");
  assert.ok(Math.abs(result.increment / (100 * MiB) - 1) <= 0.1, `increment ${result.increment / MiB} MiB`);
  assert.equal(result.increment, result.peak.rss - result.baseline.rss);
  assert.ok(
    result.peak.arrayBuffers - result.baseline.arrayBuffers >= 99 * MiB,
    "the dropped array is still counted in arrayBuffers until a GC",
  );
  assert.equal(result.collected, true);
  assert.equal(result.samples[0], result.baseline);
  for (let i = 1; i < result.samples.length; i++)
    assert.ok(result.samples[i].t >= result.samples[i - 1].t, "samples in time order");
});

test("an untouched Float64Array is not resident: RSS barely moves while arrayBuffers counts it", async () => {
  // Kept (as the statement's value) so that the reading at the end of the run sees it.
  const { result } = await measureMemory(async () => new Float64Array((100 * MiB) / 8), options());
  assert.ok(result.increment < 10 * MiB, `RSS increment ${result.increment / MiB} MiB`);
  assert.ok(result.peak.arrayBuffers - result.baseline.arrayBuffers >= 99 * MiB);
});

test("the main thread's heap is read while a synchronous statement keeps it busy", async () => {
  const { result } = await measureMemory(async () => {
    const rows: number[][] = [];
    const until = Date.now() + 150;
    while (Date.now() < until) rows.push(Array.from({ length: 1000 }, (_, i) => i * 0.5));
    return rows.length;
  }, options());
  const during = result.samples.slice(1, -1).map((s) => s.heapUsed);
  assert.ok(new Set(during).size > 5, `heapUsed changed during the run: ${new Set(during).size} distinct readings`);
  assert.ok(result.peak.heapUsed > result.baseline.heapUsed);
});

test("-r: runs N times, the baseline once before them; -t: measuring stops at the limit and later runs are skipped", async () => {
  let runs = 0;
  const repeated = await measureMemory(async () => allocateAndDrop(++runs * 10), options({ repeats: 3 }));
  assert.equal(runs, 3);
  assert.equal(repeated.result.repeats, 3);
  assert.ok(repeated.result.increment >= 25 * MiB, "the third run's 30 MiB is the peak");

  runs = 0;
  const limited = await measureMemory(
    async () => {
      runs++;
      const until = Date.now() + 200;
      while (Date.now() < until);
    },
    options({ repeats: 5, timeout: 0.05 }),
  );
  assert.equal(runs, 1);
  assert.equal(limited.result.timedOut, true);
  assert.equal(limited.result.repeats, 1);
  assert.ok(
    limited.result.samples.every((s) => s.t < 0.2),
    "no readings after the window",
  );
});

test("a throwing statement: what was measured, and its error", async () => {
  const boom = new Error("boom");
  const measured = await measureMemory(
    async () => {
      allocateAndDrop(20);
      throw boom;
    },
    options({ repeats: 3 }),
  );
  assert.equal(measured.threw, true);
  assert.equal(measured.error, boom);
  assert.equal(measured.result.repeats, 1, "no run after the one that threw");
  assert.ok(measured.result.increment >= 18 * MiB);
});

test("many measurements leave no thread, handle or timer behind", async () => {
  await measureMemory(async () => 1, options());
  const before = { threads: threads(), resources: process.getActiveResourcesInfo().sort() };
  for (let i = 0; i < 20; i++) {
    await measureMemory(
      async () => {
        if (i % 4 === 0) throw new Error("thrown");
        return allocateAndDrop(1);
      },
      options({ interval: 0.0005 }),
    );
  }
  assert.deepEqual(process.getActiveResourcesInfo().sort(), before.resources);
  assert.equal(threads(), before.threads);
});

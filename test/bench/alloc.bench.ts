/**
 * %alloc's benchmark, with statements run by the kernel's executor as cells run them:
 * - attribution: two functions allocating 30 MB and 10 MB of JS arrays, their total bytes' ratio
 *   (target 3 ± 15%), and the sampled bytes against the bytes they allocate and against the JS
 *   heap's own count (GC statistics) of what the statement allocated;
 * - cost: the forward pass under the sampler at the default interval against the same statement
 *   unmeasured (medians of interleaved runs; target ≤ 1.3×), the fixed cost of a measurement, and
 *   the allocating workload's slowdown at shrinking intervals.
 */
import { profilingHooks } from "../../kernel/exec/frames";
import { DEFAULT_INTERVAL_BYTES, profileAllocations } from "../../magics/commands/alloc";
import { benchSession } from "./session";
import { ALLOCATING, FORWARD_PASS } from "./workloads";
import { median, round, timeOnce } from "./stats";

const RUNS = 21;
const ATTRIBUTION_RUNS = 7;
const MB = 1e6;
const INTERVALS = [65536, 32768, 16384, 8192, 2048];
/** Three times the 40 MB, so that each run is long against the machine's noise. */
const FORWARD_PASSES = "for (let r = 0; r < 10; r++) forward(x, w1, w2)";
const ALLOCATING_RUN = "for (let r = 0; r < 3; r++) { thirtyMB(); tenMB(); }";

export async function benchAlloc() {
  const session = benchSession();
  const ctx = { evaluate: session.evaluate, profiling: profilingHooks(session.executor, process.cwd()) };
  await session.evaluate(FORWARD_PASS + ALLOCATING);
  const profiled = async (statement: string, interval = DEFAULT_INTERVAL_BYTES, collectGarbage = false) => {
    let run!: Awaited<ReturnType<typeof profileAllocations>>;
    const whole = await timeOnce(
      async () => (run = await profileAllocations(ctx, statement, { interval, collectGarbage })),
    );
    return { ...run, whole };
  };
  for (let i = 0; i < 3; i++)
    (await session.timeStatement("forward(x, w1, w2); thirtyMB(); tenMB()"), await profiled("forward(x, w1, w2)"));

  const attribution = await attributionChecks(profiled);
  const overhead = await forwardOverhead(session.timeStatement, profiled);
  const intervals = await intervalCost(session.timeStatement, profiled);
  session.close();
  return { ...attribution, ...overhead, ...intervals };
}

type Profiled = (
  statement: string,
  interval?: number,
  collectGarbage?: boolean,
) => Promise<Awaited<ReturnType<typeof profileAllocations>> & { whole: number }>;
type TimeStatement = (statement: string) => Promise<number>;

async function attributionChecks(profiled: Profiled) {
  const ratios: number[] = [];
  const sampledOverExpected: number[] = [];
  const sampledOverHeap: number[] = [];
  for (let i = 0; i < ATTRIBUTION_RUNS; i++) {
    const { result } = await profiled("thirtyMB(); tenMB()", DEFAULT_INTERVAL_BYTES, true);
    const total = (name: string) => result.rows.find((r) => r.fn.name === name)!.totalBytes;
    ratios.push(total("thirtyMB") / total("tenMB"));
    sampledOverExpected.push((total("thirtyMB") + total("tenMB")) / (40 * MB));
    sampledOverHeap.push(result.sampledBytes / result.heap.allocated);
  }
  return {
    attribution_workload:
      "thirtyMB() and tenMB(): 3000 and 1000 JS arrays of 1250 doubles (10 kB each), -g, default interval",
    three_to_one_bytes_ratio_median: round(median(ratios), 3),
    three_to_one_bytes_ratios: ratios.map((r) => round(r, 2)),
    sampled_over_40MB_allocated_median: round(median(sampledOverExpected), 3),
    sampled_over_40MB_allocated: sampledOverExpected.map((r) => round(r, 3)),
    sampled_over_heap_statistics_allocated_median: round(median(sampledOverHeap), 3),
  };
}

/** Pairs in alternating order, so that neither kind always runs right after the other; medians and minimums. */
async function interleaved(plainRun: () => Promise<number>, measuredRun: () => Promise<number>, runs: number) {
  const plain: number[] = [];
  const under: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2) (under.push(await measuredRun()), plain.push(await plainRun()));
    else (plain.push(await plainRun()), under.push(await measuredRun()));
  }
  return { plain: median(plain), under: median(under), fastestRatio: Math.min(...under) / Math.min(...plain) };
}

async function forwardOverhead(timeStatement: TimeStatement, profiled: Profiled) {
  const fixed: number[] = [];
  let samples = 0;
  const { plain, under, fastestRatio } = await interleaved(
    () => timeStatement(FORWARD_PASSES),
    async () => {
      const run = await profiled(FORWARD_PASSES);
      fixed.push(run.whole - run.sampled.wallTime);
      samples = run.result.samples;
      return run.sampled.wallTime;
    },
    RUNS,
  );
  return {
    workload: `10 forward passes (x 100x64, w1 64x256, w2 256x10, nested arrays) under %alloc's sampler, interval ${DEFAULT_INTERVAL_BYTES} bytes`,
    plain_ms: round(plain * 1e3, 2),
    statement_under_alloc_ms: round(under * 1e3, 2),
    alloc_overhead_ratio: round(under / plain, 3),
    alloc_overhead_ratio_fastest: round(fastestRatio, 3),
    alloc_fixed_cost_ms: round(median(fixed) * 1e3, 1),
    samples_per_10_forward_passes: samples,
  };
}

/** The allocating workload's slowdown as the interval shrinks: the sampler's cost is per sample. */
async function intervalCost(timeStatement: TimeStatement, profiled: Profiled) {
  const rows: Record<string, { overhead_ratio: number; overhead_ratio_fastest: number; samples: number }> = {};
  for (const interval of INTERVALS) {
    let samples = 0;
    const { plain, under, fastestRatio } = await interleaved(
      () => timeStatement(ALLOCATING_RUN),
      async () => {
        const run = await profiled(ALLOCATING_RUN, interval);
        samples = run.result.samples;
        return run.sampled.wallTime;
      },
      11,
    );
    rows[`${interval} bytes`] = {
      overhead_ratio: round(under / plain, 3),
      overhead_ratio_fastest: round(fastestRatio, 3),
      samples,
    };
  }
  return { allocating_120MB_overhead_by_interval: rows };
}

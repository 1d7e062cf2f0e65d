/**
 * %memit's benchmark, with statements run by the kernel's executor as cells run them:
 * - overhead: the forward pass under the memory sampler (default interval, heap readings on)
 *   against the same statement unmeasured, medians of interleaved runs, and the fixed cost of a
 *   measurement (starting and stopping the sampler thread);
 * - resolution: for shrinking intervals, the achieved median gap between RSS readings and the
 *   rate of heap readings during a busy synchronous statement; the smallest interval whose
 *   median gap stays within 1.5× of what was asked "holds";
 * - accuracy, as measured / expected: a 100 MiB Float64Array filled and dropped (RSS increment),
 *   a 1000×1000 Float64Array (arrayBuffers and RSS increments) against 1000×1000 nested arrays
 *   (heapUsed), and an untouched 100 MiB Float64Array (not resident: RSS barely moves).
 */
import { Executor } from "../../kernel/exec/executor";
import { DEFAULT_INTERVAL } from "../../magics/commands/memit";
import {
  measureStatement,
  type MemoryMeasured,
  type MemoryOptions,
} from "../../magics/measure/samplers/memory-sampler";
import type { EvaluateOptions } from "../../magics/core/context";
import { FORWARD_PASS } from "./workloads";
import { median, overheadWithSpread, round } from "./stats";

const RUNS = 21;
const MiB = 2 ** 20;
const INTERVALS = [0.002, 0.001, 0.0005, 0.0002, 0.0001, 0.00005];
/** A synchronous statement of ~300 ms that keeps allocating, so heap readings have something to show. */
const BUSY =
  "(() => { const until = Date.now() + 300; let rows: number[][] = []; while (Date.now() < until) { rows.push(new Array(100).fill(1.5)); if (rows.length > 1e4) rows = []; } return rows.length; })()";

export async function benchMemit() {
  const executor = new Executor(process.cwd(), {});
  let cellNumber = 1;
  const run: Run = (code, measure) => executor.run(code, { file: `<cell ${cellNumber++}>`, line: 1, measure });
  const evaluate = async (code: string, options: EvaluateOptions = {}) => (await run(code, options.measure)).value;
  const measured = async (code: string, overrides: Partial<MemoryOptions> = {}) => {
    const options: MemoryOptions = {
      interval: DEFAULT_INTERVAL,
      timeout: null,
      repeats: 1,
      collectGarbage: true,
      sampleHeap: true,
      lines: [],
      ...overrides,
    };
    const started = process.hrtime.bigint();
    const result = (await measureStatement(evaluate, code, options))!;
    return { measured: result, whole: Number(process.hrtime.bigint() - started) / 1e9 };
  };
  await run(FORWARD_PASS);

  const overhead = await forwardOverhead(run, measured);
  const resolution = await samplerResolution(measured);
  const accuracy = await accuracyChecks(measured);
  executor.close();
  return { ...overhead, ...resolution, ...accuracy };
}

type Run = (code: string, measure?: EvaluateOptions["measure"]) => Promise<{ value: unknown }>;
type Measured = (
  code: string,
  overrides?: Partial<MemoryOptions>,
) => Promise<{ measured: MemoryMeasured<unknown>; whole: number }>;

async function forwardOverhead(run: Run, measured: Measured) {
  const plainRun = async () => {
    let seconds = 0;
    await run("forward(x, w1, w2)", async (execute) => {
      const t0 = process.hrtime.bigint();
      const value = await execute();
      seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      return value;
    });
    return seconds;
  };
  for (let i = 0; i < 3; i++) (await plainRun(), await measured("forward(x, w1, w2)", { collectGarbage: false }));
  const plain: number[] = [];
  const under: number[] = [];
  const fixed: number[] = [];
  let readings = 0;
  const measuredRun = async () => {
    const { measured: m, whole } = await measured("forward(x, w1, w2)", { collectGarbage: false });
    under.push(m.result.duration);
    fixed.push(whole - m.result.duration);
    readings = m.result.samples.length;
  };
  // Pairs in alternating order, so that neither kind always runs right after the other.
  for (let i = 0; i < RUNS; i++) {
    if (i % 2) (await measuredRun(), plain.push(await plainRun()));
    else (plain.push(await plainRun()), await measuredRun());
  }
  const overhead = overheadWithSpread(plain, under);
  return {
    workload: `forward pass (x 100x64, w1 64x256, w2 256x10, nested arrays) under %memit's sampler, interval ${DEFAULT_INTERVAL * 1e3} ms`,
    plain_ms: round(median(plain) * 1e3, 2),
    statement_under_memit_ms: round(median(under) * 1e3, 2),
    memit_overhead_ratio: overhead.ratio,
    memit_overhead_spread: overhead.spread,
    memit_overhead: overhead.verdict,
    memit_fixed_cost_ms: round(median(fixed) * 1e3, 1),
    readings_per_forward_pass: readings,
  };
}

async function samplerResolution(measured: Measured) {
  const rows: Record<string, { median_gap_us: number; heap_readings_per_s: number; holds: boolean }> = {};
  let smallest: number | null = null;
  for (const interval of INTERVALS) {
    const { measured: m } = await measured(BUSY, { interval, collectGarbage: false });
    // The thread's readings: between the baseline and the run-end reading.
    const readings = m.result.samples.slice(1, -1);
    const gaps = readings.slice(1).map((s, i) => s.t - readings[i].t);
    const heapReadings = new Set(readings.map((s) => s.heapUsed)).size;
    const gap = median(gaps);
    const holds = gap <= 1.5 * interval;
    rows[`${interval * 1e6} us`] = {
      median_gap_us: round(gap * 1e6, 0),
      heap_readings_per_s: round(heapReadings / m.result.duration, 0),
      holds,
    };
    if (holds) smallest = interval;
  }
  return { sampler_resolution: rows, smallest_interval_that_holds_us: smallest === null ? null : smallest * 1e6 };
}

async function accuracyChecks(measured: Measured) {
  const increment = (m: MemoryMeasured<unknown>, field: "rss" | "heapUsed" | "arrayBuffers") =>
    m.result.peak[field] - m.result.baseline[field];
  const typedSize = 1000 * 1000 * 8;
  const drop = (
    await measured(
      "let dropped: Float64Array | null = new Float64Array(100 * 2 ** 17); dropped.fill(1); dropped = null;",
    )
  ).measured;
  const typed = (await measured("const typed = new Float64Array(1000 * 1000).fill(1);")).measured;
  const nested = (
    await measured(
      "const nested: number[][] = []; for (let i = 0; i < 1000; i++) { const row: number[] = []; for (let j = 0; j < 1000; j++) row.push(i + j / 7); nested.push(row); }",
    )
  ).measured;
  const untouched = (await measured("const untouched = new Float64Array(100 * 2 ** 17);")).measured;
  return {
    accuracy_100MiB_dropped_rss_increment: round(increment(drop, "rss") / (100 * MiB), 3),
    accuracy_typed_1000x1000_arrayBuffers: round(increment(typed, "arrayBuffers") / typedSize, 3),
    accuracy_typed_1000x1000_rss: round(increment(typed, "rss") / typedSize, 3),
    nested_1000x1000_heapUsed_over_8MB: round(increment(nested, "heapUsed") / typedSize, 3),
    nested_1000x1000_rss_over_8MB: round(increment(nested, "rss") / typedSize, 3),
    untouched_100MiB_rss_increment_MiB: round(increment(untouched, "rss") / MiB, 2),
    untouched_100MiB_arrayBuffers_over_expected: round(increment(untouched, "arrayBuffers") / (100 * MiB), 3),
  };
}

/**
 * %prun's benchmark: overhead on the forward pass, attribution accuracy (3:1 work, matmul's share
 * of forward), what the call counters (counting only under %prun) cost unprofiled cells against
 * tslab, and the latency of a trivial %prun through a real Jupyter server.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { profilingHooks } from "../../kernel/exec/frames";
import { profileStatement, samplerIntervals } from "../../magics/commands/prun";
import { startJupyter, startKernel } from "../e2e/harness";
import { benchSession } from "./session";
import { FORWARD_PASS, THREE_TO_ONE } from "./workloads";
import { median, round, timeOnce } from "./stats";

const RUNS = 9;

export async function benchPrun() {
  const session = benchSession();
  const ctx = {
    evaluate: session.evaluate,
    profiling: profilingHooks(session.executor, process.cwd()),
    cwd: process.cwd(),
  };
  await session.evaluate(FORWARD_PASS + THREE_TO_ONE);
  const profiledRun = async (statement: string) => {
    let profiled!: Awaited<ReturnType<typeof profileStatement>>;
    const whole = await timeOnce(
      async () => (profiled = await profileStatement(ctx, statement, await samplerIntervals(undefined, "all"))),
    );
    return { whole, statement: profiled.sampled.wallTime, result: profiled.result };
  };

  for (let i = 0; i < 3; i++)
    (await session.timeStatement("forward(x, w1, w2)"), await profiledRun("forward(x, w1, w2)"));
  const plain: number[] = [];
  const profiled: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await session.timeStatement("forward(x, w1, w2)"));
    const run = await profiledRun("forward(x, w1, w2)");
    profiled.push(run.statement);
    whole.push(run.whole);
  }
  const forwardProfile = (await profiledRun("for (let r = 0; r < 10; r++) forward(x, w1, w2)")).result;
  const row = (name: string) => forwardProfile.table.rows.find((r) => r.fn.name === name)!;
  await profiledRun("for (let r = 0; r < 5; r++) { threeUnits(); oneUnit(); }");
  const ratios: number[] = [];
  for (let i = 0; i < 5; i++) {
    const rows = (await profiledRun("for (let r = 0; r < 20; r++) { threeUnits(); oneUnit(); }")).result.table.rows;
    const cum = (name: string) => rows.find((r) => r.fn.name === name)!.cumtime;
    ratios.push(cum("threeUnits") / cum("oneUnit"));
  }
  session.close();

  return {
    workload: "forward pass, x 100x64, w1 64x256, w2 256x10, nested arrays",
    plain_ms: round(median(plain) * 1e3, 2),
    statement_under_prun_ms: round(median(profiled) * 1e3, 2),
    prun_overhead_ratio: round(median(profiled) / median(plain), 2),
    prun_overhead_ratio_fastest: round(Math.min(...profiled) / Math.min(...plain), 2),
    prun_fixed_cost_ms: round((median(whole) - median(profiled)) * 1e3, 1),
    matmul_share_of_forward_cumtime: round(row("matmul").cumtime / row("forward").cumtime, 3),
    matmul_ncalls_for_10_forwards: row("matmul").ncalls,
    three_to_one_measured_ratio_median_of_5: round(median(ratios), 2),
    three_to_one_measured_ratios: ratios.map((r) => round(r, 2)),
    ...unprofiledCost(),
    ...(await jupyterLatency()),
  };
}

const ROUNDS = 4;

/**
 * Unprofiled cells under tsprof's kernel against tslab's, each in a process of its own (see
 * unprofiled-cells.ts), alternating, so that a slow spell of this shared machine hits both. The
 * ratio of medians is the target's; the ratio of the fastest runs is less sensitive to other
 * processes on the machine.
 */
function unprofiledCost(): Record<string, number> {
  const child = path.join(__dirname, "unprofiled-cells.js");
  const runs: Record<"tsprof" | "tslab", Record<string, number[]>> = { tsprof: {}, tslab: {} };
  for (let i = 0; i < ROUNDS; i++) {
    for (const kind of ["tsprof", "tslab"] as const) {
      const run = spawnSync(process.execPath, [child, kind], { encoding: "utf8" });
      if (run.status !== 0) throw new Error(`${child} ${kind} failed:\n${run.stderr}`);
      for (const [name, times] of Object.entries(JSON.parse(run.stdout) as Record<string, number[]>))
        (runs[kind][name] ??= []).push(...times);
    }
  }
  const out: Record<string, number> = {};
  for (const [name, ours] of Object.entries(runs.tsprof)) {
    const theirs = runs.tslab[name];
    out[`unprofiled_${name}_ms`] = round(median(ours), 1);
    out[`unprofiled_vs_tslab_${name}`] = round(median(ours) / median(theirs), 3);
    out[`unprofiled_vs_tslab_${name}_fastest`] = round(Math.min(...ours) / Math.min(...theirs), 3);
  }
  return out;
}

/** A user's pause between cells: what a kernel does once idle is done by the next one. */
export const pause = () => new Promise((resolve) => setTimeout(resolve, 300));

/** A trivial %prun and %lprun, end to end: execute_request to the reply's idle, through a real Jupyter server. */
async function jupyterLatency(): Promise<Record<string, number>> {
  const jupyter = await startJupyter();
  try {
    const kernel = await startKernel(jupyter);
    const elapsed = async (code: string) => {
      const start = performance.now();
      const run = await kernel.execute(code);
      if (run.status !== "ok") throw new Error(`${code} failed: ${run.text}`);
      return performance.now() - start;
    };
    // Each cell is sent as a person sends one, after a pause: one sent the moment the previous
    // reply came in takes some 30 ms longer through the Jupyter server and client, with any kernel.
    const afterPause = async (code: string) => (await pause(), elapsed(code));
    await elapsed("function one(): number { return 1; }");
    await elapsed("one()");
    const first = await afterPause("%prun one()");
    const firstLprun = await afterPause("%lprun -f one one()");
    const prun: number[] = [];
    const lprun: number[] = [];
    const rightAfterLprun: number[] = [];
    const plain: number[] = [];
    const rightAfterPlain: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      prun.push(await afterPause("%prun one()"));
      lprun.push(await afterPause("%lprun -f one one()"));
      // %lprun puts the originals back once its reply is out: a cell sent at once waits for that.
      rightAfterLprun.push(await elapsed("one()"));
      plain.push(await afterPause("one()"));
      rightAfterPlain.push(await elapsed("one()"));
    }
    // A %prun's start does not grow with the heap (the profiler's eager mode, v8-sampler.ts): a heap of two million small objects.
    await elapsed("const manyObjects = Array.from({ length: 2e6 }, (_, i) => ({ i }));");
    const prunManyObjects: number[] = [];
    for (let i = 0; i < 5; i++) prunManyObjects.push(await afterPause("%prun one()"));
    await kernel.shutdown();
    return {
      latency_first_prun_trivial_ms: round(first, 1),
      latency_prun_trivial_ms: round(median(prun), 1),
      latency_prun_trivial_2m_objects_on_the_heap_ms: round(median(prunManyObjects), 1),
      // %lprun's fixed cost as a user meets it: the two live edits walk the kernel's own heap, not the bench's.
      latency_first_lprun_trivial_ms: round(firstLprun, 1),
      latency_lprun_trivial_ms: round(median(lprun), 1),
      latency_plain_cell_right_after_lprun_ms: round(median(rightAfterLprun), 1),
      latency_plain_cell_trivial_ms: round(median(plain), 1),
      latency_plain_cell_right_after_plain_ms: round(median(rightAfterPlain), 1),
    };
  } finally {
    await jupyter.stop();
  }
}

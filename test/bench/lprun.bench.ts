/**
 * %lprun's benchmark on the forward pass with `-f matmul`, and on its closure version with
 * `-f layer1`: the statement's time under %lprun against the same statement unprofiled (median of
 * interleaved runs), the fixed cost of the magic (the live edits in and out, the sampler thread),
 * and what it measures: the inner loop body's hits (100·64·256 + 100·256·10 per forward call) and
 * its share of the function's time, which must be the largest of its lines. Nothing of %lprun
 * runs in unprofiled cells (their cost is the call counters', measured in prun.bench.ts).
 */
import { lineInstrumentation, restorePending } from "../../kernel/line-profiler/line-hooks";
import { locateFunction } from "../../kernel/exec/locate";
import { profileLines } from "../../magics/commands/lprun";
import { benchSession } from "./session";
import { FORWARD_PASS } from "./workloads";
import { median, round, timeOnce } from "./stats";

const RUNS = 9;
const K_LOOP_LINE = "for (let k = 0; k < p; k++) {";
const EXPECTED_INNER_HITS = 100 * 64 * 256 + 100 * 256 * 10;

/** The forward pass written with a factory: each layer is a closure over its weights. */
const CLOSURE_FORWARD_PASS = `
function makeLayer(w: number[][]) {
  return function layer(a: number[][]): number[][] {
    const n = a.length, p = w.length, m = w[0].length;
    const res: number[][] = [];
    for (let i = 0; i < n; i++) res.push(new Array(m).fill(0));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        for (let k = 0; k < p; k++) {
          res[i][j] += a[i][k] * w[k][j];
        }
      }
    }
    return res;
  };
}
const layer1 = makeLayer(w1), layer2 = makeLayer(w2);
const forwardLayers = (x: number[][]) => layer2(layer1(x));
`;

export async function benchLprun() {
  const session = benchSession();
  await session.evaluate(FORWARD_PASS);
  await session.evaluate(CLOSURE_FORWARD_PASS);
  const declared = await measure(session, "matmul", "forward(x, w1, w2)", "res[i][j] += a[i][k] * b[k][j];");
  // Both layers are closures of one function, so -f layer1 counts the lines of both, as line_profiler counts a code object's.
  const closure = await measure(session, "layer1", "forwardLayers(x)", "res[i][j] += a[i][k] * w[k][j];");
  // Each %lprun runs freshly edited code, which V8 compiles again as it runs: a statement of one
  // forward pass pays that warm-up in full, one of ten passes mostly runs optimized code.
  const tenPasses = await measure(
    session,
    "matmul",
    "for (let pass = 0; pass < 10; pass++) forward(x, w1, w2)",
    "res[i][j] += a[i][k] * b[k][j];",
  );
  session.close();
  return {
    workload:
      "forward pass, x 100x64, w1 64x256, w2 256x10, nested arrays; %lprun -f matmul, and -f layer1 on the closure version",
    ...declared,
    k_loop_line_share_of_matmul: declared.k_loop_line_share,
    closure_plain_ms: closure.plain_ms,
    closure_lprun_overhead_ratio: closure.lprun_overhead_ratio,
    closure_inner_line_hits: closure.inner_line_hits,
    ten_passes_plain_ms: tenPasses.plain_ms,
    ten_passes_lprun_overhead_ratio: tenPasses.lprun_overhead_ratio,
    ten_passes_lprun_overhead_ratio_fastest: tenPasses.lprun_overhead_ratio_fastest,
    ten_passes_inner_line_hits: tenPasses.inner_line_hits,
  };
}

async function measure(
  session: ReturnType<typeof benchSession>,
  expression: string,
  statement: string,
  innerLine: string,
) {
  const lines = lineInstrumentation(session.executor, process.cwd());
  const fn = (await session.evaluate(expression)) as Function;
  const target = { expression, fn, ref: locateFunction(session.executor.units, fn) };
  const profiledRun = async () => {
    let profiled!: Awaited<ReturnType<typeof profileLines>>;
    const probes = () => lines.instrument({ functions: [target], modules: [], clockLines: false });
    const whole = await timeOnce(
      async () =>
        (profiled = await profileLines(session.evaluate, probes(), statement, { timerUnit: 1e-6, clockLines: false })),
    );
    // The edit back that waits for the kernel to be idle: the kernel does it once the reply is out.
    const putBack = await timeOnce(restorePending);
    return { whole, putBack, statement: profiled.sampled!.wallTime, result: profiled.result! };
  };

  for (let i = 0; i < 3; i++) (await session.timeStatement(statement), await profiledRun());
  const plain: number[] = [];
  const profiled: number[] = [];
  const whole: number[] = [];
  const putBack: number[] = [];
  const innerShares: number[] = [];
  const kLoopShares: number[] = [];
  let innerHits = 0;
  let innerIsLargest = true;
  for (let i = 0; i < RUNS; i++) {
    plain.push(await session.timeStatement(statement));
    const run = await profiledRun();
    profiled.push(run.statement);
    whole.push(run.whole);
    putBack.push(run.putBack);
    const fnProfile = run.result.functions[0];
    const line = (text: string) => fnProfile.lines.find((l) => l.contents.trim() === text)!;
    const inner = line(innerLine);
    innerShares.push(inner.time / fnProfile.totalTime);
    kLoopShares.push(line(K_LOOP_LINE).time / fnProfile.totalTime);
    innerIsLargest &&= fnProfile.lines.every((l) => l.time <= inner.time);
    innerHits = inner.hits;
  }
  return {
    plain_ms: round(median(plain) * 1e3, 2),
    statement_under_lprun_ms: round(median(profiled) * 1e3, 2),
    lprun_overhead_ratio: round(median(profiled) / median(plain), 2),
    lprun_overhead_ratio_fastest: round(Math.min(...profiled) / Math.min(...plain), 2),
    lprun_fixed_cost_ms: round((median(whole) - median(profiled)) * 1e3, 1),
    lprun_put_back_when_idle_ms: round(median(putBack) * 1e3, 1),
    inner_line_share_of_matmul: round(median(innerShares), 3),
    k_loop_line_share: round(median(kLoopShares), 3),
    inner_line_is_largest_in_every_run: innerIsLargest,
    inner_line_hits: innerHits,
    inner_line_hits_expected: EXPECTED_INNER_HITS,
  };
}

/**
 * %lprun's benchmark on the forward pass with `-f matmul`: the statement's time under %lprun
 * against the same statement unprofiled (median of interleaved runs), the fixed cost of the
 * magic (compiling the copies, starting the sampler thread), and what it measures — the inner
 * loop body's hits (must be 100·64·256 + 100·256·10 per forward call) and its share of
 * matmul's time, which must be the largest of matmul's lines. Nothing of %lprun runs in
 * unprofiled cells (their cost is the call counters', measured in prun.bench.ts).
 */
import { lineInstrumentation } from "../../kernel/line-hooks";
import { locateFunction } from "../../kernel/locate";
import { profileLines } from "../../magics/lprun";
import { benchSession } from "./session";
import { FORWARD_PASS } from "./workloads";
import { median, round, timeOnce } from "./stats";

const RUNS = 9;
const INNER_LINE = "res[i][j] += a[i][k] * b[k][j];";
const K_LOOP_LINE = "for (let k = 0; k < p; k++) {";
const EXPECTED_INNER_HITS = 100 * 64 * 256 + 100 * 256 * 10;

export async function benchLprun() {
  const session = benchSession();
  await session.evaluate(FORWARD_PASS);
  const lines = lineInstrumentation(session.executor, session.evaluate, process.cwd());
  const matmul = (await session.evaluate("matmul")) as Function;
  const target = { expression: "matmul", fn: matmul, ref: locateFunction(session.executor.units, matmul) };
  const profiledRun = async () => {
    let profiled!: Awaited<ReturnType<typeof profileLines>>;
    const whole = await timeOnce(async () => (profiled = await profileLines(session.evaluate, await lines.instrument([target]), "forward(x, w1, w2)", 1e-6)));
    return { whole, statement: profiled.sampled.wallTime, result: profiled.result };
  };

  for (let i = 0; i < 3; i++) await session.timeStatement("forward(x, w1, w2)"), await profiledRun();
  const plain: number[] = [];
  const profiled: number[] = [];
  const whole: number[] = [];
  const innerShares: number[] = [];
  const kLoopShares: number[] = [];
  let innerHits = 0;
  let innerIsLargest = true;
  for (let i = 0; i < RUNS; i++) {
    plain.push(await session.timeStatement("forward(x, w1, w2)"));
    const run = await profiledRun();
    profiled.push(run.statement);
    whole.push(run.whole);
    const fn = run.result.functions[0];
    const line = (text: string) => fn.lines.find((l) => l.contents.trim() === text)!;
    const inner = line(INNER_LINE);
    innerShares.push(inner.time / fn.totalTime);
    kLoopShares.push(line(K_LOOP_LINE).time / fn.totalTime);
    innerIsLargest &&= fn.lines.every((l) => l.time <= inner.time);
    innerHits = inner.hits;
  }
  session.close();

  return {
    workload: "forward pass, x 100x64, w1 64x256, w2 256x10, nested arrays; %lprun -f matmul",
    plain_ms: round(median(plain) * 1e3, 2),
    statement_under_lprun_ms: round(median(profiled) * 1e3, 2),
    lprun_overhead_ratio: round(median(profiled) / median(plain), 2),
    lprun_overhead_ratio_fastest: round(Math.min(...profiled) / Math.min(...plain), 2),
    lprun_fixed_cost_ms: round((median(whole) - median(profiled)) * 1e3, 1),
    inner_line_share_of_matmul: round(median(innerShares), 3),
    k_loop_line_share_of_matmul: round(median(kLoopShares), 3),
    inner_line_is_largest_in_every_run: innerIsLargest,
    inner_line_hits: innerHits,
    inner_line_hits_expected: EXPECTED_INNER_HITS,
  };
}

/**
 * %lprun's benchmark on the forward pass with `-f matmul`: the statement's time under %lprun
 * against the same statement unprofiled (median of interleaved runs), the fixed cost of the
 * magic (compiling the copies, starting the sampler thread), and what it measures — the inner
 * loop body's hits (must be 100·64·256 + 100·256·10 per forward call) and its share of
 * matmul's time. Nothing of %lprun runs in unprofiled cells, so it adds no cost there.
 */
import { Executor } from "../../kernel/executor";
import { lineInstrumentation } from "../../kernel/line-hooks";
import { locateFunction } from "../../kernel/locate";
import type { EvaluateOptions } from "../../magics/context";
import { profileLines } from "../../magics/lprun";
import { FORWARD_PASS } from "./workloads";
import { median, round, timeOnce } from "./stats";

const RUNS = 7;
const INNER_LINE = "res[i][j] += a[i][k] * b[k][j];";
const EXPECTED_INNER_HITS = 100 * 64 * 256 + 100 * 256 * 10;

export async function benchLprun() {
  const executor = new Executor(process.cwd(), {});
  const cell = { file: "<cell 2>", line: 1 };
  const evaluate = async (code: string, options: EvaluateOptions = {}) => (await executor.run(code, { ...cell, ...options })).value;
  await executor.run(FORWARD_PASS, { file: "<cell 1>", line: 1 });
  const lines = lineInstrumentation(executor, evaluate, process.cwd());
  const matmul = (await evaluate("matmul")) as Function;
  const target = { expression: "matmul", fn: matmul, ref: locateFunction(executor.units, matmul) };

  const plainRun = async () => {
    let seconds = 0;
    await evaluate("forward(x, w1, w2)", { measure: async (exec) => { const t0 = process.hrtime.bigint(); const v = await exec(); seconds = Number(process.hrtime.bigint() - t0) / 1e9; return v; } });
    return seconds;
  };
  const profiledRun = async () => {
    let profiled!: Awaited<ReturnType<typeof profileLines>>;
    const whole = await timeOnce(async () => (profiled = await profileLines(evaluate, await lines.instrument([target]), "forward(x, w1, w2)", 1e-6)));
    return { whole, statement: profiled.sampled.wallTime, result: profiled.result };
  };

  for (let i = 0; i < 3; i++) await plainRun(), await profiledRun();
  const plain: number[] = [];
  const profiled: number[] = [];
  const whole: number[] = [];
  const innerShares: number[] = [];
  let innerHits = 0;
  for (let i = 0; i < RUNS; i++) {
    plain.push(await plainRun());
    const run = await profiledRun();
    profiled.push(run.statement);
    whole.push(run.whole);
    const fn = run.result.functions[0];
    const inner = fn.lines.find((l) => l.contents.trim() === INNER_LINE)!;
    innerShares.push(inner.time / fn.totalTime);
    innerHits = inner.hits;
  }
  executor.close();

  return {
    workload: "forward pass, x 100x64, w1 64x256, w2 256x10, nested arrays; %lprun -f matmul",
    plain_ms: round(median(plain) * 1e3, 2),
    statement_under_lprun_ms: round(median(profiled) * 1e3, 2),
    lprun_overhead_ratio: round(median(profiled) / median(plain), 2),
    lprun_fixed_cost_ms: round((median(whole) - median(profiled)) * 1e3, 1),
    inner_line_share_of_matmul: round(median(innerShares), 3),
    inner_line_hits: innerHits,
    inner_line_hits_expected: EXPECTED_INNER_HITS,
  };
}

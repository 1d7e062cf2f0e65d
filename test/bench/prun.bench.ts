/**
 * %prun's benchmark: overhead on the forward pass, attribution accuracy (3:1 work, matmul's share
 * of forward), and what the always-on call counters cost unprofiled code, against tslab's own
 * executor running the same cells.
 */
import { createExecutor } from "tslab/dist/executor";
import { converter } from "../../kernel/tslab-bridge";
import { Executor } from "../../kernel/executor";
import { profilingHooks } from "../../kernel/frames";
import { buildCpuProfile } from "../../magics/measure/cpu-profile";
import { sampleCpu } from "../../magics/measure/v8-sampler";
import type { CpuProfileResult } from "../../magics/model/profile";
import { CALL_HEAVY, FORWARD_PASS, THREE_TO_ONE } from "./workloads";
import { median, round, timeOnce } from "./stats";

const RUNS = 7;

export async function benchPrun() {
  const executor = new Executor(process.cwd(), {});
  const hooks = profilingHooks(executor, process.cwd());
  await executor.run(FORWARD_PASS + THREE_TO_ONE, { file: "<cell 1>", line: 1 });
  const cell = { file: "<cell 2>", line: 1 };

  const plainRun = async () => {
    let seconds = 0;
    await executor.run("forward(x, w1, w2)", { ...cell, measure: async (exec) => { const t0 = process.hrtime.bigint(); const v = await exec(); seconds = Number(process.hrtime.bigint() - t0) / 1e9; return v; } });
    return seconds;
  };
  /** Whole magic time (compile, sampler start/stop, analysis) and the statement's time under the sampler. */
  const profileOf = async (statement: string) => {
    const before = hooks.readCallCounters();
    let result!: CpuProfileResult;
    let statementSeconds = 0;
    const seconds = await timeOnce(async () => {
      await executor.run(statement, {
        ...cell,
        measure: async (exec) => {
          const sampled = await sampleCpu(exec, 100);
          statementSeconds = sampled.wallTime;
          result = buildCpuProfile({ profile: sampled.profile, resolve: hooks.resolveFrame, calls: hooks.callsBetween(before, hooks.readCallCounters()), statement, wallTime: sampled.wallTime, sampleInterval: 1e-4 });
          return sampled.value as any;
        },
      });
    });
    return { seconds, statementSeconds, result };
  };
  for (let i = 0; i < 3; i++) await plainRun(), await profileOf("forward(x, w1, w2)");
  const plain: number[] = [];
  const profiled: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await plainRun());
    const run = await profileOf("forward(x, w1, w2)");
    profiled.push(run.statementSeconds);
    whole.push(run.seconds);
  }
  const forwardProfile = (await profileOf("for (let r = 0; r < 10; r++) forward(x, w1, w2)")).result;
  const row = (name: string) => forwardProfile.table.rows.find((r) => r.fn.name === name)!;
  await profileOf("for (let r = 0; r < 5; r++) { threeUnits(); oneUnit(); }");
  const ratioProfile = (await profileOf("for (let r = 0; r < 20; r++) { threeUnits(); oneUnit(); }")).result;
  const cum = (name: string) => ratioProfile.table.rows.find((r) => r.fn.name === name)!.cumtime;
  executor.close();

  return {
    workload: "forward pass, x 100x64, w1 64x256, w2 256x10, nested arrays",
    plain_ms: round(median(plain) * 1e3, 2),
    statement_under_prun_ms: round(median(profiled) * 1e3, 2),
    prun_overhead_ratio: round(median(profiled) / median(plain), 2),
    prun_fixed_cost_ms: round((median(whole) - median(profiled)) * 1e3, 1),
    matmul_share_of_forward_cumtime: round(row("matmul").cumtime / row("forward").cumtime, 3),
    matmul_ncalls_for_10_forwards: row("matmul").ncalls,
    three_to_one_measured_ratio: round(cum("threeUnits") / cum("oneUnit"), 2),
    ...(await counterCost()),
  };
}

/** Unprofiled cost of the always-on call counters: the same cells on tslab's executor and ours. */
async function counterCost() {
  const timed = (expr: string) => `{ const t0 = performance.now(); ${expr}; (globalThis as any).__benchMs = performance.now() - t0; }`;
  const tsprof = new Executor(process.cwd(), {});
  const convs = { node: converter.createConverter({ isJS: false, isBrowser: false }), browser: null as any, close() { this.node.close(); } };
  const tslab = createExecutor(process.cwd(), convs as any, { log: () => {}, error: (...a: unknown[]) => console.error(...a) });
  await tsprof.run(FORWARD_PASS + CALL_HEAVY, { file: "<cell 1>", line: 1 });
  await tslab.execute(FORWARD_PASS + CALL_HEAVY);
  const cases = { forward_pass: "forward(x, w1, w2)", tiny_calls: "sumWithCalls(20_000_000)", map_reduce: "sumWithMap(xs)" };
  const out: Record<string, number> = {};
  for (const [name, expr] of Object.entries(cases)) {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < RUNS + 2; i++) {
      await tsprof.run(timed(expr), { file: "<cell 2>", line: 1 });
      ours.push((globalThis as any).__benchMs);
      await tslab.execute(timed(expr));
      theirs.push((globalThis as any).__benchMs);
    }
    out[`unprofiled_vs_tslab_${name}`] = round(median(ours.slice(2)) / median(theirs.slice(2)), 3);
  }
  tsprof.close();
  tslab.close();
  return out;
}

/**
 * %prun on async code (issue 23): an async pipeline that awaits timers and does CPU work (the
 * overhead of the samplers and the promise hooks, and the share of the wall time the async view
 * charges to the statement's functions, which should be at least 95%), and `await model.fit(…)`
 * on a small @tensorflow/tfjs model (the share of the sampled time in tfjs's own functions).
 */
import { profilingHooks } from "../../kernel/exec/frames";
import { profileStatement, samplerIntervals } from "../../magics/commands/prun";
import { benchSession } from "./session";
import { median, overheadWithSpread, round } from "./stats";

const RUNS = 7;

const PIPELINE = `
const pipelineSleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function pipelineWork(n: number): number { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }
async function pipelineStage(i: number): Promise<number> { await pipelineSleep(5); return pipelineWork(3e5 + i); }
async function pipeline(n: number): Promise<number> { let t = 0; for (let i = 0; i < n; i++) t += await pipelineStage(i); return t; }
`;

const TFJS_MODEL = `
const tf = require("@tensorflow/tfjs");
const benchModel = tf.sequential({ layers: [tf.layers.dense({ inputShape: [32], units: 64, activation: "relu" }), tf.layers.dense({ units: 1 })] });
benchModel.compile({ optimizer: "sgd", loss: "meanSquaredError" });
const benchX = tf.randomNormal([1024, 32]); const benchY = tf.randomNormal([1024, 1]);
`;
const FIT = "await benchModel.fit(benchX, benchY, { epochs: 2, batchSize: 64, verbose: 0 })";

export async function benchPrunAsync() {
  const session = benchSession();
  const ctx = {
    evaluate: session.evaluate,
    profiling: profilingHooks(session.executor, process.cwd()),
    cwd: process.cwd(),
  };
  const profile = async (statement: string) =>
    profileStatement(ctx, statement, await samplerIntervals(undefined, "all"));
  await session.evaluate(PIPELINE);
  const statement = "await pipeline(40)";
  for (let i = 0; i < 2; i++) (await session.timeStatement(statement), await profile(statement));
  const plain: number[] = [];
  const profiled: number[] = [];
  const attributed: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await session.timeStatement(statement));
    const { result, sampled } = await profile(statement);
    profiled.push(sampled.wallTime);
    const view = result.async;
    attributed.push(view ? (view.awaiting + view.computing) / result.table.totalTime : 0);
  }
  await session.evaluate(TFJS_MODEL);
  await session.evaluate(FIT);
  const { result: fit } = await profile(FIT);
  const busy = fit.table.rows.filter((r) => r.fn.name !== "(idle)");
  const inTfjs = busy.filter((r) => r.fn.file.includes("@tensorflow/")).reduce((s, r) => s + r.tottime, 0);
  const sampled = busy.reduce((s, r) => s + r.tottime, 0);
  session.close();
  return {
    async_workload: "40 stages, each awaiting a 5 ms timer then summing 3e5 square roots",
    async_plain_ms: round(median(plain) * 1e3, 1),
    async_prun_overhead: overheadWithSpread(plain, profiled),
    async_view_share_of_wall_time: round(median(attributed), 3),
    async_view_target: median(attributed) >= 0.95 ? "met (>= 95%)" : "missed (< 95%)",
    tfjs_fit_workload: "model.fit, dense 32→64→1, 1024 samples, batch 64, 2 epochs, tfjs 4.22.0 CPU backend",
    tfjs_fit_wall_ms: round(fit.table.totalTime * 1e3, 1),
    tfjs_fit_share_in_tfjs_functions: round(sampled > 0 ? inTfjs / sampled : 0, 3),
  };
}

/**
 * The command line's benchmark: `tsprof prun script` and `tsprof lprun -f matmul script` against
 * `node` running the same compiled script (TypeScript's output, as tsprof compiles it), with
 * `node --cpu-prof` beside them. The script times its own work (the forward pass, repeated), so
 * the ratios are the profilers' cost on the script; each command's whole run (process start to
 * exit) is reported too, and tsprof's compile time apart.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileScript } from "../../kernel/cli/compile";
import { FORWARD_PASS } from "./workloads";
import { median, overheadWithSpread, round, timeOnce } from "./stats";

const RUNS = 5;
const FORWARDS = 40;
const CLI = path.join(__dirname, "..", "..", "kernel", "cli", "cli.js");

const SCRIPT = `${FORWARD_PASS}
const started = performance.now();
for (let r = 0; r < ${FORWARDS}; r++) forward(x, w1, w2);
console.log("WORK_MS " + (performance.now() - started));
`;

interface Timed {
  work: number;
  whole: number;
}

export async function benchCli() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-cli-bench-"));
  try {
    const script = path.join(dir, "ts_version.ts");
    fs.writeFileSync(script, SCRIPT);
    const compileTimes: number[] = [];
    let js = "";
    for (let i = 0; i < 3; i++)
      compileTimes.push(
        await timeOnce(async () => (js = (await compileScript(script)).files.find((f) => f.file === script)!.js)),
      );
    fs.writeFileSync(path.join(dir, "ts_version.js"), js);
    const commands: Record<string, string[]> = {
      node: ["ts_version.js"],
      node_cpu_prof: ["--cpu-prof", "--cpu-prof-dir", path.join(dir, "profiles"), "ts_version.js"],
      tsprof_prun: [CLI, "prun", "-q", "ts_version.ts"],
      tsprof_lprun: [CLI, "lprun", "-f", "matmul", "ts_version.ts"],
    };
    const runs: Record<string, Timed[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
    // Alternating, so that a slow spell of this shared machine hits every command.
    for (let i = 0; i < RUNS + 1; i++) {
      for (const [name, args] of Object.entries(commands)) {
        const timed = runTimed(args, dir);
        if (i > 0) runs[name].push(timed);
      }
    }
    const work = (name: string) => runs[name].map((r) => r.work);
    const whole = (name: string) => round(median(runs[name].map((r) => r.whole)) * 1e3, 1);
    return {
      workload: `forward pass x${FORWARDS} (x 100x64, w1 64x256, w2 256x10), as a script; ${RUNS} runs of each command, alternating`,
      node_work_ms: round(median(work("node")), 1),
      prun_vs_node: overheadWithSpread(work("node"), work("tsprof_prun")),
      lprun_f_matmul_vs_node: overheadWithSpread(work("node"), work("tsprof_lprun")),
      node_cpu_prof_vs_node: overheadWithSpread(work("node"), work("node_cpu_prof")),
      compile_s: round(median(compileTimes), 2),
      whole_run_ms: {
        node: whole("node"),
        node_cpu_prof: whole("node_cpu_prof"),
        tsprof_prun: whole("tsprof_prun"),
        tsprof_lprun: whole("tsprof_lprun"),
      },
      targets: "prun ≤ 1.15×, lprun -f matmul ≤ 1.5× (of the script's own work time)",
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One run of a command: the work time the script printed, and the whole process's wall time. */
function runTimed(args: string[], cwd: string): Timed {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd, encoding: "utf8" });
  const whole = Number(process.hrtime.bigint() - started) / 1e9;
  const work = /^WORK_MS ([\d.]+)$/m.exec(run.stdout);
  if (run.status !== 0 || !work) throw new Error(`node ${args.join(" ")} failed (${run.status}):\n${run.stderr}`);
  return { work: Number(work[1]), whole };
}

/**
 * `npm run bench`: tsprof's speed and accuracy targets, measured in one run on this machine, with
 * the Python anchor (cProfile, line_profiler on the same workload) run beside them. Prints a
 * table, then one JSON object (also written to bench-results.json).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { benchPrun } from "./prun.bench";
import { benchLprun } from "./lprun.bench";
import { benchForward } from "./forward.bench";
import { benchMemit } from "./memit.bench";
import { benchThreads } from "./threads.bench";

type Results = Record<string, Record<string, unknown>>;

function pythonAnchor(): Record<string, unknown> {
  const script = path.resolve(__dirname, "..", "..", "..", "..", "shared", "anchors", "python_forward_pass.py");
  if (!fs.existsSync(script)) return { skipped: `not found: ${script}` };
  const run = spawnSync("/usr/bin/python3", [script, "--runs", "5"], { encoding: "utf8" });
  if (run.status !== 0) return { skipped: `failed: ${run.stderr.trim().split("\n").pop()}` };
  return JSON.parse(run.stdout);
}

/** The overhead ratios and the inner line's share, tsprof's beside the Python anchor's from the same run. */
function besidePython(results: Results): Record<string, unknown> {
  const python = results.python_anchor;
  return {
    prun_overhead: { tsprof: results.prun.prun_overhead_ratio, python_cprofile: python.cprofile_ratio ?? python.skipped, target: "<= 1.2" },
    lprun_overhead: { tsprof: results.lprun.lprun_overhead_ratio, python_line_profiler: python.line_profiler_ratio ?? python.skipped, target: "<= 1.5" },
    lprun_overhead_closure: { tsprof: results.lprun.closure_lprun_overhead_ratio, python_line_profiler: python.line_profiler_ratio ?? python.skipped, target: "<= 1.5" },
    lprun_fixed_cost_ms: { tsprof: results.lprun.lprun_fixed_cost_ms },
    inner_line_share: { tsprof: results.lprun.inner_line_share_of_matmul, python_line_profiler_percent: python.line_profiler_inner_lines_share ?? python.skipped },
    inner_line_hits: { tsprof: results.lprun.inner_line_hits, python: python.inner_line_hits ?? python.skipped, expected: results.lprun.inner_line_hits_expected },
  };
}

function printTable(results: Results): void {
  for (const [section, values] of Object.entries(results)) {
    console.log(`\n== ${section}`);
    for (const [key, value] of Object.entries(values)) console.log(`  ${key.padEnd(42)} ${typeof value === "object" ? JSON.stringify(value) : value}`);
  }
}

async function main(): Promise<void> {
  const results: Results = {};
  results.python_anchor = pythonAnchor();
  results.prun = await benchPrun();
  results.lprun = await benchLprun();
  results.profilers_vs_python = besidePython(results);
  results.forward_pass_steps = await benchForward();
  results.prun_threads = await benchThreads();
  results.memit = await benchMemit();
  printTable(results);
  const json = JSON.stringify(results, null, 2);
  fs.writeFileSync("bench-results.json", json + "\n");
  console.log("\n" + json);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * `npm run bench`: tsprof's speed and accuracy targets, measured in one run on this machine, with
 * the Python anchor (cProfile, line_profiler on the same workload) run beside them. Prints a
 * table, then one JSON object (also written to bench-results.json, and as docs/benchmarks.md).
 */
import fs from "node:fs";
import { benchPrun } from "./prun.bench";
import { benchPrunAsync } from "./prun-async.bench";
import { benchLprun } from "./lprun.bench";
import { benchForward } from "./forward.bench";
import { benchMemit } from "./memit.bench";
import { benchAlloc } from "./alloc.bench";
import { besidePython, pythonAnchor, warnings, type Results } from "./python-anchor";
import { benchThreads } from "./threads.bench";
import { benchKernels } from "./kernels.bench";
import { BENCHMARKS_DOC, benchmarksDoc, currentCommit, thisMachine } from "./benchmarks-doc";
import { benchCli } from "./cli.bench";

function printTable(results: Results): void {
  for (const warning of warnings(results)) console.log(`\n!!! ${warning} !!!`);
  for (const [section, values] of Object.entries(results)) {
    console.log(`\n== ${section}`);
    for (const [key, value] of Object.entries(values))
      console.log(`  ${key.padEnd(42)} ${typeof value === "object" ? JSON.stringify(value) : value}`);
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const commit = currentCommit();
  const results: Results = {};
  results.python_anchor = pythonAnchor();
  results.prun = await benchPrun();
  results.prun_async = await benchPrunAsync();
  results.lprun = await benchLprun();
  results.profilers_vs_python = besidePython(results);
  results.forward_pass_steps = await benchForward();
  results.prun_threads = await benchThreads();
  results.memit = await benchMemit();
  results.alloc = await benchAlloc();
  results.beside_deno_and_tslab = await benchKernels();
  results.command_line = await benchCli();
  const alerts = warnings(results);
  printTable(results);
  for (const warning of alerts) console.log(`\n!!! ${warning} !!!`);
  const report = alerts.length ? { WARNINGS: alerts, ...results } : results;
  const json = JSON.stringify(report, null, 2);
  fs.writeFileSync("bench-results.json", json + "\n");
  fs.writeFileSync(BENCHMARKS_DOC, benchmarksDoc({ date: started, commit, machine: thisMachine(), json: report }));
  console.log("\n" + json);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

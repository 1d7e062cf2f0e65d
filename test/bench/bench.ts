/**
 * `npm run bench`: tsprof's speed and accuracy targets, measured in one run on this machine, with
 * the Python anchor (cProfile, line_profiler on the same workload) run beside them. Prints a
 * table, then one JSON object (also written to bench-results.json).
 */
import fs from "node:fs";
import { benchPrun } from "./prun.bench";
import { benchLprun } from "./lprun.bench";
import { benchForward } from "./forward.bench";
import { benchMemit } from "./memit.bench";
import { benchAlloc } from "./alloc.bench";
import { besidePython, pythonAnchor, warnings, type Results } from "./python-anchor";
import { benchThreads } from "./threads.bench";
import { benchCli } from "./cli.bench";

function printTable(results: Results): void {
  for (const warning of warnings(results)) console.log(`\n!!! ${warning} !!!`);
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
  results.alloc = await benchAlloc();
  results.command_line = await benchCli();
  const alerts = warnings(results);
  printTable(results);
  for (const warning of alerts) console.log(`\n!!! ${warning} !!!`);
  const json = JSON.stringify(alerts.length ? { WARNINGS: alerts, ...results } : results, null, 2);
  fs.writeFileSync("bench-results.json", json + "\n");
  console.log("\n" + json);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

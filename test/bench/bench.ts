/**
 * `npm run bench`: tsprof's speed and accuracy targets, measured in one run on this machine, with
 * the Python anchor (cProfile, line_profiler on the same workload) run beside them. Prints a
 * table, then one JSON object (also written to bench-results.json).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { benchPrun } from "./prun.bench";
import { benchForward } from "./forward.bench";

type Results = Record<string, Record<string, unknown>>;

function pythonAnchor(): Record<string, unknown> {
  const script = path.resolve(__dirname, "..", "..", "..", "..", "shared", "anchors", "python_forward_pass.py");
  if (!fs.existsSync(script)) return { skipped: `not found: ${script}` };
  const run = spawnSync("/usr/bin/python3", [script, "--runs", "5"], { encoding: "utf8" });
  if (run.status !== 0) return { skipped: `failed: ${run.stderr.trim().split("\n").pop()}` };
  return JSON.parse(run.stdout);
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
  results.forward_pass_steps = await benchForward();
  printTable(results);
  const json = JSON.stringify(results, null, 2);
  fs.writeFileSync("bench-results.json", json + "\n");
  console.log("\n" + json);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * The Python anchor of `npm run bench`: cProfile and line_profiler on the same forward pass
 * (../shared/anchors/python_forward_pass.py, beside the repository), run in the same bench run.
 * When the script is missing or fails, every place that would show its numbers says so loudly.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export type Results = Record<string, Record<string, unknown>>;

export const ANCHOR_SCRIPT = path.resolve(
  __dirname,
  "..",
  "..",
  "..",
  "..",
  "shared",
  "anchors",
  "python_forward_pass.py",
);

/** The anchor's results, or `{ missing }` saying why there are none. */
export function pythonAnchor(script = ANCHOR_SCRIPT): Record<string, unknown> {
  if (!fs.existsSync(script))
    return { missing: `PYTHON ANCHOR MISSING: ${script} not found; no Python numbers in this run` };
  const run = spawnSync("/usr/bin/python3", [script, "--runs", "5"], { encoding: "utf8" });
  if (run.status !== 0) return { missing: `PYTHON ANCHOR FAILED: ${script}: ${run.stderr.trim().split("\n").pop()}` };
  return JSON.parse(run.stdout);
}

/** The overhead ratios and the inner line's share, tsprof's beside the Python anchor's from the same run. */
export function besidePython(results: Results): Record<string, unknown> {
  const python = results.python_anchor;
  const fromPython = (key: string) => python[key] ?? "MISSING (no Python anchor)";
  return {
    prun_overhead: {
      tsprof: results.prun.prun_overhead_ratio,
      python_cprofile: fromPython("cprofile_ratio"),
      target: "<= 1.2",
    },
    lprun_overhead: {
      tsprof: results.lprun.lprun_overhead_ratio,
      python_line_profiler: fromPython("line_profiler_ratio"),
      target: "<= 1.5",
    },
    lprun_overhead_closure: {
      tsprof: results.lprun.closure_lprun_overhead_ratio,
      python_line_profiler: fromPython("line_profiler_ratio"),
      target: "<= 1.5",
    },
    lprun_fixed_cost_ms: { tsprof: results.lprun.lprun_fixed_cost_ms },
    lprun_put_back_when_idle_ms: { tsprof: results.lprun.lprun_put_back_when_idle_ms },
    inner_line_share: {
      tsprof: results.lprun.inner_line_share_of_matmul,
      python_line_profiler_percent: fromPython("line_profiler_inner_lines_share"),
    },
    inner_line_hits: {
      tsprof: results.lprun.inner_line_hits,
      python: fromPython("inner_line_hits"),
      expected: results.lprun.inner_line_hits_expected,
    },
  };
}

/** The run's warnings (a missing anchor, every section's `missed_targets`), for the top of the table and of the JSON; empty when none. */
export function warnings(results: Results): string[] {
  const missing = results.python_anchor?.missing;
  const missedTargets = Object.values(results).flatMap((section) =>
    Array.isArray(section.missed_targets) ? (section.missed_targets as string[]) : [],
  );
  return [...(typeof missing === "string" ? [missing] : []), ...missedTargets];
}

/** A target's verdict for the table (`value` ≤ `limit`); a missed one is also added to `missed`, a section's `missed_targets`. */
export function againstTarget(missed: string[], what: string, value: number, limit: number, unit = "×"): string {
  const comparison = `${value}${unit} ${value <= limit ? "≤" : ">"} ${limit}${unit}`;
  if (value <= limit) return `met (${comparison})`;
  missed.push(`TARGET MISSED: ${what}: ${comparison}`);
  return `MISSED (${comparison})`;
}

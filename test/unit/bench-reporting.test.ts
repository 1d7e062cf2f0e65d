/** How `npm run bench` reports what it could not measure, and overheads within noise. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { besidePython, pythonAnchor, warnings } from "../bench/python-anchor";
import { overheadWithSpread } from "../bench/stats";

test("a missing Python anchor is a warning for the table and the JSON, and every Python column says MISSING", () => {
  const results = {
    python_anchor: pythonAnchor("/nonexistent/shared/anchors/python_forward_pass.py"),
    prun: { prun_overhead_ratio: 1.1 },
    lprun: { lprun_overhead_ratio: 1.7, inner_line_share_of_matmul: 0.95, inner_line_hits: 10, inner_line_hits_expected: 10 },
  };
  assert.deepEqual(warnings(results), ["PYTHON ANCHOR MISSING: /nonexistent/shared/anchors/python_forward_pass.py not found; no Python numbers in this run"]);
  const beside = besidePython(results) as Record<string, Record<string, unknown>>;
  for (const [row, key] of [["prun_overhead", "python_cprofile"], ["lprun_overhead", "python_line_profiler"], ["inner_line_share", "python_line_profiler_percent"], ["inner_line_hits", "python"]]) {
    assert.equal(beside[row][key], "MISSING (no Python anchor)", row);
  }
});

test("an anchor that ran gives no warning", () => {
  assert.deepEqual(warnings({ python_anchor: { cprofile_ratio: 2.4 } }), []);
});

test("a %memit overhead below 1× is noise, reported with its spread", () => {
  const below = overheadWithSpread([10, 10, 10, 10], [9.5, 9.8, 9.6, 10.2]);
  assert.equal(below.ratio, 0.97);
  assert.deepEqual(below.spread, { q1: 0.958, q3: 0.99, min: 0.95, max: 1.02 });
  assert.equal(below.verdict, "noise: below 1× (0.97×), so no measurable overhead; paired ratios 0.958–0.99× (quartiles), 0.95–1.02× (all)");
  assert.match(overheadWithSpread([10, 10, 10, 10], [9.5, 9.9, 10.6, 10.8]).verdict, /^noise: 1\.025× but the quartiles hold 1×/);
  assert.match(overheadWithSpread([10, 10, 10, 10], [11, 11.5, 12, 12.5]).verdict, /^overhead 1\.175×/);
});

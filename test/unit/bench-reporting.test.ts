/** How `npm run bench` reports what it could not measure, and overheads within noise. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { againstTarget, besidePython, pythonAnchor, warnings } from "../bench/python-anchor";
import { overheadWithSpread, pairedRatio } from "../bench/stats";
import { numberIn } from "../bench/other-kernels";

test("a missing Python anchor is a warning for the table and the JSON, and every Python column says MISSING", () => {
  const results = {
    python_anchor: pythonAnchor("/nonexistent/shared/anchors/python_forward_pass.py"),
    prun: { prun_overhead_ratio: 1.1 },
    lprun: {
      lprun_overhead_ratio: 1.7,
      inner_line_share_of_matmul: 0.95,
      inner_line_hits: 10,
      inner_line_hits_expected: 10,
    },
  };
  assert.deepEqual(warnings(results), [
    "PYTHON ANCHOR MISSING: /nonexistent/shared/anchors/python_forward_pass.py not found; no Python numbers in this run",
  ]);
  const beside = besidePython(results) as Record<string, Record<string, unknown>>;
  for (const [row, key] of [
    ["prun_overhead", "python_cprofile"],
    ["lprun_overhead", "python_line_profiler"],
    ["inner_line_share", "python_line_profiler_percent"],
    ["inner_line_hits", "python"],
  ]) {
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
  assert.equal(
    below.verdict,
    "noise: below 1× (0.97×), so no measurable overhead; paired ratios 0.958–0.99× (quartiles), 0.95–1.02× (all)",
  );
  assert.match(
    overheadWithSpread([10, 10, 10, 10], [9.5, 9.9, 10.6, 10.8]).verdict,
    /^noise: 1\.025× but the quartiles hold 1×/,
  );
  assert.match(overheadWithSpread([10, 10, 10, 10], [11, 11.5, 12, 12.5]).verdict, /^overhead 1\.175×/);
});

test("a missed target is a warning of the run; a met one is not, and both say the value and the limit", () => {
  const missed: string[] = [];
  assert.equal(againstTarget(missed, "plain cell", 9.5, 14, " ms"), "met (9.5 ms ≤ 14 ms)");
  assert.equal(againstTarget(missed, "top level against in a function", 25.2, 10), "MISSED (25.2× > 10×)");
  assert.deepEqual(warnings({ python_anchor: {}, kernels: { missed_targets: missed } }), [
    "TARGET MISSED: top level against in a function: 25.2× > 10×",
  ]);
});

test("kernels' numbers: Deno's coloured text is read, and a ratio of paired runs comes with its range", () => {
  assert.equal(numberIn("\x1b[33m62.77742599999999\x1b[39m"), 62.77742599999999);
  assert.equal(numberIn("1370421\n"), 1370421);
  assert.throws(() => numberIn(""), /not a number/);
  assert.throws(() => numberIn("\x1b[90mundefined\x1b[39m"), /not a number/);
  assert.deepEqual(pairedRatio([30, 40, 90], [10, 10, 10]), { ratio: 4, min: 3, max: 9 });
});

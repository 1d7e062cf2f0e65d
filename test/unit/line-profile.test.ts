import { test } from "node:test";
import assert from "node:assert/strict";
import { buildLineProfile, withoutUnhitLines } from "../../magics/measure/builders/line-profile";

const layout = {
  ref: { name: "f", file: "<cell 1>", line: 3, category: "cell" as const },
  lines: ["function f(xs) {", "  for (let i = 0; i < 4; i++) g(i, () => 1);", "  // done", "  return xs;", "}"],
  // line 4: the loop test (probe 1), the call (probe 2), the arrow body (probe 3); line 6: return.
  probes: [
    { id: 1, line: 4 },
    { id: 2, line: 4 },
    { id: 3, line: 4 },
    { id: 4, line: 6 },
  ],
  // Milliseconds: the clocked total, and (for -c) per probe.
  clock: Float64Array.of(1200, 0),
  lineClock: Float64Array.of(0, 100, 300, 200, 400),
};
const measured = { hits: [0, 5, 4, 4, 1], times: [0, 0.1, 0.5, 0.2, 0.2] };
const sampled = { timerUnit: 1e-6, clockLines: false };

test("a line's hits are its first statement's, its time the sum of all its statements' sampled shares of the clocked total", () => {
  const result = buildLineProfile([layout], [measured], "f([])", sampled);
  const [fn] = result.functions;
  assert.deepEqual(
    fn.lines.map((l) => [l.line, l.hits, +l.time.toFixed(6), l.hasCode]),
    [
      [3, 0, 0, false],
      [4, 5, 0.96, true],
      [5, 0, 0, false],
      [6, 1, 0.24, true],
      [7, 0, 0, false],
    ],
  );
  assert.equal(+fn.totalTime.toFixed(6), 1.2, "measured, not the sum of the sampled lines");
  assert.equal(result.timerUnit, 1e-6);
});

test("sampled times that add up to more than the clocked total (a reading's interval overlaps the start of a short run) are its shares; time on no line stays out of the lines", () => {
  const over = { hits: measured.hits, times: [0.3, 0.1, 0.5, 0.2, 0.4] };
  const [fn] = buildLineProfile([layout], [over], "f([])", sampled).functions;
  assert.deepEqual(
    fn.lines.filter((l) => l.hasCode).map((l) => [l.line, +l.time.toFixed(6)]),
    [
      [4, 0.64],
      [6, 0.32],
    ],
  );
  assert.ok(fn.lines.reduce((sum, l) => sum + l.time, 0) <= fn.totalTime);
});

test("with clocked lines (-c) the line times are the clocked ones", () => {
  const [fn] = buildLineProfile([layout], [measured], "f([])", { timerUnit: 1e-6, clockLines: true }).functions;
  assert.deepEqual(
    fn.lines.filter((l) => l.hasCode).map((l) => [l.line, +l.time.toFixed(6)]),
    [
      [4, 0.6],
      [6, 0.4],
    ],
  );
});

test("-s keeps only the lines that ran", () => {
  const stripped = withoutUnhitLines(buildLineProfile([layout], [measured], "f([])", sampled));
  assert.deepEqual(
    stripped.functions[0].lines.map((l) => l.line),
    [4, 6],
  );
});

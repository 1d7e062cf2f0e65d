import { test } from "node:test";
import assert from "node:assert/strict";
import { buildLineProfile, withoutUnhitLines } from "../../magics/measure/line-profile";

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
};
const measured = { hits: [0, 5, 4, 4, 1], times: [0, 0.1, 0.5, 0.2, 0.2] };

test("a line's hits are its first statement's, its time the sum of all its statements", () => {
  const result = buildLineProfile([layout], [measured], "f([])", 1e-6);
  const [fn] = result.functions;
  assert.deepEqual(
    fn.lines.map((l) => [l.line, l.hits, +l.time.toFixed(6), l.hasCode]),
    [
      [3, 0, 0, false],
      [4, 5, 0.8, true],
      [5, 0, 0, false],
      [6, 1, 0.2, true],
      [7, 0, 0, false],
    ],
  );
  assert.equal(+fn.totalTime.toFixed(6), 1);
  assert.equal(result.timerUnit, 1e-6);
});

test("-s keeps only the lines that ran", () => {
  const stripped = withoutUnhitLines(buildLineProfile([layout], [measured], "f([])", 1e-6));
  assert.deepEqual(stripped.functions[0].lines.map((l) => l.line), [4, 6]);
});

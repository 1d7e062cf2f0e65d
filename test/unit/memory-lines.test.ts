import { test } from "node:test";
import assert from "node:assert/strict";
import { buildMemoryLineProfile, LineMemoryAttribution } from "../../magics/measure/builders/memory-lines";

/** Counters as a line-counting copy with probes 1..3 keeps them (index 0 unused). */
function counters() {
  return { hits: new Uint32Array(new SharedArrayBuffer(4 * 4)), current: new Int32Array(new SharedArrayBuffer(4)) };
}

test("an RSS change goes to the statement current at the later reading, else at the earlier one", () => {
  const c = counters();
  const lines = new LineMemoryAttribution(c);
  lines.record(100, 0); // not running yet
  c.hits[1] = 1;
  c.current[0] = 1;
  lines.record(150, 50); // probe 1 is allocating
  lines.record(180, 30); // still probe 1
  c.hits[2] = 1;
  c.current[0] = 2;
  lines.record(181, 1); // moved on to probe 2
  c.current[0] = 0;
  lines.record(170, -11); // returned during the interval: the earlier line gets it
  lines.record(400, 230); // not running: nowhere
  const m = lines.measurements();
  assert.deepEqual(m.hits, [0, 1, 1, 0]);
  assert.deepEqual(m.increments, [0, 80, -10, 0]);
  assert.deepEqual(m.memUsage, [null, 181, 170, null]);
});

test("a statement that ran between two readings gets that interval's RSS as its Mem usage, and hits keep their carries", () => {
  const c = counters();
  const lines = new LineMemoryAttribution(c);
  c.hits[3] = 2 ** 32 - 1;
  lines.record(10, 0);
  c.hits[3] = 5; // wrapped past 2^32
  lines.record(12, 2);
  const m = lines.measurements();
  assert.equal(m.hits[3], 2 ** 32 + 5);
  assert.equal(m.memUsage[3], 12);
  assert.equal(m.increments[3], 0, "it was not current at either reading");
});

test("rows: a line's Occurrences are its first statement's hits, Increment sums its statements, Mem usage is their highest", () => {
  const layout = {
    ref: { name: "f", file: "<cell 1>", line: 3, category: "cell" as const },
    lines: [
      "function f(n) {",
      "  const a = []; for (let i = 0; i < n; i++) a.push(i);",
      "  // done",
      "  return a;",
      "}",
    ],
    probes: [
      { id: 1, line: 4 },
      { id: 2, line: 4 },
      { id: 3, line: 4 },
      { id: 4, line: 6 },
    ],
  };
  const measured = {
    hits: [0, 1, 4, 3, 1],
    increments: [0, 100, 0, 300, -50],
    memUsage: [null, 1000, 1100, 1300, 1250],
  };
  const [fn] = buildMemoryLineProfile([layout], [measured], "f(3)").functions;
  assert.deepEqual(
    fn.lines.map((l) => [l.line, l.memUsage, l.increment, l.occurrences, l.hasCode]),
    [
      [3, null, 0, 0, false],
      [4, 1300, 400, 1, true],
      [5, null, 0, 0, false],
      [6, 1250, -50, 1, true],
      [7, null, 0, 0, false],
    ],
  );
});

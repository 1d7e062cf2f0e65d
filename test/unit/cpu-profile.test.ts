import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCpuProfile, type V8CpuProfile } from "../../magics/measure/builders/cpu-profile";
import type { CountedCalls, ResolvedFrame, V8Frame } from "../../magics/core/context";
import type { CallTreeNode } from "../../magics/model/profile";
import { cpuProfileText } from "../../magics/views";
import { cellRef, KERNEL_FRAMES } from "./fixtures/profiles";

/**
 * A V8 profile of `%prun forward(x); fib(3)` as the kernel sees it: the kernel's frames at the
 * bottom, the statement's top level (<cell 2>), forward → matmul (reached from two call sites,
 * so two profile nodes), a Node internal, fib recursing three deep, two anonymous callbacks
 * written on one line, the garbage collector and (program).
 */
const FRAMES: Record<string, ResolvedFrame | null> = {
  ...KERNEL_FRAMES,
  readFileSync: { ref: { name: "readFileSync", file: "node:fs", line: 440, category: "node" }, counter: null },
  anonA: { ref: cellRef("<anonymous>@<cell 1>:18", 18), counter: { unit: 0, index: 3 } },
  anonB: { ref: cellRef("<anonymous>@<cell 1>:18", 18), counter: { unit: 0, index: 4 } },
  "(garbage collector)": {
    ref: { name: "(garbage collector)", file: "", line: 0, category: "runtime" },
    counter: null,
  },
  "(program)": { ref: { name: "(program)", file: "", line: 0, category: "runtime" }, counter: null },
};

/** The kernel's frames come from its scripts; the rest are resolved by name alone. */
const frame = (functionName: string): V8Frame => ({
  functionName,
  url: functionName === "runCell" ? "/kernel/dist/kernel/exec/executor.js" : "",
  lineNumber: 0,
  columnNumber: 0,
});
const node = (id: number, name: string, children: number[] = []) => ({ id, callFrame: frame(name), children });

const PROFILE: V8CpuProfile = {
  nodes: [
    node(1, "(root)", [2, 12, 13]),
    node(2, "runCell", [3]),
    node(3, "", [4, 7, 10]),
    node(4, "forward", [5, 6, 11]),
    node(5, "matmul"),
    node(6, "matmul"),
    node(7, "fib", [8]),
    node(8, "fib", [9]),
    node(9, "fib"),
    node(10, "anonA", [14]),
    node(11, "readFileSync"),
    node(12, "(garbage collector)"),
    node(13, "(program)"),
    node(14, "anonB"),
  ],
  // One sample every 10 ms; the samples in the kernel's own frame (2) and at the root alone (1) are not the user's: between the statement's, each is said under the table.
  samples: [5, 5, 5, 6, 4, 11, 9, 9, 8, 7, 3, 12, 13, 2, 1, 10, 14],
  timeDeltas: new Array(17).fill(10_000),
  startTime: 0,
  endTime: 170_000,
};

const CALLS: CountedCalls[] = [
  { ref: cellRef("<module>", 1, "<cell 2>"), counter: { unit: 1, index: 0 }, calls: 1 },
  { ref: cellRef("matmul", 2), counter: { unit: 0, index: 0 }, calls: 2 },
  { ref: cellRef("forward", 10), counter: { unit: 0, index: 1 }, calls: 1 },
  { ref: cellRef("fib", 14), counter: { unit: 0, index: 2 }, calls: 5 },
  { ref: cellRef("<anonymous>@<cell 1>:18", 18), counter: { unit: 0, index: 3 }, calls: 3 },
  { ref: cellRef("<anonymous>@<cell 1>:18", 18), counter: { unit: 0, index: 4 }, calls: 3 },
  // Called, but too briefly to be sampled.
  { ref: cellRef("tiny", 20), counter: { unit: 0, index: 5 }, calls: 1234 },
];

function build() {
  return buildCpuProfile({
    profile: PROFILE,
    resolve: (f) => FRAMES[f.functionName],
    calls: CALLS,
    statement: "forward(x); fib(3)",
    wallTime: 0.17,
    sampleInterval: 0.01,
  });
}

/** Where `filename:lineno(function)` starts in a row of the table. */
const HEADER_WIDTH = "   ncalls  tottime  percall  cumtime  percall ".length;
const ms = (seconds: number) => Math.round(seconds * 1e3);

test("tottime and cumtime per function, exact ncalls from the counters, recursion counted once", () => {
  const rows = build().table.rows.map((r) => [r.fn.name, r.ncalls, ms(r.tottime), ms(r.cumtime)]);
  assert.deepEqual(
    rows.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    [
      ["(garbage collector)", null, 10, 10],
      ["(program)", null, 10, 10],
      ["<anonymous>@<cell 1>:18", 3, 10, 20],
      ["<anonymous>@<cell 1>:18", 3, 10, 10],
      ["<module>", 1, 10, 130],
      ["fib", 5, 40, 40],
      ["forward", 1, 10, 60],
      ["matmul", 2, 40, 40],
      ["readFileSync", null, 10, 10],
      ["tiny", 1234, 0, 0],
    ],
  );
});

test("totals: every counted call, the statement's wall time", () => {
  const { table } = build();
  assert.equal(table.totalCalls, 1 + 2 + 1 + 5 + 3 + 3 + 1234);
  assert.equal(table.totalTime, 0.17);
});

test("the call tree starts at the statement, merges call sites and keeps recursion as depth", () => {
  const shape = (n: CallTreeNode): unknown => [n.fn.name, ms(n.totalTime), ms(n.selfTime), ...n.children.map(shape)];
  assert.deepEqual(shape(build().tree), [
    "(root)",
    150,
    0,
    [
      "<module>",
      130,
      10,
      ["forward", 60, 10, ["matmul", 40, 40], ["readFileSync", 10, 10]],
      ["fib", 40, 10, ["fib", 30, 10, ["fib", 20, 20]]],
      ["<anonymous>@<cell 1>:18", 20, 10, ["<anonymous>@<cell 1>:18", 10, 10]],
    ],
    ["(garbage collector)", 10, 10],
    ["(program)", 10, 10],
  ]);
});

test("golden text: cProfile's table for the fixture, ordered by internal time; the summary claims no total for library calls, and the kernel's sample between the statement's is said", () => {
  assert.equal(
    cpuProfileText(build(), { sort: ["time"], limits: [] }),
    [
      "         1249 calls counted (cell and local-module functions) in 0.170 seconds; library calls are timed, not counted",
      "",
      "   Ordered by: internal time",
      "",
      "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)",
      "        2    0.040    0.020    0.040    0.020 <cell 1>:2(matmul)",
      "        5    0.040    0.008    0.040    0.008 <cell 1>:14(fib)",
      "        1    0.010    0.010    0.130    0.130 <cell 2>:1(<module>)",
      "        1    0.010    0.010    0.060    0.060 <cell 1>:10(forward)",
      "        -    0.010             0.010          node:fs:440(readFileSync)",
      "        -    0.010             0.010          {(garbage collector)}",
      "        -    0.010             0.010          {(program)}",
      "        3    0.010    0.003    0.020    0.007 <cell 1>:18(<anonymous>)",
      "        3    0.010    0.003    0.010    0.003 <cell 1>:18(<anonymous>)",
      "     1234    0.000    0.000    0.000    0.000 <cell 1>:20(tiny)",
      "",
      "   -: calls not counted (Node.js internals, libraries and the runtime are timed only)",
      "",
      "   0.010 s not shown: the kernel's own work while the statement waited (answering Jupyter's messages), not the statement's.",
      "   0.010 s not shown: samples V8 took with no frame on the stack, which no function can be charged with.",
    ].join("\n"),
  );
});

test("-s and -l pick rows as pstats does", () => {
  const text = cpuProfileText(build(), { sort: ["cumulative"], limits: ["3"] });
  assert.match(text, /Ordered by: cumulative time\n   List reduced from 10 to 3 due to restriction <3>/);
  assert.deepEqual(
    text
      .split("\n")
      .filter((l) => /^ +[\d-]+ +\d+\.\d{3} /.test(l))
      .map((l) => l.slice(HEADER_WIDTH)),
    ["<cell 2>:1(<module>)", "<cell 1>:10(forward)", "<cell 1>:2(matmul)"],
  );
});

test("a statement that ran no user code between samples gives an empty, well-formed profile", () => {
  const empty = buildCpuProfile({
    profile: {
      nodes: [node(1, "(root)", [2]), node(2, "runCell")],
      samples: [2, 2],
      timeDeltas: [100, 100],
      startTime: 0,
      endTime: 200,
    },
    resolve: (f) => FRAMES[f.functionName],
    calls: [],
    statement: "1",
    wallTime: 0.0002,
    sampleInterval: 1e-4,
  });
  assert.deepEqual(empty.table.rows, []);
  assert.equal(empty.tree.totalTime, 0);
});

test("a long gap between samples (the kernel descheduled on a busy machine) is shared by all samples, not charged to one function", () => {
  const profile: V8CpuProfile = {
    nodes: [node(1, "(root)", [2]), node(2, "runCell", [3]), node(3, "", [4, 5]), node(4, "matmul"), node(5, "fib")],
    // Three samples in matmul, one in fib, and a 300 ms gap before fib's sample.
    samples: [4, 4, 4, 5],
    timeDeltas: [1_000, 1_000, 1_000, 300_000],
    startTime: 0,
    endTime: 304_000,
  };
  const rows = buildCpuProfile({
    profile,
    resolve: (f) => FRAMES[f.functionName],
    calls: [],
    statement: "s",
    wallTime: 0.304,
    sampleInterval: 1e-3,
  }).table.rows;
  const cum = (name: string) => rows.find((r) => r.fn.name === name)!.cumtime;
  assert.equal(cum("matmul") / cum("fib"), 3);
  assert.equal(Math.round(cum("<module>") * 1e3), 304);
});

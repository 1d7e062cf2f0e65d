/**
 * Golden tests of the text views: each expected string is the Python tool's layout for the
 * fixture (the counted %prun rows were checked against pstats' own print_stats on the same
 * numbers; IPython's _format_time and %g against Python's formatting).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cpuProfileText,
  lineProfileText,
  timeitText,
  timeText,
  comparisonText,
  formatTime,
  formatG,
} from "../../magics/views";
import { compareTimings } from "../../magics/measure/builders/timing-comparison";
import { summarizeTimings } from "../../magics/measure/samplers/timing";
import { cpuProfile, lineProfile, timeitResult } from "./fixtures/profiles";
import { functionDescription } from "../../magics/views/profile-order";

const HEADER = "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)";
const SUMMARY =
  "         1240 calls counted (cell and local-module functions) in 0.523 seconds; library calls are timed, not counted";
const MATMUL = "        2    0.401    0.201    0.401    0.201 <cell 3>:12(matmul)";
const FORWARD = "        1    0.005    0.005    0.406    0.406 <cell 3>:20(forward)";
const FIB = "      177    0.021    0.000    0.021    0.000 <cell 4>:1(fib)";
const XSS_ROW = "     1060    0.001    0.000    0.001    0.000 <cell 5>:2(<img src=x onerror=alert(1)>)";
const READ = "        -    0.030             0.030          node:fs:441(readFileSync)";
const GC = "        -    0.012             0.012          {(garbage collector)}";
const NOTE = "   -: calls not counted (Node.js internals, libraries and the runtime are timed only)";

test("%prun: pstats layout, sorted by internal time, uncounted rows with blank per-call columns", () => {
  const text = cpuProfileText(cpuProfile(), { sort: ["time"], limits: [] });
  assert.equal(
    text,
    [SUMMARY, "", "   Ordered by: internal time", "", HEADER, MATMUL, READ, FIB, GC, FORWARD, XSS_ROW, "", NOTE].join(
      "\n",
    ),
  );
});

test("%prun: several sort keys and limits in order, as pstats reports them", () => {
  const text = cpuProfileText(cpuProfile(), { sort: ["cumulative", "calls"], limits: ["3", "cell 3"] });
  assert.equal(
    text,
    [
      SUMMARY,
      "",
      "   Ordered by: cumulative time, call count",
      "   List reduced from 6 to 3 due to restriction <3>",
      "   List reduced from 3 to 2 due to restriction <'cell 3'>",
      "",
      HEADER,
      FORWARD,
      MATMUL,
    ].join("\n"),
  );
});

test("%prun: a fraction keeps the first part (rounded half up), names sort by code point", () => {
  const text = cpuProfileText(cpuProfile(), { sort: ["name"], limits: ["0.5"] });
  // "(garbage collector)" < "<img…>" < "fib" < "forward" in code-point order, as Python compares str.
  assert.equal(
    text,
    [
      SUMMARY,
      "",
      "   Ordered by: function name",
      "   List reduced from 6 to 3 due to restriction <0.5>",
      "",
      HEADER,
      GC,
      XSS_ROW,
      FIB,
      "",
      NOTE,
    ].join("\n"),
  );
});

test("%prun: ties keep the profile's order; an invalid regex is reported and ignored", () => {
  const text = cpuProfileText(cpuProfile(), { sort: ["calls"], limits: ["["] });
  assert.equal(
    text,
    [
      SUMMARY,
      "",
      "   Ordered by: call count",
      "   <Invalid regular expression '['>",
      "",
      HEADER,
      XSS_ROW,
      FIB,
      MATMUL,
      FORWARD,
      READ,
      GC,
      "",
      NOTE,
    ].join("\n"),
  );
});

test("%prun: no primitive calls anywhere: the counters cannot tell a recursive call, so pcalls is no sort key", () => {
  assert.throws(() => cpuProfileText(cpuProfile(), { sort: ["pcalls"], limits: [] }), /unknown sort key 'pcalls'/);
  const text = cpuProfileText(cpuProfile(), { sort: ["time"], limits: [] });
  assert.doesNotMatch(text, /primitive|\d\/\d/);
});

test("%prun: unambiguous prefixes work like pstats' (cumu, tot); ambiguous and unknown keys are errors", () => {
  const byPrefix = cpuProfileText(cpuProfile(), { sort: ["cumu"], limits: ["1"] });
  assert.match(
    byPrefix,
    /Ordered by: cumulative time\n   List reduced from 6 to 1 due to restriction <1>\n\n.*\n {8}1 .*\(forward\)$/,
  );
  assert.equal(
    cpuProfileText(cpuProfile(), { sort: ["tot"], limits: ["1"] })
      .split("\n")
      .at(-1),
    MATMUL,
  );
  // "cum" is a prefix of both cumtime and cumulative: pstats rejects it, as it rejects "c".
  assert.throws(() => cpuProfileText(cpuProfile(), { sort: ["cum"], limits: [] }), /unknown sort key 'cum'/);
  assert.throws(
    () => cpuProfileText(cpuProfile(), { sort: ["speed"], limits: [] }),
    /unknown sort key 'speed'.*cumulative/,
  );
});

test("%prun: an empty table prints the summary line alone", () => {
  const result = cpuProfile();
  result.table = result.threads[0].table = { totalTime: 0.0004, totalCalls: 3, rows: [] };
  assert.equal(cpuProfileText(result, { sort: ["time"], limits: [] }), "         3 function calls in 0.000 seconds");
});

test("%lprun: line_profiler layout, blank cells for lines that did not run", () => {
  const expected = [
    "Timer unit: 1e-06 s",
    "",
    "Total time: 0.3177 s",
    "File: <cell 3>",
    "Function: matmul at line 12",
    "",
    "Line #      Hits         Time  Per Hit   % Time  Line Contents",
    "==============================================================",
    "    12                                           function matmul(a: number[][], b: number[][]): number[][] {",
    "    13         1          2.1      2.1      0.0    const out: number[][] = [];",
    "    14       101         40.2      0.4      0.0    for (let i = 0; i < a.length; i++) {",
    "    15       100        155.5      1.6      0.0      const row = new Array(b[0].length).fill(0);",
    "    16     25700      12345.6      0.5      3.9      for (let j = 0; j < b[0].length; j++) {",
    "    17   1664000     305123.4      0.2     96.0        for (let k = 0; k < b.length; k++) row[j] += a[i][k] * b[k][j]; // <img src=x onerror=alert(1)>",
    "    18                                               }",
    "    19       100         33.3      0.3      0.0      out.push(row);",
    "    20                                             }",
    "    21         1          0.4      0.4      0.0    return out;",
    "    22                                           }",
  ].join("\n");
  assert.equal(lineProfileText(lineProfile()), expected);
});

test("%lprun: other timer units, too-wide values in %g form, several functions separated by a blank line", () => {
  const result = lineProfile();
  result.timerUnit = 1e-9;
  const [matmulLines] = result.functions;
  matmulLines.lines[5].time = 30.51234;
  matmulLines.totalTime = matmulLines.lines.reduce((sum, l) => sum + l.time, 0);
  const second = {
    ...result.functions[0],
    fn: { ...result.functions[0].fn, name: "forward", line: 30 },
    lines: result.functions[0].lines.slice(0, 2),
  };
  result.functions.push(second);
  const lines = lineProfileText(result).split("\n");
  assert.equal(lines[0], "Timer unit: 1e-09 s");
  // 30512340000.0 ns does not fit line_profiler's 12-character Time column: "%5.1g".
  assert.equal(
    lines[13],
    "    17   1664000        3e+10  18336.7    100.0        for (let k = 0; k < b.length; k++) row[j] += a[i][k] * b[k][j]; // <img src=x onerror=alert(1)>",
  );
  assert.deepEqual(lines.slice(18, 22), [
    "    22                                           }",
    "",
    "Total time: 30.5249 s",
    "File: <cell 3>",
  ]);
  assert.equal(lines[22], "Function: forward at line 30");
});

test("%lprun: with few readings, lines whose times add up past the function's total are shares of their sum, none over 100%", () => {
  const result = lineProfile();
  const [profile] = result.functions;
  profile.totalTime = 0.3;
  const percents = lineProfileText(result)
    .split("\n")
    .filter((l) => /^ +\d+ +\d+ /.test(l))
    .map((l) => Number(l.slice(40, 48)));
  assert.ok(Math.max(...percents) <= 100, String(percents));
  assert.equal(
    percents.find((p) => p > 90),
    96,
  );
});

test("function descriptions: an anonymous function's place is said once (a path with an @ in it too), a regular expression's long name is cut", () => {
  const file = "node_modules/@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.node.js";
  assert.equal(
    functionDescription({ fn: { name: `<anonymous>@${file}:461`, file, line: 461, category: "library" } }),
    `${file}:461(<anonymous>)`,
  );
  const regex = `RegExp: (${"abc|".repeat(120)}z)+`;
  const shown = functionDescription({ fn: { name: regex, file: "", line: 0, category: "runtime" } });
  assert.equal(shown, `{${regex.slice(0, 79)}…}`);
});

test("%timeit: IPython's line, singular and plural, thousands separator, and the slowest-run warning", () => {
  assert.equal(
    timeitText(timeitResult([0.00123, 0.00125, 0.0012], 100)),
    "1.23 ms ± 20.5 µs per loop (mean ± std. dev. of 3 runs, 100 loops each)",
  );
  assert.equal(timeitText(timeitResult([2.5], 1)), "2.5 s ± 0 ns per loop (mean ± std. dev. of 1 run, 1 loop each)");
  assert.equal(
    timeitText(timeitResult([4.2e-8, 4.3e-8, 4.1e-8, 4.2e-8, 4.2e-8, 4.4e-8, 4.2e-8], 10_000_000)),
    "42.3 ns ± 0.881 ns per loop (mean ± std. dev. of 7 runs, 10,000,000 loops each)",
  );
  assert.equal(
    timeitText(timeitResult([0.001, 0.001, 0.006], 10), 2),
    "The slowest run took 6.00 times longer than the fastest. This could mean that an intermediate result is being cached.\n2.7 ms ± 2.4 ms per loop (mean ± std. dev. of 3 runs, 10 loops each)",
  );
});

test("%time: IPython's CPU times and wall time lines", () => {
  assert.equal(
    timeText({ user: 0.0012, system: 0, wall: 0.0034, statement: "f()" }),
    "CPU times: user 1.2 ms, sys: 0 ns, total: 1.2 ms\nWall time: 3.4 ms",
  );
  assert.equal(
    timeText({ user: 61.5, system: 0.25, wall: 3725.5, statement: "f()" }),
    "CPU times: user 1min 1s, sys: 250 ms, total: 1min 1s\nWall time: 1h 2min 5s",
  );
});

test("IPython's _format_time and Python's %g", () => {
  assert.deepEqual(
    [0, 5e-10, 2e-5, 0.5, 1, 59.99].map((t) => formatTime(t)),
    ["0 ns", "0.5 ns", "20 µs", "500 ms", "1 s", "60 s"],
  );
  assert.deepEqual(
    [1e-6, 0.3177005, 123456789, 1e-5, 0.0001].map((x) => formatG(x)),
    ["1e-06", "0.3177", "1.23457e+08", "1e-05", "0.0001"],
  );
});

test("comparison table: time, std. dev., speedup, memory and its ratio, lines of code", () => {
  const sample = { t: 0, rss: 1e8, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const memory = (increment: number) => ({
    baseline: sample,
    peak: { ...sample, rss: 1e8 + increment },
    samples: [sample],
    increment,
    interval: 0.01,
    heapInterval: 0.01,
    statement: "",
    repeats: 1,
    exactPeak: true,
    duration: 0.01,
    collected: false,
    timedOut: false,
  });
  const comparison = compareTimings([
    {
      label: "naive",
      timeit: summarizeTimings([0.04, 0.042], 1, "naive()"),
      memory: memory(8 * 1024 * 1024),
      linesOfCode: 12,
    },
    {
      label: "typed arrays",
      timeit: summarizeTimings([0.0016, 0.0016], 100, "typed()"),
      memory: memory(2 * 1024 * 1024),
      linesOfCode: 15,
    },
    { label: "preallocated", timeit: summarizeTimings([0.0004, 0.0004], 1000, "prealloc()") },
  ]);
  assert.equal(
    comparisonText(comparison),
    [
      "Compared with naive:",
      "variant         time  ± std. dev.  speedup    memory  memory ratio  lines of code",
      "------------  ------  -----------  -------  --------  ------------  -------------",
      "naive          41 ms         1 ms    1.00×  8.00 MiB         1.00×             12",
      "typed arrays  1.6 ms         0 ns    25.6×  2.00 MiB        0.250×             15",
      "preallocated  400 µs         0 ns     103×         -             -              -",
    ].join("\n"),
  );
});

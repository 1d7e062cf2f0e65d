/**
 * tsprof.compare on profiles: golden text of a %prun and a %lprun comparison, each with a
 * function whose cell changed, a line inserted, a function gone and one new; the matching rules
 * (names, then cell locations where names are ambiguous), the order, the HTML table's shading
 * and arrows, the charts, and the TypeErrors for bad input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareProfiles } from "../../magics/measure/builders/profile-comparison";
import { alignLines } from "../../magics/measure/builders/align-lines";
import { profileComparisonText, profileComparisonViews, PLOTLY_MIME } from "../../magics/views";
import { resultViews } from "../../magics/views/display";
import type { ProfileComparison } from "../../magics/model/profile";
import {
  cell,
  hoistedLines,
  hoistedPrun,
  lines,
  lprun,
  naiveAlloc,
  naiveLines,
  naivePrun,
  preallocatedAlloc,
  prun,
  readFileSync,
} from "./fixtures/comparisons";
import { XSS } from "./fixtures/profiles";

const twoRuns = () =>
  compareProfiles([
    { label: "naive", profile: naivePrun() },
    { label: "hoisted", profile: hoistedPrun() },
  ]);

test("%prun golden text: matmul in another cell and forward a line lower are matched by name, fib gone, relu new; sorted by the largest change in tottime", () => {
  assert.equal(
    profileComparisonText(twoRuns()),
    [
      "   Profiles compared: naive → hoisted (the change: hoisted against naive)",
      "   Ordered by: change in tottime",
      "   ratio: first run / last run (above 1: less in the last run); Δ: last run - first run",
      "",
      "    ncalls         tottime         cumtime      ncalls change    tottime change      cumtime change",
      "naive  hoisted  naive  hoisted  naive  hoisted  ratio       Δ     ratio         Δ     ratio         Δ  filename:lineno(function)",
      "================================================================================================================================",
      "    2        2  0.401    0.150  0.401    0.150  1.00×       0   2.67× ▼  -0.251 ▼   2.67× ▼  -0.251 ▼  matmul (<cell 3>:12 → <cell 7>:12)",
      "  177           0.021           0.021            gone  -177 ▼      gone  -0.021 ▼      gone  -0.021 ▼  <cell 4>:1(fib)",
      "             2           0.012           0.012    new    +2 ▲       new  +0.012 ▲       new  +0.012 ▲  <cell 7>:30(relu)",
      "                0.030    0.031  0.030    0.031      -       -  0.968× ▲  +0.001 ▲  0.968× ▲  +0.001 ▲  node:fs:441(readFileSync)",
      "    1        1  0.005    0.005  0.406    0.167  1.00×       0     1.00×     0.000   2.43× ▼  -0.239 ▼  forward (<cell 3>:20 → <cell 7>:21)",
    ].join("\n"),
  );
});

test("%lprun golden text: lines matched by text (the inserted line is new, nothing below it shifts), matmul matched across cells, fib gone, relu new", () => {
  const comparison = compareProfiles([
    { label: "naive", profile: naiveLines() },
    { label: "hoisted", profile: hoistedLines() },
  ]);
  assert.equal(
    profileComparisonText(comparison),
    [
      "   Profiles compared: naive → hoisted (the change: hoisted against naive)",
      "   Timer unit: 1e-06 s",
      "   Ordered by: line order",
      "   ratio: first run / last run (above 1: less in the last run); Δ: last run - first run",
      "   Function: matmul (<cell 3>:12 → <cell 7>:1)",
      "   Function: <cell 4>:1(fib)",
      "   Function: <cell 7>:20(relu)",
      "",
      "              Line #            Hits              Time           Hits change         Time change",
      "Function  naive  hoisted    naive  hoisted    naive  hoisted  ratio           Δ    ratio           Δ  Line Contents",
      "===================================================================================================================",
      "matmul       12        1                                                                              function matmul(a: number[][], b: number[][]): number[][] {",
      "matmul       13        2        2        2      1.5      1.2  1.00×           0  1.25× ▼      -0.3 ▼    const res: number[][] = [];",
      "matmul       14        3      202      202     20.5     19.1  1.00×           0  1.07× ▼      -1.4 ▼    for (let i = 0; i < a.length; i++) {",
      "matmul                 4               200               3.3    new      +200 ▲      new      +3.3 ▲      const ai = a[i];",
      "matmul       15        5    26800    26800    183.4    170.2  1.00×           0  1.08× ▼     -13.2 ▼      for (let j = 0; j < b[0].length; j++) {",
      "matmul       16           1921000           37591.7            gone  -1921000 ▼     gone  -37591.7 ▼        for (let k = 0; k < b.length; k++) res[i][j] += a[i][k] * b[k][j];",
      "matmul                 6           1921000           15012.9    new  +1921000 ▲      new  +15012.9 ▲        for (let k = 0; k < b.length; k++) res[i][j] += ai[k] * b[k][j];",
      "matmul       17        7                                                                                  }",
      "matmul       18        8                                                                                }",
      "matmul       19        9        2        2      0.2      0.2  1.00×           0    1.00×         0.0    return res;",
      "matmul       20       10                                                                              }",
      "fib           1                                                                                       function fib(n: number): number {",
      "fib           2               177              48.1            gone      -177 ▼     gone     -48.1 ▼    return n < 2 ? n : fib(n - 1) + fib(n - 2);",
      "fib           3                                                                                       }",
      "relu                  20             25600             812.5    new    +25600 ▲      new    +812.5 ▲  const relu = (v: number) => Math.max(0, v);",
    ].join("\n"),
  );
});

test("%alloc golden text: functions in bytes, matched by name across cells (matmul, forward a line lower), relu gone, zeros new; sorted by the largest change in self bytes", () => {
  const comparison = compareProfiles([
    { label: "naive", profile: naiveAlloc() },
    { label: "preallocated", profile: preallocatedAlloc() },
  ]);
  assert.equal(comparison.kind, "alloc");
  assert.equal(
    profileComparisonText(comparison),
    [
      "   Profiles compared: naive → preallocated (the change: preallocated against naive)",
      "   Ordered by: change in self",
      "   ratio: first run / last run (above 1: less in the last run); Δ: last run - first run",
      "",
      "      samples                 self                   total           samples change      self change         total change",
      "naive  preallocated     naive  preallocated     naive  preallocated   ratio       Δ   ratio            Δ   ratio            Δ  filename:lineno(function)",
      "========================================================================================================================================================",
      "  520             1  8.20 MiB      16.0 KiB  8.20 MiB      16.0 KiB  520× ▼  -519 ▼  525× ▼  -8.18 MiB ▼  525× ▼  -8.18 MiB ▼  matmul (<cell 3>:12 → <cell 7>:12)",
      "  160                2.50 MiB                2.50 MiB                  gone  -160 ▼    gone  -2.50 MiB ▼    gone  -2.50 MiB ▼  <cell 3>:30(relu)",
      "                  2                32.0 KiB                32.0 KiB     new    +2 ▲     new  +32.0 KiB ▲     new  +32.0 KiB ▲  <cell 7>:1(zeros)",
      "    0             0       0 B           0 B  10.7 MiB      48.0 KiB       -       0       -          0 B  228× ▼  -10.7 MiB ▼  forward (<cell 3>:20 → <cell 7>:21)",
    ].join("\n"),
  );
  assert.deepEqual(
    compareProfiles(
      [
        { label: "a", profile: naiveAlloc() },
        { label: "b", profile: preallocatedAlloc() },
      ],
      { sort: "tot" },
    ).rows.map((r) => r.name),
    ["forward", "matmul", "relu", "zeros"],
  );
});

test("the rows hold the numbers: values per run, the change as ratio (first / last) and difference (last - first)", () => {
  const rows = twoRuns().rows;
  const matmul = rows.find((r) => r.name === "matmul")!;
  assert.deepEqual(matmul.where, ["<cell 3>:12", "<cell 7>:12"]);
  assert.deepEqual(matmul.values, { ncalls: [2, 2], tottime: [0.401, 0.15], cumtime: [0.401, 0.15] });
  assert.equal(matmul.status, "matched");
  assert.equal(matmul.matchedBy, "name");
  assert.equal(matmul.change.tottime.ratio, 0.401 / 0.15);
  assert.equal(matmul.change.tottime.difference, 0.15 - 0.401);
  const fib = rows.find((r) => r.name === "fib")!;
  assert.deepEqual(
    [fib.status, fib.values.ncalls, fib.change.ncalls],
    ["gone", [177, null], { ratio: null, difference: -177 }],
  );
  const read = rows.find((r) => r.name === "readFileSync")!;
  assert.deepEqual(read.change.ncalls, { ratio: null, difference: null }, "calls that were not counted have no change");
  assert.equal(rows.find((r) => r.name === "relu")!.status, "new");
});

test("two functions of one name in a run are matched by cell location, and a note says so", () => {
  const before = prun([[cell("forward", 3, 20), 1, 0.2, 0.2]]);
  const after = prun([
    [cell("forward", 3, 20), 1, 0.1, 0.1],
    [cell("forward", 7, 1), 1, 0.05, 0.05],
  ]);
  const comparison = compareProfiles([
    { label: "a", profile: before },
    { label: "b", profile: after },
  ]);
  assert.deepEqual(comparison.notes, [
    "Matched by cell location, not by name, because a run has more than one function named: forward",
  ]);
  assert.deepEqual(
    comparison.rows.map((r) => [r.label, r.status, r.matchedBy]),
    [
      ["<cell 3>:20(forward)", "matched", "location"],
      ["<cell 7>:1(forward)", "new", "location"],
    ],
  );
  assert.match(
    profileComparisonText(comparison),
    /^ {3}Matched by cell location, not by name, because a run has more than one function named: forward$/m,
  );
});

test("anonymous functions match by name without their location; Node.js functions by file and name", () => {
  const anon = (n: number) => ({ ...cell(`<anonymous>@<cell ${n}>:4`, n, 4) });
  const otherRead = { ...readFileSync, file: "node:other" };
  const comparison = compareProfiles([
    {
      label: "a",
      profile: prun([
        [anon(3), 5, 0.1, 0.1],
        [readFileSync, null, 0.01, 0.01],
      ]),
    },
    {
      label: "b",
      profile: prun([
        [anon(9), 5, 0.05, 0.05],
        [otherRead, null, 0.01, 0.01],
      ]),
    },
  ]);
  assert.deepEqual(
    comparison.rows.map((r) => [r.label, r.status]),
    [
      ["<anonymous> (<cell 3>:4 → <cell 9>:4)", "matched"],
      ["node:fs:441(readFileSync)", "gone"],
      ["node:other:441(readFileSync)", "new"],
    ],
  );
});

test("three runs: the change is the last against the first; a row only in the middle run is 'between'; the chart diverges", () => {
  const middle = prun([
    [cell("matmul", 5, 12), 2, 0.3, 0.3],
    [cell("warmup", 5, 1), 1, 0.02, 0.02],
  ]);
  const comparison = compareProfiles([
    { label: "1", profile: naivePrun() },
    { label: "2", profile: middle },
    { label: "3", profile: hoistedPrun() },
  ]);
  const matmul = comparison.rows[0];
  assert.deepEqual([matmul.name, matmul.values.tottime], ["matmul", [0.401, 0.3, 0.15]]);
  assert.equal(matmul.label, "matmul (<cell 3>:12 → <cell 5>:12 → <cell 7>:12)");
  const warmup = comparison.rows.find((r) => r.name === "warmup")!;
  assert.deepEqual([warmup.status, warmup.change.tottime], ["between", { ratio: null, difference: 0 }]);
  const chart = profileComparisonViews(comparison)[1][PLOTLY_MIME] as any;
  assert.equal(chart.data.length, 1, "one diverging trace");
  const bars = chart.data[0];
  const at = (name: string) => bars.y.indexOf(name);
  assert.equal(
    bars.y.at(-1),
    "matmul (&lt;cell 3&gt;:12 → &lt;cell 5&gt;:12 → &lt;cell 7&gt;:12)",
    "the largest change on top",
  );
  assert.equal(Math.round(bars.x[at("&lt;cell 7&gt;:30(relu)")]), 12, "ms");
  assert.equal(bars.marker.color[at("&lt;cell 7&gt;:30(relu)")], "#e03131", "an increase is red");
  assert.equal(bars.marker.color.at(-1), "#2f9e44", "a decrease is green");
  assert.match(chart.layout.title.text, /Change in tottime, 3 against 1/);
});

test("two runs: the chart puts before and after side by side for the largest changes", () => {
  const chart = profileComparisonViews(twoRuns())[1][PLOTLY_MIME] as any;
  assert.deepEqual(
    chart.data.map((t: any) => t.name),
    ["naive", "hoisted"],
  );
  assert.equal(chart.layout.barmode, "group");
  assert.equal(chart.data[0].y.at(-1), "matmul (&lt;cell 3&gt;:12 → &lt;cell 7&gt;:12)");
  assert.deepEqual(
    [chart.data[0].x.at(-1), chart.data[1].x.at(-1)].map((x: number) => +x.toFixed(1)),
    [401, 150],
  );
  assert.equal(chart.data[1].x[chart.data[1].y.indexOf("&lt;cell 4&gt;:1(fib)")], 0, "gone: no bar after");
});

test("sort keys: pstats' names and unambiguous prefixes order by that column's change; name sorts by label; unknown keys are TypeErrors", () => {
  const entries = [
    { label: "naive", profile: naivePrun() },
    { label: "hoisted", profile: hoistedPrun() },
  ];
  const byCumulative = compareProfiles(entries, { sort: "cumu" });
  assert.equal(byCumulative.orderedBy, "change in cumtime");
  assert.deepEqual(byCumulative.rows.map((r) => r.name).slice(0, 2), ["matmul", "forward"]);
  assert.deepEqual(
    compareProfiles(entries, { sort: ["calls", "time"] }).rows.map((r) => r.name),
    ["fib", "relu", "matmul", "forward", "readFileSync"],
  );
  assert.equal(compareProfiles(entries, { sort: "name" }).rows[0].label, "<cell 4>:1(fib)");
  assert.throws(() => compareProfiles(entries, { sort: "hits" }), {
    name: "TypeError",
    message:
      "tsprof.compare: unknown sort key 'hits' for %prun -r results. Use one of calls, ncalls, cumtime, cumulative, name, time, tottime (or an unambiguous prefix).",
  });
  const lineEntries = [
    { label: "naive", profile: naiveLines() },
    { label: "hoisted", profile: hoistedLines() },
  ];
  assert.equal(
    compareProfiles(lineEntries, { sort: "time" }).rows[0].label.trim(),
    "for (let k = 0; k < b.length; k++) res[i][j] += a[i][k] * b[k][j];",
  );
});

test("bad input: an empty list, something that is not a result, mixed kinds are TypeErrors saying what compare takes", () => {
  const takes =
    "It takes a non-empty array [{ label, profile }, …] whose profiles are all of one kind (%prun -r, %alloc -r, %lprun -r), or [{ label, timeit, memory?, linesOfCode? }, …] with %timeit -o results.";
  assert.throws(() => compareProfiles([]), {
    name: "TypeError",
    message: `tsprof.compare: nothing to compare. ${takes}`,
  });
  assert.throws(() => compareProfiles("x" as any), {
    name: "TypeError",
    message: `tsprof.compare: nothing to compare. ${takes}`,
  });
  assert.throws(
    () =>
      compareProfiles([
        { label: "a", profile: naivePrun() },
        { label: "b", profile: { rows: [] } },
      ]),
    {
      name: "TypeError",
      message: `tsprof.compare: entry 2 is not { label, profile } with a profile result. ${takes}`,
    },
  );
  assert.throws(() => compareProfiles([{ profile: naivePrun() } as any]), /entry 1 is not \{ label, profile \}/);
  assert.throws(
    () =>
      compareProfiles([
        { label: "a", profile: naivePrun() },
        { label: "b", profile: naiveLines() },
      ]),
    {
      name: "TypeError",
      message: `tsprof.compare: entry 1 is a %prun -r result and entry 2 a %lprun -r result; all entries must be of one kind. ${takes}`,
    },
  );
});

const html = (comparison: ProfileComparison) => String(profileComparisonViews(comparison)[0]["text/html"]);

test("HTML: a sortable table; change cells shaded green (less) or red (more) and readable without colour: sign and arrow", () => {
  const table = html(twoRuns());
  assert.match(table, /data-tsprof-sortable/);
  assert.match(table, /<th[^>]*data-type="number"[^>]*>tottime · naive</);
  assert.match(table, /<th[^>]*data-type="number"[^>]*>tottime change · Δ</);
  assert.match(
    table,
    /data-sort="-0\.251"[^>]*background:rgba\(47,158,68,0\.62\)[^>]*>-0\.251 ▼</,
    "the largest decrease: full green",
  );
  assert.match(table, /background:rgba\(224,49,49,[\d.]+\)[^>]*>\+0\.012 ▲</, "an increase: red");
  assert.match(table, />gone</);
  assert.match(table, /▲ more in the last run than in the first, ▼ less/);
});

test("HTML: user text is escaped", () => {
  const xss = cell(XSS, 5, 2);
  const comparison = compareProfiles([
    { label: XSS, profile: prun([[xss, 1, 0.1, 0.1]]) },
    { label: "b", profile: prun([[xss, 1, 0.2, 0.2]]) },
  ]);
  const table = html(comparison);
  assert.ok(!table.includes("<img"), table);
  assert.match(table, /&lt;cell 5&gt;:2\(&lt;img src=x onerror=alert\(1\)&gt;\)/);
  const chart = profileComparisonViews(comparison)[1][PLOTLY_MIME] as any;
  assert.ok(!JSON.stringify(chart).includes("<img"));
});

test("tsprof.display.profile shows a comparison as its table and chart", () => {
  const views = resultViews(twoRuns());
  assert.equal(views.length, 2);
  assert.equal(views[0]["text/plain"], profileComparisonText(twoRuns()));
  assert.equal(resultViews(twoRuns(), { tableOnly: true }).length, 1);
});

test("%lprun: one function per run is compared as one whatever its name, and the note says so", () => {
  const a = lprun(lines(cell("matmul", 3, 12), [["  return a;", 1, 2]]));
  const b = lprun(lines(cell("matmulHoisted", 11, 1), [["  return a;", 1, 1]]));
  const comparison = compareProfiles([
    { label: "a", profile: a },
    { label: "b", profile: b },
  ]);
  assert.deepEqual(comparison.notes, [
    "Each run profiled one function, compared as one: matmul, matmulHoisted",
    "Function: <cell 3>:12(matmul) → <cell 11>:1(matmulHoisted)",
  ]);
  assert.deepEqual(
    comparison.rows.map((r) => [r.status, r.where, r.change.time.ratio]),
    [["matched", ["12", "1"], 2]],
  );
});

test("alignLines: lines paired by text across runs, whitespace aside; a line new in a later run goes before the next shared line", () => {
  const rows = alignLines([["a", "b", "c"], null, ["a", "  b  ", "x", "c"], ["a", "y", "x", "c", "d"]]);
  assert.deepEqual(rows, [
    [0, null, 0, 0],
    [1, null, 1, null],
    [null, null, null, 1],
    [null, null, 2, 2],
    [2, null, 3, 3],
    [null, null, null, 4],
  ]);
});

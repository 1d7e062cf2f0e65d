/** The HTML and chart views: escaping, sort state, heat shading, figures, and plotly embedded once. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cpuProfileViews,
  lineProfileViews,
  timeitViews,
  comparisonViews,
  PLOTLY_MIME,
  type Figure,
} from "../../magics/views";
import { recordTable, resultViews } from "../../magics/views/display";
import { forgetEmbeddedLibrary } from "../../magics/views/plotly";
import { toCpuProfile } from "../../magics/views/cpuprofile-export";
import { cpuProfileText } from "../../magics/views";
import { compareTimings } from "../../magics/measure/builders/timing-comparison";
import { cpuProfile, lineProfile, timeitResult, XSS } from "./fixtures/profiles";

const ORDER = { sort: ["time"], limits: [] };
const figure = (bundle: Record<string, unknown>) => bundle[PLOTLY_MIME] as Figure;
const html = (bundle: Record<string, unknown>) => bundle["text/html"] as string;

test("plotly.js is embedded in the first chart of the process that is read (sent), only; every chart has a script that draws it", () => {
  // Whichever test ran first, start as a new kernel process does: no chart has carried the library.
  html(cpuProfileViews(cpuProfile(), ORDER)[1]);
  forgetEmbeddedLibrary();
  const [, neverShown] = cpuProfileViews(cpuProfile(), ORDER);
  const [, first, second] = cpuProfileViews(cpuProfile(), ORDER);
  const [, later] = lineProfileViews(lineProfile());
  assert.ok(JSON.stringify(first).length > 1_000_000, "the HTML is made when the bundle is serialized");
  assert.ok(html(neverShown).length < 20_000, "a chart built before, but read after, does not carry the library");
  assert.ok(html(first).length > 1_000_000, "the first chart carries the library");
  assert.match(html(first), /window\.dispatchEvent\(new Event\("tsprof-plotly"\)\)/);
  for (const chart of [second, later]) {
    assert.ok(html(chart).length < 20_000, `a later chart is small (${html(chart).length} bytes)`);
    assert.doesNotMatch(html(chart), /tsprof-plotly"\)\)/);
    assert.match(html(chart), /Plotly\.newPlot/);
  }
  const ids = [neverShown, first, second, later].map((c) => /id="(tsprof-chart-[^"]+)"/.exec(html(c))![1]);
  assert.equal(new Set(ids).size, 4, "chart ids are unique");
});

test("user text is escaped in tables, chart labels and the figure JSON inside the script", () => {
  const views = cpuProfileViews(cpuProfile(), ORDER);
  const table = html(views[0]);
  assert.ok(!table.includes(XSS), "no raw tag in the table");
  assert.ok(table.includes("&lt;cell 5&gt;:2(&lt;img src=x onerror=alert(1)&gt;)"));
  for (const chart of views.slice(1)) {
    const scripts = html(chart).match(/<script>[\s\S]*?<\/script>/g)!;
    const figureJson = /var fig=(.*?),id="/.exec(scripts.at(-1)!)![1];
    assert.ok(!figureJson.includes("<"), "the figure's JSON holds no '<' that could close its script");
    assert.ok(
      JSON.stringify(figure(chart)).includes("&lt;img src=x onerror=alert(1)&gt;"),
      "plotly shows the name as text",
    );
  }
  const lines = lineProfileViews(lineProfile());
  assert.ok(!html(lines[0]).includes(XSS));
  assert.ok(html(lines[0]).includes("// &lt;img src=x onerror=alert(1)&gt;"));
});

test("a payload in a file name and a function name: verbatim in the text and the .cpuprofile, escaped in HTML and chart labels", () => {
  const result = cpuProfile();
  const fn = { name: XSS, file: `${XSS}.ts`, line: 1, category: "cell" as const };
  result.table.rows.push({ fn, ncalls: 2, tottime: 0.25, cumtime: 0.25 });
  result.tree.children.push({ fn, selfTime: 0.25, totalTime: 0.25, children: [] });
  const described = `${XSS}.ts:1(${XSS})`;
  assert.ok(
    cpuProfileText(result, ORDER).split("\n").includes(`        2    0.250    0.125    0.250    0.125 ${described}`),
  );
  const [table, icicle, top] = cpuProfileViews(result, ORDER);
  assert.ok(html(table).includes(`&lt;img src=x onerror=alert(1)&gt;.ts:1(&lt;img src=x onerror=alert(1)&gt;)`));
  for (const chart of [table, icicle, top]) assert.ok(!html(chart).includes("<img"), "no raw tag in any view's HTML");
  const escaped = "&lt;img src=x onerror=alert(1)&gt;";
  assert.ok(
    figure(icicle).data[0].labels && (figure(icicle).data[0].labels as string[]).includes(escaped),
    "the icicle's label is the escaped name",
  );
  assert.ok(
    JSON.stringify(figure(icicle).data[0].customdata).includes(`${escaped}.ts:1(${escaped})`),
    "its hover text the escaped file and name",
  );
  assert.ok(JSON.stringify(figure(top).data[0].y).includes(`${escaped}.ts:1(${escaped})`), "the bar chart's label too");
  const exported = toCpuProfile(result) as { nodes: { callFrame: { functionName: string; url: string } }[] };
  assert.ok(
    exported.nodes.some((n) => n.callFrame.functionName === XSS && n.callFrame.url === `${XSS}.ts`),
    "a .cpuprofile is JSON its viewers show as text: kept verbatim",
  );
});

test("the %prun table shows its sort state, sort keys and heat on tottime", () => {
  const table = html(cpuProfileViews(cpuProfile(), { sort: ["cumulative"], limits: [] })[0]);
  const headers = [...table.matchAll(/<th [^>]*aria-sort="(\w+)"[^>]*>([^<]*)</g)].map((m) => [m[2], m[1]]);
  assert.deepEqual(headers, [
    ["ncalls", "none"],
    ["tottime", "none"],
    ["percall", "none"],
    ["cumtime", "descending"],
    ["percall", "none"],
    ["filename:lineno(function)", "none"],
  ]);
  const rows = [
    ...table.matchAll(/<tr><td data-sort="([^"]*)"[^>]*>([^<]*)<\/td><td data-sort="([^"]*)"[^>]*style="([^"]*)"/g),
  ];
  assert.deepEqual(
    rows.map((r) => [r[1], r[2], r[3]]),
    [
      ["1", "1", "0.0051"],
      ["2", "2", "0.4012"],
      ["", "-", "0.0302"],
      ["177", "177", "0.021"],
      ["", "-", "0.0123"],
      ["1060", "1060", "0.0009"],
    ],
  );
  const alpha = (style: string) => Number(/rgba\(255,112,0,([\d.]+)\)/.exec(style)![1]);
  assert.equal(alpha(rows[1][4]), 0.72, "the hottest tottime gets the strongest shade");
  assert.ok(alpha(rows[0][4]) < 0.2);
  assert.match(table, /Ordered by: cumulative time/);
  assert.match(table, /calls not counted/);
});

test("the %lprun table shades Time and % Time by share; lines that did not run stay blank", () => {
  const table = html(lineProfileViews(lineProfile())[0]);
  const hot = /<tr>.*?>17<\/td>.*?<\/tr>/.exec(table)![0];
  assert.match(hot, /data-sort="0\.3051234"[^>]*background:rgba\(255,112,0,0\.72\)">305123\.4</);
  const brace = /<tr>.*?>18<\/td>.*?<\/tr>/.exec(table)![0];
  assert.doesNotMatch(brace, /background/);
  assert.match(table, /Timer unit: 1e-06 s/);
});

test("the icicle holds the call tree with parents never narrower than their children", () => {
  const icicle = figure(cpuProfileViews(cpuProfile(), ORDER)[1]).data[0] as any;
  assert.equal(icicle.type, "icicle");
  assert.equal(icicle.branchvalues, "total");
  assert.deepEqual(icicle.labels.slice(1), [
    "forward",
    "matmul",
    "fib",
    "readFileSync",
    "(garbage collector)",
    "&lt;img src=x onerror=alert(1)&gt;",
  ]);
  assert.deepEqual(icicle.parents, ["", "0", "0/0", "0", "0", "0", "0"]);
  assert.deepEqual(icicle.values, [470700, 406300, 401200, 21000, 30200, 12300, 900]);
  for (let i = 0; i < icicle.ids.length; i++) {
    const childSum = icicle.values
      .filter((_: number, j: number) => icicle.parents[j] === icicle.ids[i])
      .reduce((a: number, b: number) => a + b, 0);
    assert.ok(childSum <= icicle.values[i]);
  }
});

test("bar charts: top functions by self time, % time per line that ran, the comparison; a histogram of timeit runs", () => {
  const top = figure(cpuProfileViews(cpuProfile(), ORDER)[2]).data[0] as any;
  assert.deepEqual(
    top.x.map((x: number) => +x.toFixed(1)),
    [0.9, 5.1, 12.3, 21, 30.2, 401.2],
  );
  assert.equal(top.y.at(-1), "&lt;cell 3&gt;:12(matmul)", "the largest bar is at the top of a horizontal chart");
  const perLine = figure(lineProfileViews(lineProfile())[1]).data[0] as any;
  // One function: bars named by their lines, the function in the axis title.
  assert.deepEqual(perLine.x, ["13", "14", "15", "16", "17", "19", "21"]);
  assert.match(JSON.stringify(figure(lineProfileViews(lineProfile())[1]).layout), /line of matmul/);
  assert.equal(Math.round(perLine.y[4]), 96);
  const histogram = timeitViews(timeitResult([0.00123, 0.00125, 0.0012], 100))[1];
  assert.deepEqual(
    (figure(histogram).data[0] as any).x.map((x: number) => +x.toFixed(2)),
    [1.23, 1.25, 1.2],
  );
  assert.match(JSON.stringify(figure(histogram).layout), /time per loop \(ms\)/);
  const comparison = compareTimings([
    { label: "naive", timeit: timeitResult([0.04], 1) },
    { label: "typed", timeit: timeitResult([0.002], 1) },
  ]);
  const [table, chart] = comparisonViews(comparison);
  assert.deepEqual((figure(chart).data[0] as any).text, ["1.00×", "20.0×"]);
  assert.match(html(table), /data-sort="20"[^>]*>20\.0×</);
});

test("display helpers: any result shows as its magic's views; a table of records sorts numbers as numbers", () => {
  assert.equal(resultViews(cpuProfile(), { tableOnly: true }).length, 1);
  assert.equal(resultViews(lineProfile()).length, 2);
  assert.deepEqual(Object.keys(resultViews({ user: 1, system: 0, wall: 1, statement: "" })[0]), ["text/plain"]);
  assert.throws(() => resultViews({} as any), /not a profile result/);
  const bundle = recordTable(
    [
      { name: XSS, ms: 12.5 },
      { name: "b", ms: 3 },
    ],
    { heat: "ms", caption: "sizes" },
  );
  assert.equal(
    bundle["text/plain"],
    `name                            ms\n----------------------------  ----\n${XSS}  12.5\nb                                3`,
  );
  assert.match(html(bundle), /data-type="number"[^>]*>ms</);
  assert.match(html(bundle), /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.throws(() => recordTable([{ name: "a" }], { heat: "name" }), /heat column 'name' is not a numeric column/);
});

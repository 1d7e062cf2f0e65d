/**
 * The rich-output notebook the browser tests run (%prun's and %lprun's tables and charts, the
 * display API's, and a comparison of two %prun profiles, with a function/line named
 * `<img src=x onerror=alert(1)>`), and the checks every front end that runs output scripts must
 * pass: headers sort, charts draw, the hostile text runs nothing.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { ROOT } from "./harness";

export const XSS = "<img src=x onerror=alert(1)>";
export const ARTIFACTS = path.join(ROOT, "test", "artifacts");

/** The walkthrough's naive forward pass, small; the hostile text sits in a comment of matmul's hot line (line 11). */
export const CELLS = [
  `function matrix(rows: number, cols: number, seed: number): number[][] {
  const m: number[][] = [];
  for (let i = 0; i < rows; i++) m.push(Array.from({ length: cols }, (_, j) => Math.sin(seed + i * cols + j)));
  return m;
}
function matmul(a: number[][], b: number[][]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.length; i++) {
    const row: number[] = new Array(b[0].length).fill(0);
    for (let j = 0; j < b[0].length; j++) {
      for (let k = 0; k < b.length; k++) row[j] += a[i][k] * b[k][j]; // ${XSS}
    }
    out.push(row);
  }
  return out;
}
function relu(m: number[][]): number[][] {
  return m.map((row) =>
    row.map((v) => Math.max(0, v)));
}
function forward(x: number[][], w1: number[][], w2: number[][]): number[][] {
  return matmul(relu(matmul(x, w1)), w2);
}
const x = matrix(100, 64, 1), w1 = matrix(64, 256, 2), w2 = matrix(256, 10, 3);
import * as fs from "fs";
fs.writeFileSync("${XSS}.ts", "export function work(n: number): number {\\n  let s = 0;\\n  for (let i = 0; i < n; i++) s += Math.sqrt(i);\\n  return s;\\n}\\n");`,
  `import { work } from "./${XSS}";
const hostile = { ["${XSS}"](n: number): number { let s = 0; for (let i = 0; i < n; i++) s += Math.sin(i); return s; } };`,
  `%prun -s cumulative -D "${XSS}.cpuprofile" for (let r = 0; r < 3; r++) { forward(x, w1, w2); hostile["${XSS}"](300000); work(300000); }`,
  "%lprun -f matmul forward(x, w1, w2)",
  `import * as tsprof from "tsprof";
tsprof.display.table([{ name: "${XSS}", ms: 3 }, { name: "b", ms: 12 }, { name: "c", ms: 7 }], { heat: "ms" });`,
  `tsprof.display.chart({ data: [{ type: "bar", x: ["a", "b", "c"], y: [1, 2, 3] }], layout: { height: 300 } });`,
  `const before = %prun -q -r for (let r = 0; r < 3; r++) forward(x, w1, w2);
const after = %prun -q -r for (let r = 0; r < 3; r++) matmul(x, w1);`,
  `const compared = tsprof.compare([{ label: "forward", profile: before }, { label: "matmul only", profile: after }]);`,
];

export function writeNotebook(dir: string): string {
  const notebook = {
    cells: CELLS.map((source, i) => ({
      cell_type: "code",
      id: `cell-${i}`,
      execution_count: null,
      metadata: {},
      outputs: [],
      source,
    })),
    metadata: { kernelspec: { name: "tsprof", display_name: "TypeScript (tsprof)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const file = path.join(dir, "rich-output.ipynb");
  fs.writeFileSync(file, JSON.stringify(notebook, null, 1));
  return file;
}

/** Debian's Chromium, headless, as every browser test runs it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A page whose only reachable origin is `allowed` (file: or the local server); alert/confirm
 * dialogs are recorded, and so is every request or WebSocket to anywhere else (`offsite`), even
 * one the route would have blocked.
 */
export async function openPage(
  browser: Browser,
  allowed: (url: string) => boolean,
  viewport = { width: 1200, height: 900 },
): Promise<{ page: Page; dialogs: string[]; offsite: string[] }> {
  const page = await browser.newPage({ viewport });
  const dialogs: string[] = [];
  const offsite: string[] = [];
  page.on("request", (request) => {
    if (!allowed(request.url())) offsite.push(request.url());
  });
  page.on("websocket", (socket) => {
    if (!allowed(socket.url())) offsite.push(socket.url());
  });
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    return allowed(url) ? route.continue() : route.abort();
  });
  return { page, dialogs, offsite };
}

/** The local server's pages and its WebSockets (kernels' channels). */
export function serverOrigin(baseUrl: string): (url: string) => boolean {
  const origin = new URL(baseUrl).origin;
  const socketOrigin = origin.replace(/^http/, "ws");
  return (url) => url.startsWith(origin) || url.startsWith(socketOrigin);
}

/** The rows of the n-th sortable table on the page, as the text of their cells. */
export function tableRows(page: Page, index: number): Promise<string[][]> {
  return page.evaluate(
    (i) =>
      Array.from(document.querySelectorAll("table[data-tsprof-sortable]")[i].querySelectorAll("tbody tr"), (tr) =>
        Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? ""),
      ),
    index,
  );
}

export function headerStates(page: Page, index: number): Promise<string[]> {
  return page.evaluate(
    (i) =>
      Array.from(
        document.querySelectorAll("table[data-tsprof-sortable]")[i].querySelectorAll("th"),
        (th) => `${th.textContent}:${th.getAttribute("aria-sort")}`,
      ),
    index,
  );
}

export async function clickHeader(page: Page, table: number, label: string): Promise<void> {
  await page
    .locator("table[data-tsprof-sortable]")
    .nth(table)
    .locator("th", { hasText: new RegExp(`^${label}`) })
    .first()
    .click();
}

/** Waits until every chart on the page drew with plotly; returns, per chart, its bar count and icicle labels. */
export async function drawnCharts(page: Page): Promise<{ bars: number; icicle: string[]; ticks: string[] }[]> {
  await page.waitForFunction(
    () => {
      const charts = Array.from(document.querySelectorAll(".tsprof-chart"));
      return (
        charts.length === 5 && charts.every((c) => c.getAttribute("data-drawn") && c.querySelector("svg.main-svg"))
      );
    },
    undefined,
    { timeout: 60_000 },
  );
  return page.evaluate(() =>
    Array.from(document.querySelectorAll(".tsprof-chart"), (c) => ({
      bars: c.querySelectorAll(".barlayer .point").length,
      icicle: Array.from(c.querySelectorAll(".iciclelayer text, g.slice text"), (t) => t.textContent ?? ""),
      ticks: Array.from(c.querySelectorAll(".ytick text"), (t) => t.textContent ?? ""),
    })),
  );
}

/** Hovers the icicle's box whose label matches and returns the first line of its hover text. */
async function icicleHover(page: Page, label: RegExp): Promise<string> {
  const icicle = page.locator(".tsprof-chart").first();
  await icicle.locator("g.slice text", { hasText: label }).first().hover({ force: true });
  const hover = icicle.locator(".hoverlayer .hovertext text").first();
  await hover.waitFor({ timeout: 10_000 });
  const lines = await hover.evaluate((t) => Array.from(t.querySelectorAll("tspan.line"), (l) => l.textContent ?? ""));
  return lines[0] ?? (await hover.textContent()) ?? "";
}

/** The checks both pages share; `label` names the screenshots. */
export async function checkRichOutput(page: Page, dialogs: string[], label: string): Promise<void> {
  // The display API's table: rows as given, then by ms descending, then ascending.
  const names = async () => (await tableRows(page, 2)).map((r) => r[0]);
  assert.deepEqual(await names(), [XSS, "b", "c"], "the hostile name shows as text");
  await clickHeader(page, 2, "ms");
  assert.deepEqual(await names(), ["b", "c", XSS], "first click on a numeric column: largest first");
  assert.deepEqual(await headerStates(page, 2), ["name:none", "ms▼:descending"]);
  await clickHeader(page, 2, "ms");
  assert.deepEqual(await names(), [XSS, "c", "b"], "second click reverses");
  assert.deepEqual(await headerStates(page, 2), ["name:none", "ms▲:ascending"]);

  // %prun's table: sorted by cumtime as asked, exact counts; a click on ncalls orders by call count.
  const prun = await tableRows(page, 0);
  const calls = new Map(prun.map((r) => [r[5].replace(/^<cell \d+>:\d+\((.*)\)$/, "$1"), r[0]]));
  assert.equal(calls.get("forward"), "3", prun.map((r) => r.join(" ")).join("\n"));
  assert.equal(calls.get("matmul"), "6");
  assert.equal(calls.get("relu"), "3");
  assert.equal(
    calls.get(`hostile.${XSS}`),
    "3",
    `the method whose computed name is the payload: named as text\n${prun.map((r) => r.join(" ")).join("\n")}`,
  );
  assert.equal(
    prun.find((r) => r[5] === `${XSS}.ts:1(work)`)?.[0],
    "3",
    "the module whose file name is the payload: named as text",
  );
  const cumtimes = prun.map((r) => Number(r[3]));
  assert.deepEqual(
    cumtimes,
    [...cumtimes].sort((a, b) => b - a),
  );
  await clickHeader(page, 0, "ncalls");
  const counts = (await tableRows(page, 0)).map((r) => Number(r[0].split("/")[0]));
  assert.deepEqual(
    counts,
    [...counts].sort((a, b) => b - a),
    "numeric order, largest first",
  );
  assert.equal(
    counts[0],
    3 * 100 * 256,
    "the first row: relu's inner arrow function, once per element of the 100×256 matrix per forward pass",
  );
  assert.match((await headerStates(page, 0))[0], /^ncalls▼:descending$/);

  // %lprun's table shows the hostile comment as text; sorted by % Time, the inner k loop comes first.
  const lines = await tableRows(page, 1);
  assert.ok(lines.some((r) => r[5].includes(`// ${XSS}`)));
  await clickHeader(page, 1, "% Time");
  assert.equal((await tableRows(page, 1))[0][0], "11", "the inner loop line holds most of the time");
  const linesThatRan = lines.filter((r) => r[1] !== "").length;

  const comparedRows = await checkComparison(page);

  const charts = await drawnCharts(page);
  const [icicle, top, perLine, custom, compared] = charts;
  assert.ok(
    ["forward", "matmul", "relu"].every((name) => icicle.icicle.includes(name)),
    `icicle labels: ${icicle.icicle.join(", ")}`,
  );
  assert.equal(top.bars, prun.length, "one bar per function of the %prun table (it has fewer than 15)");
  assert.equal(perLine.bars, linesThatRan, "one bar per line of matmul that ran");
  assert.ok(linesThatRan >= 6, `${linesThatRan} lines of matmul ran`);
  assert.equal(custom.bars, 3);
  assert.equal(
    compared.bars,
    2 * comparedRows,
    "before and after, one bar each for every function compared (under 15)",
  );
  assert.ok(
    icicle.icicle.includes(`hostile.${XSS}`),
    `the icicle labels the method with the payload's name as text: ${icicle.icicle.join(", ")}`,
  );
  assert.equal(
    await icicleHover(page, /^work$/),
    `${XSS}.ts:1(work)`,
    "the icicle's hover names the payload file as text",
  );
  for (const label of [`(hostile.${XSS})`, `${XSS}.ts:1(work)`]) {
    assert.ok(
      top.ticks.some((t) => t.includes(label)),
      `the top-functions chart shows ${label} as text: ${top.ticks.join(", ")}`,
    );
  }
  assert.ok(
    (await page.textContent("body"))!.includes(`Profile saved as a .cpuprofile to '${XSS}.cpuprofile'`),
    "%prun -D's note names the file as text",
  );

  assert.equal(await page.locator('img[src="x"]').count(), 0, "no <img> element was made from user text");
  assert.deepEqual(dialogs, []);
  // No hover label or MathJax loading note in the pictures.
  await page.mouse.move(0, 0);
  await page.addStyleTag({ content: "#MathJax_Message{display:none!important}" });
  await page.screenshot({ path: path.join(ARTIFACTS, `${label}-page.png`), fullPage: true });
}

/**
 * The comparison of a forward pass's profile with one of matmul alone: forward and relu are gone,
 * matmul has half the calls. Sorted by a change column, the rows follow its numbers; the change
 * cells carry an arrow and are shaded green (less). Returns the number of rows.
 */
async function checkComparison(page: Page): Promise<number> {
  const table = 3;
  const headers = (await headerStates(page, table)).map((h) => h.slice(0, h.lastIndexOf(":")).replace(/[▲▼]$/, ""));
  const column = (label: string) => headers.indexOf(label);
  const rows = await tableRows(page, table);
  const name = column("filename:lineno(function)");
  const byName = new Map(rows.map((r) => [r[name].replace(/^<cell \d+>:\d+\((.*)\)$/, "$1"), r]));
  const calls = column("ncalls change · Δ");
  assert.equal(byName.get("matmul")?.[calls], "-3 ▼", rows.map((r) => r.join(" | ")).join("\n"));
  assert.equal(byName.get("forward")?.[column("ncalls change · ratio")], "gone");
  assert.equal(byName.get("relu")?.[calls], "-3 ▼");
  const deltas = async () => (await tableRows(page, table)).map((r) => parseFloat(r[calls].replace(/ [▲▼]$/, "")));
  await clickHeader(page, table, "ncalls change · Δ");
  const descending = await deltas();
  assert.deepEqual(
    descending,
    [...descending].sort((a, b) => b - a),
    "first click: the largest increase first",
  );
  await clickHeader(page, table, "ncalls change · Δ");
  const ascending = await deltas();
  assert.deepEqual(
    ascending,
    [...ascending].sort((a, b) => a - b),
    "second click: the largest decrease first",
  );
  assert.ok(ascending[0] <= -3 * 100 * 256, `relu's arrow function lost the most calls: ${ascending[0]}`);
  const shading = await page.evaluate(
    ([i, c]) =>
      (document.querySelectorAll("table[data-tsprof-sortable]")[i] as HTMLTableElement).tBodies[0].rows[0].cells[
        c
      ].getAttribute("style") ?? "",
    [table, calls],
  );
  assert.match(shading, /background:rgba\(47,158,68,0\.62\)/, "the largest decrease is shaded full green");
  return rows.length;
}

/**
 * The rich output in a real browser: a notebook that shows %prun's and %lprun's tables and charts
 * and tables and charts made with the tsprof display API, checked in headless Chromium (Debian's,
 * driven by playwright-core, every non-local request blocked):
 *   1. exported with `nbconvert --to html --execute` and opened from the file;
 *   2. live in the classic Notebook served on 127.0.0.1, run cell by cell, then saved and reloaded
 *      (the saved outputs must still sort and draw: plotly.js travels in the first chart).
 * In each: clicking a header re-orders the rows, the plotly charts drew their bars, and the
 * function/line named `<img src=x onerror=alert(1)>` shows as text and runs nothing.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { ROOT, runPython, startJupyter, type JupyterHandle } from "./harness";

const XSS = "<img src=x onerror=alert(1)>";
const ARTIFACTS = path.join(ROOT, "test", "artifacts");

/** The walkthrough's naive forward pass, small; the hostile text sits in a comment of matmul's hot line (line 11). */
const CELLS = [
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
const x = matrix(100, 64, 1), w1 = matrix(64, 256, 2), w2 = matrix(256, 10, 3);`,
  "%prun -s cumulative for (let r = 0; r < 3; r++) forward(x, w1, w2);",
  "%lprun -f matmul forward(x, w1, w2)",
  `import * as tsprof from "tsprof";
tsprof.display.table([{ name: "${XSS}", ms: 3 }, { name: "b", ms: 12 }, { name: "c", ms: 7 }], { heat: "ms" });`,
  `tsprof.display.chart({ data: [{ type: "bar", x: ["a", "b", "c"], y: [1, 2, 3] }], layout: { height: 300 } });`,
];

function writeNotebook(dir: string): string {
  const notebook = {
    cells: CELLS.map((source, i) => ({ cell_type: "code", id: `cell-${i}`, execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: "tsprof", display_name: "TypeScript (tsprof)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const file = path.join(dir, "rich-output.ipynb");
  fs.writeFileSync(file, JSON.stringify(notebook, null, 1));
  return file;
}

let browser: Browser;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
});

/** A page whose only reachable origin is `allowed` (file: or the local server); alert/confirm dialogs are recorded. */
async function openPage(allowed: (url: string) => boolean): Promise<{ page: Page; dialogs: string[]; blocked: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const dialogs: string[] = [];
  const blocked: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return { page, dialogs, blocked };
}

/** The rows of the n-th sortable table on the page, as the text of their cells. */
function tableRows(page: Page, index: number): Promise<string[][]> {
  return page.evaluate(
    (i) => Array.from(document.querySelectorAll("table[data-tsprof-sortable]")[i].querySelectorAll("tbody tr"), (tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? "")),
    index,
  );
}

function headerStates(page: Page, index: number): Promise<string[]> {
  return page.evaluate((i) => Array.from(document.querySelectorAll("table[data-tsprof-sortable]")[i].querySelectorAll("th"), (th) => `${th.textContent}:${th.getAttribute("aria-sort")}`), index);
}

async function clickHeader(page: Page, table: number, label: string): Promise<void> {
  await page.locator("table[data-tsprof-sortable]").nth(table).locator("th", { hasText: new RegExp(`^${label}`) }).first().click();
}

/** Waits until every chart on the page drew with plotly; returns, per chart, its bar count and icicle labels. */
async function drawnCharts(page: Page): Promise<{ bars: number; icicle: string[] }[]> {
  await page.waitForFunction(
    () => {
      const charts = Array.from(document.querySelectorAll(".tsprof-chart"));
      return charts.length === 4 && charts.every((c) => c.getAttribute("data-drawn") && c.querySelector("svg.main-svg"));
    },
    undefined,
    { timeout: 60_000 },
  );
  return page.evaluate(() =>
    Array.from(document.querySelectorAll(".tsprof-chart"), (c) => ({
      bars: c.querySelectorAll(".barlayer .point").length,
      icicle: Array.from(c.querySelectorAll(".iciclelayer text, g.slice text"), (t) => t.textContent ?? ""),
    })),
  );
}

/** The checks both pages share; `label` names the screenshots. */
async function checkRichOutput(page: Page, dialogs: string[], label: string): Promise<void> {
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
  const cumtimes = prun.map((r) => Number(r[3]));
  assert.deepEqual(cumtimes, [...cumtimes].sort((a, b) => b - a));
  await clickHeader(page, 0, "ncalls");
  const counts = (await tableRows(page, 0)).map((r) => Number(r[0].split("/")[0]));
  assert.deepEqual(counts, [...counts].sort((a, b) => b - a), "numeric order, largest first");
  assert.equal(counts[0], 3 * 100 * 256, "the first row: relu's inner arrow function, once per element of the 100×256 matrix per forward pass");
  assert.match((await headerStates(page, 0))[0], /^ncalls▼:descending$/);

  // %lprun's table shows the hostile comment as text; sorted by % Time, the inner k loop comes first.
  const lines = await tableRows(page, 1);
  assert.ok(lines.some((r) => r[5].includes(`// ${XSS}`)));
  await clickHeader(page, 1, "% Time");
  assert.equal((await tableRows(page, 1))[0][0], "11", "the inner loop line holds most of the time");
  const linesThatRan = lines.filter((r) => r[1] !== "").length;

  const charts = await drawnCharts(page);
  const [icicle, top, perLine, custom] = charts;
  assert.ok(["forward", "matmul", "relu"].every((name) => icicle.icicle.includes(name)), `icicle labels: ${icicle.icicle.join(", ")}`);
  assert.equal(top.bars, prun.length, "one bar per function of the %prun table (it has fewer than 15)");
  assert.equal(perLine.bars, linesThatRan, "one bar per line of matmul that ran");
  assert.ok(linesThatRan >= 6, `${linesThatRan} lines of matmul ran`);
  assert.equal(custom.bars, 3);

  assert.equal(await page.locator('img[src="x"]').count(), 0, "no <img> element was made from user text");
  assert.deepEqual(dialogs, []);
  // No hover label or MathJax loading note in the pictures.
  await page.mouse.move(0, 0);
  await page.addStyleTag({ content: "#MathJax_Message{display:none!important}" });
  await page.screenshot({ path: path.join(ARTIFACTS, `${label}-page.png`), fullPage: true });
}

test("nbconvert --to html --execute: the exported page sorts its tables and draws its charts offline", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-browser-"));
  writeNotebook(dir);
  const { code, log } = await runPython(["-m", "nbconvert", "--to", "html", "--execute", "rich-output.ipynb", "--output", "rich-output.html"], dir);
  assert.equal(code, 0, log);
  const html = fs.readFileSync(path.join(dir, "rich-output.html"), "utf8");
  assert.equal(html.split('window.dispatchEvent(new Event("tsprof-plotly"))').length - 1, 1, "plotly.js is embedded once");

  const { page, dialogs, blocked } = await openPage((url) => url.startsWith("file:"));
  await page.goto(`file://${path.join(dir, "rich-output.html")}`);
  await checkRichOutput(page, dialogs, "nbconvert");
  // The README's picture: %prun's sortable table (sorted by ncalls above) and its charts.
  const prunCell = page.locator(".jp-Cell", { has: page.locator("table[data-tsprof-sortable]") }).first();
  await prunCell.screenshot({ path: path.join(ARTIFACTS, "screenshot-prun.png") });
  assert.ok(blocked.every((url) => !url.startsWith("file:")), "only the network was blocked");
  await page.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("classic Notebook on 127.0.0.1: live outputs sort and draw, and still do after save and reload", async () => {
  let jupyter: JupyterHandle | undefined;
  try {
    jupyter = await startJupyter({ server: "notebook" });
    writeNotebook(jupyter.notebookDir);
    const origin = new URL(jupyter.baseUrl).origin;
    const { page, dialogs } = await openPage((url) => url.startsWith(origin));
    await page.goto(`${jupyter.baseUrl}notebooks/rich-output.ipynb?token=${jupyter.token}`);
    await page.waitForFunction(() => (window as any).Jupyter?.notebook?.kernel?.is_connected?.(), undefined, { timeout: 60_000 });
    await runAllCells(page);
    await checkRichOutput(page, dialogs, "notebook-live");

    await page.evaluate(() => (window as any).Jupyter.notebook.save_notebook());
    await page.waitForFunction(() => !(window as any).Jupyter.notebook.dirty, undefined, { timeout: 30_000 });
    await page.reload();
    await page.waitForFunction(() => (window as any).Jupyter?.notebook?._fully_loaded, undefined, { timeout: 60_000 });
    await checkRichOutput(page, dialogs, "notebook-reloaded");
    await page.close();
  } finally {
    await jupyter?.stop();
  }
});

/** Runs the cells one at a time, as a user would, waiting for each to finish. */
async function runAllCells(page: Page): Promise<void> {
  for (let i = 0; i < CELLS.length; i++) {
    await page.evaluate((index) => {
      const nb = (window as any).Jupyter.notebook;
      nb.select(index);
      nb.execute_cell();
    }, i);
    await page.waitForFunction(
      (index) => {
        const cell = (window as any).Jupyter.notebook.get_cell(index);
        return typeof cell.input_prompt_number === "number" && !cell.element.hasClass("running");
      },
      i,
      { timeout: 120_000 },
    );
  }
  const errors = await page.evaluate(() => (window as any).Jupyter.notebook.get_cells().flatMap((c: any) => c.output_area.outputs.filter((o: any) => o.output_type === "error")));
  assert.deepEqual(errors, []);
}

/**
 * The rich output in a real browser: a notebook that shows %prun's and %lprun's tables and charts
 * and tables and charts made with the tsprof display API, checked in headless Chromium (Debian's,
 * driven by playwright-core, every non-local request blocked):
 *   1. exported with `nbconvert --to html --execute` and opened from the file;
 *   2. live in the classic Notebook served on 127.0.0.1, run cell by cell, then saved and reloaded
 *      (the saved outputs must still sort and draw: plotly.js travels in the first chart).
 * In each: clicking a header re-orders the rows (of a comparison of two profiles too), the plotly
 * charts drew their bars, the text `<img src=x onerror=alert(1)>` (in a comment, a method's name,
 * a file name) shows as text and runs nothing, and the page attempted no offsite request.
 * JupyterLab 4 has its own file, jupyterlab.test.ts.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { runPython, startJupyter, type JupyterHandle } from "./harness";
import {
  ARTIFACTS,
  CELLS,
  XSS,
  checkRichOutput,
  launchChromium,
  openPage as openPageIn,
  serverOrigin,
  writeNotebook,
} from "./rich-output";

let browser: Browser;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

const openPage = (allowed: (url: string) => boolean) => openPageIn(browser, allowed);

test("nbconvert --to html --execute: the exported page sorts its tables and draws its charts offline", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-browser-"));
  writeNotebook(dir);
  const { code, log } = await runPython(
    ["-m", "nbconvert", "--to", "html", "--execute", "rich-output.ipynb", "--output", "rich-output.html"],
    dir,
  );
  assert.equal(code, 0, log);
  const html = fs.readFileSync(path.join(dir, "rich-output.html"), "utf8");
  assert.equal(
    html.split('window.dispatchEvent(new Event("tsprof-plotly"))').length - 1,
    1,
    "plotly.js is embedded once",
  );

  const { page, dialogs, offsite } = await openPage((url) => url.startsWith("file:"));
  await page.goto(`file://${path.join(dir, "rich-output.html")}`);
  await checkRichOutput(page, dialogs, "nbconvert");
  // The README's picture: %prun's sortable table (sorted by ncalls above) and its charts.
  const prunCell = page.locator(".jp-Cell", { has: page.locator("table[data-tsprof-sortable]") }).first();
  await prunCell.screenshot({ path: path.join(ARTIFACTS, "screenshot-prun.png") });
  assert.deepEqual(offsite, [], "the exported page attempted no request beyond its file");
  const exported = JSON.parse(fs.readFileSync(path.join(dir, `${XSS}.cpuprofile`), "utf8")) as {
    nodes: { callFrame: { functionName: string; url: string } }[];
  };
  const frames = exported.nodes.map((n) => n.callFrame);
  assert.ok(
    frames.some((f) => f.functionName === `hostile.${XSS}`),
    "the .cpuprofile keeps the payload name verbatim (DevTools and speedscope show it as text)",
  );
  assert.ok(
    frames.some((f) => f.url === `${XSS}.ts` && f.functionName === "work"),
    "and the payload file name",
  );
  await page.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("classic Notebook on 127.0.0.1: live outputs sort and draw, and still do after save and reload", async () => {
  let jupyter: JupyterHandle | undefined;
  try {
    jupyter = await startJupyter({ server: "notebook" });
    writeNotebook(jupyter.notebookDir);
    const { page, dialogs, offsite } = await openPage(serverOrigin(jupyter.baseUrl));
    await page.goto(`${jupyter.baseUrl}notebooks/rich-output.ipynb?token=${jupyter.token}`);
    await page.waitForFunction(() => (window as any).Jupyter?.notebook?.kernel?.is_connected?.(), undefined, {
      timeout: 60_000,
    });
    await runAllCells(page);
    await checkRichOutput(page, dialogs, "notebook-live");

    await page.evaluate(() => (window as any).Jupyter.notebook.save_notebook());
    await page.waitForFunction(() => !(window as any).Jupyter.notebook.dirty, undefined, { timeout: 30_000 });
    await page.reload();
    await page.waitForFunction(() => (window as any).Jupyter?.notebook?._fully_loaded, undefined, { timeout: 60_000 });
    await checkRichOutput(page, dialogs, "notebook-reloaded");
    assert.deepEqual(offsite, [], "the live page attempted no request beyond the local server");
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
  const errors = await page.evaluate(() =>
    (window as any).Jupyter.notebook
      .get_cells()
      .flatMap((c: any) => c.output_area.outputs.filter((o: any) => o.output_type === "error")),
  );
  assert.deepEqual(errors, []);
}

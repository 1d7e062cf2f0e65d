/**
 * JupyterLab 4's notebook, rendering tsprof's outputs in Chromium. Debian has no JupyterLab, so
 * the page is built from JupyterLab's own npm packages (test/jupyterlab-page: a NotebookPanel with
 * the standard rendermime factories and default sanitizer, no plotly extension), bundled with
 * esbuild and served as a static file by jupyter_server on 127.0.0.1, which runs the kernel and
 * saves the notebook. Checked, on the rich-output notebook the other browser tests use:
 *   - run cell by cell (trusted, as JupyterLab trusts what it ran): headers sort, the charts drew
 *     from their HTML fallback, plotly.js travelled in one output only, the hostile name runs nothing;
 *   - saved, changed on disk (so its signature no longer matches) and reopened: untrusted, the
 *     tables and the charts' notes read as text and no script ran;
 *   - trusted through JupyterLab's "Trust this notebook?" dialog: everything works again.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { startJupyter, type JupyterHandle } from "./harness";
import {
  ARTIFACTS,
  CELLS,
  XSS,
  checkRichOutput,
  launchChromium,
  openPage,
  serverOrigin,
  writeNotebook,
} from "./rich-output";
import { buildJupyterLabPage } from "../jupyterlab-page/build";

const LIBRARY_MARK = 'window.dispatchEvent(new Event("tsprof-plotly"))';
/** Tall enough for the whole notebook in one screenshot. */
const VIEWPORT = { width: 1200, height: 3200 };

let browser: Browser;
let jupyter: JupyterHandle;
let staticRoot: string;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  staticRoot = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-lab-page-"));
  await buildJupyterLabPage(path.join(staticRoot, "tsprof-lab"));
  jupyter = await startJupyter({
    server: "jupyter_server",
    // The page is one of the server's static files; signatures are kept in memory, not in the user's data dir.
    args: [`--ServerApp.extra_static_paths=${JSON.stringify([staticRoot])}`, "--NotebookNotary.db_file=:memory:"],
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await jupyter?.stop();
  fs.rmSync(staticRoot, { recursive: true, force: true });
});

/** Opens the notebook in the JupyterLab page and waits for its kernel. */
async function openNotebook(page: Page, notebook: string): Promise<void> {
  await page.goto(`${jupyter.baseUrl}static/tsprof-lab/index.html?token=${jupyter.token}&path=${notebook}`);
  await page.waitForFunction(() => document.body.dataset.ready === "true", undefined, { timeout: 60_000 });
}

const lab = <T>(page: Page, fn: string, arg?: unknown) =>
  page.evaluate(([f, a]) => (window as any).tsprofLab[f as string](a), [fn, arg] as const) as Promise<T>;

test("JupyterLab 4: live outputs sort and draw; reopened untrusted they read as text and run nothing; trusted they work again", async () => {
  const file = writeNotebook(jupyter.notebookDir);
  const { page, dialogs, offsite } = await openPage(browser, serverOrigin(jupyter.baseUrl), VIEWPORT);
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await openNotebook(page, path.basename(file));

  for (let i = 0; i < CELLS.length; i++)
    assert.equal(await lab<boolean>(page, "run", i), true, `cell ${i} ran without error`);
  await checkRichOutput(page, dialogs, "jupyterlab-live");
  await checkCarriedOnce(page);

  await lab(page, "save");
  // A notebook changed outside Jupyter (or received from someone else) no longer matches its signature.
  const saved = JSON.parse(fs.readFileSync(file, "utf8"));
  saved.metadata.changed_outside = "the signature of the saved notebook no longer matches";
  fs.writeFileSync(file, JSON.stringify(saved, null, 1));
  await openNotebook(page, path.basename(file));
  assert.deepEqual(
    await lab<boolean[]>(page, "trusted"),
    CELLS.map(() => false),
    "reopened untrusted",
  );
  await checkUntrusted(page, dialogs);

  const trusting = lab(page, "trust");
  await page.locator(".jp-Dialog button", { hasText: /^Trust$/ }).click();
  await trusting;
  assert.deepEqual(
    await lab<boolean[]>(page, "trusted"),
    CELLS.map(() => true),
  );
  await checkRichOutput(page, dialogs, "jupyterlab-trusted");
  await page.screenshot({ path: path.join(ARTIFACTS, "screenshot-jupyterlab.png") });

  assert.deepEqual(offsite, [], "the page attempted no request beyond the local server");
  assert.deepEqual(pageErrors, []);
  await page.close();
});

/** plotly.js is in the first chart's output only; every chart shows through its HTML fallback (no plotly renderer here). */
async function checkCarriedOnce(page: Page): Promise<void> {
  const outputs = (await lab<any[][]>(page, "outputs")).flat();
  const charts = outputs.filter((o) => o.data?.["application/vnd.plotly.v1+json"]);
  assert.equal(charts.length, 5);
  const sizes = charts.map((o) => String(o.data["text/html"]).length);
  assert.equal(
    charts.filter((o) => String(o.data["text/html"]).includes(LIBRARY_MARK)).length,
    1,
    `plotly.js is carried once; chart HTML sizes ${sizes.join(", ")}`,
  );
  assert.ok(
    sizes.slice(1).every((size) => size < 50_000),
    `later charts are small: ${sizes.join(", ")}`,
  );
  const renderedAs = await page.evaluate(() =>
    Array.from(document.querySelectorAll(".tsprof-chart"), (c) => c.closest(".jp-RenderedHTMLCommon") !== null),
  );
  assert.deepEqual(renderedAs, [true, true, true, true, true], "JupyterLab rendered each chart's text/html");
}

/** Untrusted: sanitized HTML, so tables are plain text tables and charts their one-line notes; no script ran. */
async function checkUntrusted(page: Page, dialogs: string[]): Promise<void> {
  const tables = page.locator(".jp-OutputArea-output table");
  assert.equal(await tables.count(), 4, "the %prun, %lprun, display and comparison tables");
  const names = () =>
    page.evaluate(() =>
      Array.from(
        document.querySelectorAll(".jp-OutputArea-output table")[2].querySelectorAll("tbody tr"),
        (tr) => tr.querySelector("td")?.textContent ?? "",
      ),
    );
  assert.deepEqual(await names(), [XSS, "b", "c"], "the hostile name reads as text");
  await page.locator(".jp-OutputArea-output table").nth(2).locator("th", { hasText: /^ms/ }).first().click();
  assert.deepEqual(await names(), [XSS, "b", "c"], "no sort script: the click changes nothing");
  const notes = await page.evaluate(() =>
    Array.from(document.querySelectorAll(".tsprof-chart-note"), (n) => n.textContent ?? ""),
  );
  assert.equal(notes.length, 5);
  for (const note of notes) assert.match(note, /^Chart: .+ \(drawn by plotly\.js when the output's scripts run/);
  const ran = await page.evaluate(() => ({
    plotly: typeof (window as any).Plotly,
    drawn: document.querySelectorAll("[data-drawn], svg.main-svg").length,
    scripts: document.querySelectorAll(".jp-OutputArea-output script").length,
  }));
  assert.deepEqual(ran, { plotly: "undefined", drawn: 0, scripts: 0 });
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  assert.deepEqual(dialogs, []);
  await page.screenshot({ path: path.join(ARTIFACTS, "jupyterlab-untrusted-page.png") });
}

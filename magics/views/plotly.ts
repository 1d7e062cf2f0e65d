/**
 * Plotly charts as MIME bundles: plotly's JSON for front ends that draw it natively, and HTML that draws
 * the same figure offline with the bundle scripts/build-assets.ts builds, loaded once per page.
 * See docs/how-it-works.md, "Output".
 */
import fs from "node:fs";
import path from "node:path";
import type { MimeBundle } from "../core/context";

export interface Figure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** Built by `npm run build` (scripts/build-assets.ts) into dist/assets/. */
export const PLOTLY_LIBRARY_PATH = path.join(__dirname, "..", "..", "assets", "plotly-tsprof.min.js");

let libraryEmbedded = false;
let chartCounter = 0;
/** Distinguishes this kernel process's chart ids from those of earlier sessions saved in the notebook. */
const SESSION = Math.random().toString(36).slice(2, 8);

/**
 * Escapes text for plotly's labels, which interpret a few HTML tags and entities (&amp; &lt; &gt;
 * among them) — and for HTML text content.
 */
export function plotlyText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A chart as a MIME bundle; `description` is its text/plain stand-in. Its HTML is made when first
 * read (when the bundle is sent): a bundle built but never shown (`%prun -q -r`) must not be the
 * one that carries the library.
 */
export function chartBundle(figure: Figure, description: string): MimeBundle {
  const bundle: MimeBundle = { [PLOTLY_MIME]: figure, "text/plain": `[chart: ${description}]` };
  let html: string | undefined;
  Object.defineProperty(bundle, "text/html", {
    enumerable: true,
    get: () => (html ??= chartHtml(figure, description)),
  });
  return bundle;
}

/**
 * Forgets that the library was embedded: the next chart read carries it again, as the first chart
 * of a new kernel process does. For tests, whose outcome must not depend on which test read a
 * chart first.
 */
export function forgetEmbeddedLibrary(): void {
  libraryEmbedded = false;
}

/** The library as a script that defines window.Plotly and announces it; empty if this process already embedded it. */
function libraryScript(): string {
  return libraryEmbedded ? "" : libraryElement();
}

/** The library's <script> element, unconditionally (marks it embedded for later charts). */
export function libraryElement(): string {
  if (!fs.existsSync(PLOTLY_LIBRARY_PATH)) {
    throw new Error(
      `tsprof's plotly.js bundle ${PLOTLY_LIBRARY_PATH} is missing: build it with \`npm run build\` ` +
        `(it runs scripts/build-assets.ts).`,
    );
  }
  const code = fs.readFileSync(PLOTLY_LIBRARY_PATH, "utf8");
  libraryEmbedded = true;
  return `<script>if(!window.Plotly){${code}\n}window.dispatchEvent(new Event("tsprof-plotly"));</script>`;
}

function chartHtml(figure: Figure, description: string): string {
  const id = `tsprof-chart-${SESSION}-${++chartCounter}`;
  const height = typeof figure.layout.height === "number" ? figure.layout.height : 400;
  // JSON with "<" escaped cannot close the script element, whatever the labels hold.
  const json = JSON.stringify(figure)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return (
    `<div id="${id}" class="tsprof-chart" style="width:100%;min-height:${height}px">` +
    `<div class="tsprof-chart-note" style="padding:8px;opacity:0.7">Chart: ${plotlyText(description)} ` +
    `(drawn by plotly.js when the output's scripts run: a trusted notebook or an exported HTML page)</div></div>` +
    libraryScript() +
    `<script>(function(){var fig=${json},id="${id}",tries=0;${DRAW_SCRIPT}})();</script>`
  );
}

/**
 * Draws once both the element (classic Notebook runs output scripts before attaching the output)
 * and window.Plotly exist; after 10 s without the library it says why there is no chart.
 */
const DRAW_SCRIPT = `function draw(){var el=document.getElementById(id);if(el&&el.getAttribute("data-drawn"))return;
if(!el||!window.Plotly){if(++tries===100){if(!el)return;var n=el.querySelector(".tsprof-chart-note");if(n)n.textContent=MISSING}
setTimeout(draw,tries<100?100:1000);return}
el.setAttribute("data-drawn","1");el.innerHTML="";window.Plotly.newPlot(el,fig.data,fig.layout,{responsive:true,displaylogo:false})}
var MISSING="Chart not drawn: plotly.js is missing from this page (the output that carried it, the first chart of the session, was cleared). Run tsprof.display.plotlyLibrary() in a cell, or re-run this cell after restarting the kernel.";
window.addEventListener("tsprof-plotly",draw);draw();`;

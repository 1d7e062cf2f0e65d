/**
 * `--html FILE`: one self-contained page with what the command showed, as pyinstrument's
 * `-r html` writes one: the magic's own HTML views (sortable tables, plotly charts with the
 * library embedded once), opening offline.
 */
import fs from "node:fs";
import escapeHtml from "escape-html";
import type { MimeBundle } from "../../magics/core/context";

export function writeHtmlReport(file: string, title: string, notes: string[], bundles: MimeBundle[]): void {
  const body = bundles.map((b) =>
    typeof b["text/html"] === "string" ? b["text/html"] : `<pre>${escapeHtml(String(b["text/plain"] ?? ""))}</pre>`,
  );
  const page = [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>`,
    "<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:1400px}h1{font-size:1.2em;font-family:monospace}.tsprof-section{margin:24px 0}</style>",
    "</head><body>",
    `<h1>${escapeHtml(title)}</h1>`,
    ...notes.map((note) => `<p>${escapeHtml(note)}</p>`),
    ...body.map((html) => `<div class="tsprof-section">${html}</div>`),
    "</body></html>",
    "",
  ].join("\n");
  fs.writeFileSync(file, page);
}

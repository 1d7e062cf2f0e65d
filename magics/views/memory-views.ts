/**
 * %memit's and %mprun's views: memory_profiler's text, an HTML card with the split by kind of
 * memory, a plotly timeline of memory during the statement with its peak marked, and %mprun's
 * table (text + sortable HTML shaded by increment).
 */
import escapeHtml from "escape-html";
import type { MimeBundle } from "../core/context";
import type { FunctionMemoryProfile, MemoryLineProfileResult, MemoryResult } from "../model/profile";
import { heatShares, htmlTable, type TableCell } from "./html-table";
import {
  MEMORY_FIELDS,
  memitLine,
  memitNotes,
  memitText,
  memoryLineCells,
  memoryLineProfileText,
  memorySplit,
} from "./memory-text";
import { chartBundle, plotlyText, type Figure } from "./plotly";

const MiB = 2 ** 20;
const COLORS: Record<string, string> = {
  rss: "#1c7ed6",
  heapUsed: "#2f9e44",
  external: "#f08c00",
  arrayBuffers: "#ae3ec9",
};

/** [the line with its split (text + HTML card), the timeline chart]. */
export function memitViews(result: MemoryResult): MimeBundle[] {
  return [
    { "text/plain": memitText(result), "text/html": memitHtml(result) },
    chartBundle(timelineFigure(result), `memory over time during ${result.statement.trim()}`),
  ];
}

export function memitHtml(result: MemoryResult): string {
  const split = memorySplit(result);
  const number = (text: string, bytes: number): TableCell => ({
    text,
    sortKey: bytes,
    title: `${bytes.toLocaleString("en-US")} bytes`,
  });
  const table = htmlTable({
    columns: [
      { label: "memory", code: true },
      { label: "baseline", numeric: true, title: "before the statement ran" },
      { label: "peak", numeric: true, title: "the highest while it ran" },
      { label: "increment", numeric: true, title: "peak - baseline" },
    ],
    rows: MEMORY_FIELDS.map(({ key, what }, i) => [
      { text: key, title: what },
      number(split[i].baseline, result.baseline[key]),
      number(split[i].peak, result.peak[key]),
      number(split[i].increment, result.peak[key] - result.baseline[key]),
    ]),
    footnotes: memitNotes(result),
  });
  const headline = `<div style="font-family:var(--jp-code-font-family,monospace);font-weight:bold;margin-bottom:4px">${escapeHtml(memitLine(result))}</div>`;
  return `<div class="tsprof-memit" style="display:inline-block;border:1px solid rgba(128,128,128,0.4);border-radius:4px;padding:6px 10px">${headline}${table}</div>`;
}

/** Each field over time in MiB; the highest RSS reading marked, and the exact peak as a line when it is known. */
function timelineFigure(result: MemoryResult): Figure {
  const x = result.samples.map((s) => s.t * 1000);
  const data: Record<string, unknown>[] = MEMORY_FIELDS.map(({ key }) => ({
    type: "scatter",
    mode: "lines",
    name: key,
    x,
    y: result.samples.map((s) => s[key] / MiB),
    line: { color: COLORS[key], width: key === "rss" ? 2 : 1.5, shape: "hv" },
    hovertemplate: `${key}: %{y:.2f} MiB at %{x:.1f} ms<extra></extra>`,
  }));
  const highest = result.samples.reduce((best, s) => (s.rss > best.rss ? s : best), result.samples[0]);
  data.push({
    type: "scatter",
    mode: "markers",
    name: "highest RSS reading",
    x: [highest.t * 1000],
    y: [highest.rss / MiB],
    marker: { color: "#e03131", size: 10, symbol: "triangle-down" },
    hovertemplate: "highest RSS reading: %{y:.2f} MiB at %{x:.1f} ms<extra></extra>",
  });
  const peak = result.peak.rss / MiB;
  const shapes = [
    {
      type: "line",
      xref: "paper",
      x0: 0,
      x1: 1,
      y0: peak,
      y1: peak,
      line: { color: "#e03131", dash: "dash", width: 1 },
    },
  ];
  const label = `peak ${peak.toFixed(2)} MiB${result.exactPeak ? " (exact, VmHWM)" : ""}, increment ${(result.increment / MiB).toFixed(2)} MiB`;
  return {
    data,
    layout: {
      title: { text: plotlyText(`Memory during ${result.statement.trim().slice(0, 80)}`) },
      height: 380,
      margin: { l: 60, r: 20, t: 50, b: 90 },
      xaxis: { title: { text: "time since the baseline (ms)" } },
      yaxis: { title: { text: "MiB" }, rangemode: "tozero" },
      shapes,
      annotations: [
        {
          xref: "paper",
          x: 0,
          y: peak,
          text: plotlyText(label),
          showarrow: false,
          xanchor: "left",
          yanchor: "bottom",
          font: { color: "#e03131" },
        },
      ],
      legend: { orientation: "h", y: -0.3 },
    },
  };
}

/** memory_profiler's table, as text and as a sortable HTML table shaded by increment. */
export function memoryLineProfileViews(result: MemoryLineProfileResult): MimeBundle[] {
  return [{ "text/plain": memoryLineProfileText(result), "text/html": memoryLineProfileHtml(result) }];
}

export function memoryLineProfileHtml(result: MemoryLineProfileResult): string {
  return result.functions.map(functionHtml).join("\n");
}

function functionHtml(profile: FunctionMemoryProfile): string {
  const heat = heatShares(profile.lines.map((l) => l.increment));
  const number = (text: string, key: number | null, cellHeat?: number): TableCell => ({
    text,
    sortKey: text === "" ? null : key,
    heat: cellHeat,
  });
  return htmlTable({
    caption: [`Filename: ${profile.fn.file}`, `Function: ${profile.fn.name} at line ${profile.fn.line}`],
    columns: [
      { label: "Line #", numeric: true },
      {
        label: "Mem usage",
        numeric: true,
        title: "RSS of the process at the end of the last reading interval in which the line ran",
      },
      {
        label: "Increment",
        numeric: true,
        title: "RSS change while the line ran, summed over its occurrences (calls from it included)",
      },
      { label: "Occurrences", numeric: true, title: "exact number of times a statement starting on the line ran" },
      { label: "Line Contents", code: true },
    ],
    rows: profile.lines.map((line, i) => {
      const [mem, inc, occurrences] = memoryLineCells(line);
      return [
        number(String(line.line), line.line),
        number(mem.trim(), line.memUsage),
        number(inc.trim(), line.increment, heat[i]),
        number(occurrences, line.occurrences),
        { text: line.contents },
      ];
    }),
    sortedBy: { column: 0, descending: false },
  });
}

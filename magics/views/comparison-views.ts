/** The comparison of variants: a sortable table and a bar chart of their times (log scale) labelled with speedups. */
import type { MimeBundle } from "../core/context";
import type { Comparison } from "../model/profile";
import { COMPARISON_HEADERS, comparisonCells, comparisonText, formatRatio } from "./comparison-text";
import { heatShares, htmlTable } from "./html-table";
import { chartBundle, plotlyText, type Figure } from "./plotly";
import { timeUnit } from "./pyformat";

export function comparisonViews(comparison: Comparison): MimeBundle[] {
  return [
    { "text/plain": comparisonText(comparison), "text/html": comparisonHtml(comparison) },
    chartBundle(comparisonFigure(comparison), `time per variant, compared with ${comparison.baseline}`),
  ];
}

export function comparisonHtml(comparison: Comparison): string {
  const heat = heatShares(comparison.rows.map((r) => r.time));
  return htmlTable({
    caption: [`Compared with ${comparison.baseline}:`],
    columns: COMPARISON_HEADERS.map((label, i) => ({ label, numeric: i > 0 })),
    rows: comparison.rows.map((row, i) => {
      const cells = comparisonCells(row);
      const keys = [row.label, row.time, row.stdev, row.speedup, row.memory, row.memoryRatio, row.linesOfCode];
      return cells.map((text, c) => ({ text, sortKey: keys[c], heat: c === 1 ? heat[i] : undefined }));
    }),
  });
}

function comparisonFigure(comparison: Comparison): Figure {
  const unit = timeUnit(Math.min(...comparison.rows.map((r) => r.time)));
  return {
    data: [
      {
        type: "bar",
        x: comparison.rows.map((r) => plotlyText(r.label)),
        y: comparison.rows.map((r) => r.time * unit.scale),
        error_y: { type: "data", array: comparison.rows.map((r) => r.stdev * unit.scale), visible: true },
        text: comparison.rows.map((r) => `${formatRatio(r.speedup)}×`),
        textposition: "outside",
        marker: { color: "#2f9e44" },
        hovertemplate:
          `%{x}: %{y:.4g} ${unit.name} per loop, speedup %{text} ` +
          `over ${plotlyText(comparison.baseline)}<extra></extra>`,
      },
    ],
    layout: {
      title: { text: `Time per variant (log scale), speedup over ${plotlyText(comparison.baseline)}` },
      height: 380,
      margin: { l: 60, r: 20, t: 50, b: 80 },
      // Variant labels are the user's and can be long: plotly tilts them, and the margin must grow to fit.
      xaxis: { automargin: true },
      yaxis: { type: "log", title: { text: `time per loop (${unit.name})` } },
    },
  };
}

/**
 * A comparison of profiles: the table (text and a sortable HTML table whose change cells are
 * shaded green for less, red for more) and a chart of the largest changes: for two runs the
 * before and after bars side by side, for more a diverging bar of each change.
 */
import type { MimeBundle } from "../core/context";
import type { ComparedColumn, ComparedRow, ProfileComparison } from "../model/profile";
import { htmlTable } from "./html-table";
import { chartBundle, plotlyText, type Figure } from "./plotly";
import { comparisonCaption, comparisonLayout, profileComparisonText } from "./profile-comparison-text";

/** How many rows the chart shows. */
const TOP_CHANGES = 15;
const GREEN = "#2f9e44";
const RED = "#e03131";

export function profileComparisonViews(comparison: ProfileComparison): MimeBundle[] {
  const column = chartColumn(comparison);
  return [
    { "text/plain": profileComparisonText(comparison), "text/html": profileComparisonHtml(comparison) },
    chartBundle(
      comparisonChart(comparison, column),
      `largest changes in ${column.label}: ${comparison.labels.join(" → ")}`,
    ),
  ];
}

export function profileComparisonHtml(comparison: ProfileComparison): string {
  // The function (or line) first: the table is wide, and what a row is should show without scrolling.
  const layout = comparisonLayout(comparison);
  const columns = [layout[layout.length - 1], ...layout.slice(0, -1)];
  return htmlTable({
    caption: comparisonCaption(comparison),
    columns: columns.map((c) => ({
      label: c.group && c.label ? `${c.group} · ${c.label}` : c.label || c.group,
      numeric: c.numeric,
      code: !c.numeric,
      title: c.title,
    })),
    rows: comparison.rows.map((_, r) => columns.map((c) => c.cells[r])),
    footnotes: ["▲ more in the last run than in the first, ▼ less (green: less, red: more)"],
  });
}

/**
 * The column the rows are ordered by when it is one, else the kind's first column that is not a
 * count (tottime, Time, bytes).
 */
function chartColumn(comparison: ProfileComparison): ComparedColumn {
  const ordered = comparison.columns.find((c) => comparison.orderedBy.startsWith(`change in ${c.label}`));
  return ordered ?? comparison.columns.find((c) => c.unit !== "count") ?? comparison.columns[0];
}

/** Scale and axis name of a column's numbers in the chart. */
function chartUnit(column: ComparedColumn, timerUnit: number): { scale: number; name: string } {
  if (column.unit === "seconds") return { scale: 1e3, name: `${column.label} (ms)` };
  if (column.unit === "timer") return { scale: 1 / timerUnit, name: `${column.label} (timer units, ${timerUnit} s)` };
  if (column.unit === "bytes") return { scale: 1 / 1024, name: `${column.label} (KiB)` };
  return { scale: 1, name: column.label };
}

function rowName(comparison: ProfileComparison, row: ComparedRow): string {
  if (comparison.kind !== "lprun") return row.label;
  const line = row.where.filter((w) => w !== null).at(-1);
  return `${row.name}:${line} ${row.label.trim().slice(0, 60)}`;
}

function comparisonChart(comparison: ProfileComparison, column: ComparedColumn): Figure {
  const size = (row: ComparedRow) => Math.abs(row.change[column.key].difference ?? 0);
  const top = [...comparison.rows]
    .sort((a, b) => size(b) - size(a))
    .slice(0, TOP_CHANGES)
    .reverse();
  const unit = chartUnit(column, comparison.timerUnit);
  const names = top.map((row) => plotlyText(rowName(comparison, row)));
  const { labels } = comparison;
  const first = plotlyText(labels[0]);
  const last = plotlyText(labels[labels.length - 1]);
  const data =
    labels.length <= 2
      ? labels.map((label, run) => ({
          type: "bar",
          orientation: "h",
          name: plotlyText(label),
          y: names,
          x: top.map((row) => (row.values[column.key][run] ?? 0) * unit.scale),
          marker: { color: run === 0 ? "#adb5bd" : "#1c7ed6" },
          hovertemplate: `%{y}<br>${plotlyText(label)}: %{x:.4g}<extra></extra>`,
        }))
      : [
          {
            type: "bar",
            orientation: "h",
            y: names,
            x: top.map((row) => (row.change[column.key].difference ?? 0) * unit.scale),
            marker: { color: top.map((row) => ((row.change[column.key].difference ?? 0) > 0 ? RED : GREEN)) },
            hovertemplate: `%{y}<br>${last} - ${first}: %{x:+.4g}<extra></extra>`,
          },
        ];
  const title =
    labels.length <= 2
      ? `${column.label}, ${first} vs ${last}: the largest changes`
      : `Change in ${column.label}, ${last} against ${first}`;
  return {
    data,
    layout: {
      title: { text: title },
      barmode: "group",
      height: Math.max(280, 100 + (labels.length <= 2 ? 36 : 24) * top.length),
      margin: { l: 10, r: 20, t: 50, b: 45 },
      xaxis: { title: { text: labels.length <= 2 ? unit.name : `change in ${unit.name}` }, zeroline: true },
      yaxis: { automargin: true, type: "category" },
      legend: { traceorder: "normal" },
    },
  };
}

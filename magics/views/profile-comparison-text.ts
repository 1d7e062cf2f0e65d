/**
 * A comparison of profiles as a table: per column one sub-column per run, then the last run's change
 * against the first as a ratio and a difference, readable without colour (its sign, ▲ more, ▼ less).
 * The same layout feeds the text and the HTML table.
 */
import type { ComparedColumn, ComparedRow, ProfileComparison } from "../model/profile";
import { formatRatio } from "./comparison-text";
import { formatBytes, formatF, formatG } from "./pyformat";

export interface LayoutCell {
  text: string;
  /** Numbers sort as numbers; null sorts last. */
  sortKey?: number | null;
  /** -1..1 for a change cell: the direction and relative size of the change. */
  tone?: number;
}

export interface LayoutColumn {
  /** The header's first line (shared by a group of sub-columns). */
  group: string;
  label: string;
  numeric: boolean;
  title?: string;
  cells: LayoutCell[];
}

/**
 * How each kind's rows read: what the label column is called; whether a 0 shows blank
 * (line_profiler leaves lines that never ran blank).
 */
const KIND_VIEWS: Record<ProfileComparison["kind"], { labelHeader: string; whereHeader?: string; blankZero: boolean }> =
  {
    prun: { labelHeader: "filename:lineno(function)", blankZero: false },
    alloc: { labelHeader: "filename:lineno(function)", blankZero: false },
    lprun: { labelHeader: "Line Contents", whereHeader: "Line #", blankZero: true },
  };

export const RATIO_NOTE = "ratio: first run / last run (above 1: less in the last run); Δ: last run - first run";

export function comparisonLayout(comparison: ProfileComparison): LayoutColumn[] {
  const view = KIND_VIEWS[comparison.kind];
  const { rows, labels } = comparison;
  const perRun = (group: string, cell: (row: ComparedRow, run: number) => LayoutCell, title?: string): LayoutColumn[] =>
    labels.map((label, run) => ({ group, label, numeric: true, title, cells: rows.map((row) => cell(row, run)) }));
  const where = view.whereHeader
    ? perRun(view.whereHeader, (row, run) => ({
        text: row.where[run] ?? "",
        sortKey: row.where[run] === null ? null : Number(row.where[run]),
      }))
    : [];
  const values = comparison.columns.flatMap((column) =>
    perRun(
      column.label,
      (row, run) => valueCell(row.values[column.key][run], column, comparison, view.blankZero),
      column.title,
    ),
  );
  const changes = comparison.columns.flatMap((column) => changeColumns(comparison, column, view.blankZero));
  const names = new Set(rows.map((r) => r.name));
  const functionColumn: LayoutColumn[] =
    view.whereHeader && names.size > 1
      ? [{ group: "", label: "Function", numeric: false, cells: rows.map((r) => ({ text: r.name })) }]
      : [];
  const label: LayoutColumn = {
    group: "",
    label: view.labelHeader,
    numeric: false,
    cells: rows.map((r) => ({ text: r.label })),
  };
  return [...functionColumn, ...where, ...values, ...changes, label];
}

/**
 * A number as its column shows it: seconds as cProfile's 0.000, timer units as line_profiler's 0.0,
 * bytes in binary units.
 */
export function formatValue(value: number, column: ComparedColumn, timerUnit: number): string {
  switch (column.unit) {
    case "seconds":
      return value.toFixed(3);
    case "timer":
      return formatF(value / timerUnit, 0, 1);
    case "bytes":
      return formatBytes(value);
    default:
      return String(value);
  }
}

function valueCell(
  value: number | null,
  column: ComparedColumn,
  comparison: ProfileComparison,
  blankZero: boolean,
): LayoutCell {
  if (value === null || (blankZero && value === 0)) return { text: "", sortKey: null };
  return { text: formatValue(value, column, comparison.timerUnit), sortKey: value };
}

const arrow = (direction: number) => (direction > 0 ? " ▲" : direction < 0 ? " ▼" : "");

function changeColumns(comparison: ProfileComparison, column: ComparedColumn, blankZero: boolean): LayoutColumn[] {
  const { rows } = comparison;
  const largest = Math.max(0, ...rows.map((r) => Math.abs(r.change[column.key].difference ?? 0)));
  const tone = (difference: number | null) => (difference && largest ? difference / largest : undefined);
  const bothZero = (row: ComparedRow) =>
    blankZero && row.change[column.key].difference === 0 && row.change[column.key].ratio === null;
  const ratio = rows.map((row): LayoutCell => {
    const { ratio: value, difference } = row.change[column.key];
    if (bothZero(row)) return { text: "", sortKey: null };
    if (value === null)
      return {
        text: row.status === "new" || row.status === "gone" ? row.status : "-",
        sortKey: null,
        tone: tone(difference),
      };
    const text = value === Infinity ? "∞×" : `${formatRatio(value)}×`;
    return {
      text: `${text}${arrow(1 - value)}`,
      sortKey: value === Infinity ? Number.MAX_VALUE : value,
      tone: tone(difference),
    };
  });
  const difference = rows.map((row): LayoutCell => {
    const value = row.change[column.key].difference;
    if (value === null || bothZero(row)) return { text: value === null ? "-" : "", sortKey: null };
    const sign = value > 0 ? "+" : value < 0 ? "-" : "";
    return {
      text: `${sign}${formatValue(Math.abs(value), column, comparison.timerUnit)}${arrow(value)}`,
      sortKey: value,
      tone: tone(value),
    };
  });
  const group = `${column.label} change`;
  return [
    { group, label: "ratio", numeric: true, title: `${column.label}: first run / last run`, cells: ratio },
    { group, label: "Δ", numeric: true, title: `${column.label}: last run - first run`, cells: difference },
  ];
}

/** The lines above the table: which runs, the order, what ratio and Δ mean, the matching notes. */
export function comparisonCaption(comparison: ProfileComparison): string[] {
  const { labels, kind } = comparison;
  const unit = kind === "lprun" ? [`Timer unit: ${formatG(comparison.timerUnit)} s`] : [];
  return [
    `Profiles compared: ${labels.join(" → ")} (the change: ${labels[labels.length - 1]} against ${labels[0]})`,
    ...unit,
    `Ordered by: ${comparison.orderedBy}`,
    RATIO_NOTE,
    ...comparison.notes,
  ];
}

export function profileComparisonText(comparison: ProfileComparison): string {
  const columns = comparisonLayout(comparison);
  const widths = fitGroups(
    columns,
    columns.map((c) => Math.max(c.label.length, ...c.cells.map((cell) => cell.text.length))),
  );
  const joinCells = (texts: string[]) => texts.join("  ").trimEnd();
  const pad = (text: string, i: number) => (columns[i].numeric ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const rows = comparison.rows.map((_, r) => joinCells(columns.map((c, i) => pad(c.cells[r].text, i))));
  const header = joinCells(columns.map((c, i) => pad(c.label, i)));
  return [
    ...comparisonCaption(comparison).map((line) => `   ${line}`),
    "",
    groupLine(columns, widths),
    header,
    "=".repeat(header.length),
    ...rows,
  ].join("\n");
}

/** Groups of consecutive columns with one name: [first index, end index). */
function groupSpans(columns: LayoutColumn[]): [number, number][] {
  const spans: [number, number][] = [];
  for (let i = 0, j = 0; i < columns.length; i = j) {
    while (j < columns.length && columns[j].group === columns[i].group) j++;
    spans.push([i, j]);
  }
  return spans;
}

const spanWidth = (widths: number[], [from, to]: [number, number]) =>
  widths.slice(from, to).reduce((sum, w) => sum + w + 2, -2);

/** Widens a group's last column where the group's name is wider than its columns. */
function fitGroups(columns: LayoutColumn[], widths: number[]): number[] {
  for (const span of groupSpans(columns))
    widths[span[1] - 1] += Math.max(0, columns[span[0]].group.length - spanWidth(widths, span));
  return widths;
}

/** The groups' names centred over their sub-columns. */
function groupLine(columns: LayoutColumn[], widths: number[]): string {
  const parts = groupSpans(columns).map((span) => {
    const name = columns[span[0]].group;
    const width = spanWidth(widths, span);
    return (" ".repeat(Math.floor((width - name.length) / 2)) + name).padEnd(width);
  });
  return parts.join("  ").trimEnd();
}

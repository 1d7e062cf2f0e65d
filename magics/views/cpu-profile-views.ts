/**
 * %prun's views: the cProfile table (text + sortable HTML), an icicle chart of the call tree, the
 * top functions by self time.
 */
import type { MimeBundle } from "../core/context";
import type { CallTreeNode, CpuProfileResult, FunctionStats, ThreadProfile } from "../model/profile";
import { CATEGORY_COLORS, icicleFigure } from "./icicle";
import escapeHtml from "escape-html";
import {
  asyncSections,
  cpuProfileText,
  profileNotes,
  profileSummary,
  threadHeading,
  threadsSummary,
  UNCOUNTED,
  UNCOUNTED_NOTE,
} from "./cpu-profile-text";
import { heatShares, htmlTable, type TableCell } from "./html-table";
import { chartBundle, plotlyText, type Figure } from "./plotly";
import { functionDescription, orderRows, type ProfileOrder } from "./profile-order";

/** How many functions the self-time bar chart shows. */
const TOP_FUNCTIONS = 15;

export function cpuProfileViews(result: CpuProfileResult, order: ProfileOrder): MimeBundle[] {
  const timeline =
    result.threads.length > 1
      ? [
          chartBundle(
            threadTimelineFigure(result),
            `flame chart of ${result.statement}, one lane per thread on one time axis`,
          ),
        ]
      : [];
  return [
    { "text/plain": cpuProfileText(result, order), "text/html": cpuProfileHtml(result, order) },
    ...timeline,
    chartBundle(callTreeFigure(result), `call tree of ${result.statement}, time as width (click a box to zoom)`),
    chartBundle(topFunctionsFigure(result), `top functions by self time in ${result.statement}`),
    ...(result.async
      ? [
          chartBundle(
            asyncTreeFigure(result.statement, result.async.tree),
            `async call tree of ${result.statement}, wall-clock time across awaits as width`,
          ),
        ]
      : []),
  ];
}

/**
 * The async view as an icicle: wall-clock time as width, an "awaiting f" box for the time the function above waited on
 * the promise of f.
 */
function asyncTreeFigure(statement: string, tree: CallTreeNode): Figure {
  return icicleFigure<CallTreeNode>({
    root: tree,
    statement,
    self: (node) => node.selfTime * 1e6,
    total: (node) => node.totalTime * 1e6,
    selfText: (node) => (node.selfTime * 1e3).toFixed(3),
    hovertemplate:
      "%{customdata[0]}<br>wall-clock %{value} µs (%{percentRoot:.1%})<br>self %{customdata[1]} ms<extra></extra>",
    width: "wall-clock time across awaits; awaiting f: time the function above waited on f's promise",
  });
}

const COLUMNS = [
  { label: "ncalls", numeric: true, title: "exact number of calls (recursive calls included)" },
  { label: "tottime", numeric: true, title: "seconds in the function itself, excluding what it called" },
  { label: "percall", numeric: true, title: "tottime / ncalls" },
  {
    label: "cumtime",
    numeric: true,
    title: "seconds in the function and everything it called (recursion counted once)",
  },
  { label: "percall", numeric: true, title: "cumtime / ncalls" },
  { label: "filename:lineno(function)", code: true },
];

/** Which column the pstats sort key shows as the table's sort state (when it is one of the columns). */
const SORT_COLUMNS: Record<string, number> = {
  "internal time": 1,
  "cumulative time": 3,
  "call count": 0,
  "standard name": 5,
};

export function cpuProfileHtml(result: CpuProfileResult, order: ProfileOrder): string {
  return [tableHtml(result, order), ...asyncSections(result).map((text) => `<pre>${escapeHtml(text)}</pre>`)].join(
    "\n",
  );
}

function tableHtml(result: CpuProfileResult, order: ProfileOrder): string {
  if (result.threads.length > 1) return threadsHtml(result, order);
  const ordered = orderRows(result.table, order);
  const heat = heatShares(ordered.rows.map((r) => r.tottime));
  const sortColumn = SORT_COLUMNS[ordered.orderedBy.split(", ")[0]];
  return htmlTable({
    caption: [profileSummary(result), `Ordered by: ${ordered.orderedBy}`, ...ordered.notes],
    columns: COLUMNS,
    rows: ordered.rows.map((row, i) => rowCells(row, heat[i])),
    sortedBy: sortColumn === undefined ? undefined : { column: sortColumn, descending: sortColumn !== 5 },
    footnotes: [...(ordered.rows.some((r) => r.ncalls === null) ? [UNCOUNTED_NOTE] : []), ...profileNotes(result)],
  });
}

/** Every thread's rows in one table, each thread's in its order, with a thread column to sort and filter by. */
function threadsHtml(result: CpuProfileResult, order: ProfileOrder): string {
  const sections = result.threads.map((thread) => ({ thread, ordered: orderRows(thread.table, order) }));
  const rows = sections.flatMap(({ ordered }) => ordered.rows);
  const heat = heatShares(rows.map((r) => r.tottime));
  let i = 0;
  return htmlTable({
    caption: [
      profileSummary(result),
      threadsSummary(result),
      ...sections.flatMap(({ thread, ordered }) => [
        `Thread: ${threadHeading(thread)}`,
        ...ordered.notes.map((note) => `  ${note}`),
      ]),
      `Ordered by: ${sections[0].ordered.orderedBy}, within each thread`,
    ],
    columns: [{ label: "thread", title: "the thread the function ran on" }, ...COLUMNS],
    rows: sections.flatMap(({ thread, ordered }) =>
      ordered.rows.map((row) => [{ text: thread.label }, ...rowCells(row, heat[i++])]),
    ),
    filter: { column: 0, label: "thread" },
    footnotes: [...(rows.some((r) => r.ncalls === null) ? [UNCOUNTED_NOTE] : []), ...profileNotes(result)],
  });
}

function rowCells(row: FunctionStats, heat: number): TableCell[] {
  const { ncalls, tottime, cumtime } = row;
  const seconds = (x: number | null): TableCell =>
    x === null ? { text: "", sortKey: null } : { text: x.toFixed(3), sortKey: x, title: `${x} s` };
  return [
    { text: ncalls === null ? UNCOUNTED : String(ncalls), sortKey: ncalls },
    { ...seconds(tottime), heat },
    seconds(ncalls ? tottime / ncalls : null),
    seconds(cumtime),
    seconds(ncalls ? cumtime / ncalls : null),
    { text: functionDescription(row) },
  ];
}

/** The functions of every thread, named with their thread when there are several. */
function allRows(result: CpuProfileResult): FunctionStats[] {
  if (result.threads.length === 1) return result.table.rows;
  return result.threads.flatMap((t) =>
    t.table.rows.map((row) => ({ ...row, fn: { ...row.fn, name: `${row.fn.name} [${t.label}]` } })),
  );
}

function topFunctionsFigure(result: CpuProfileResult): Figure {
  const rows = allRows(result);
  const top = orderRows({ ...result.table, rows }, { sort: ["time"], limits: [String(TOP_FUNCTIONS)] }).rows.reverse();
  return {
    data: [
      {
        type: "bar",
        orientation: "h",
        x: top.map((r) => r.tottime * 1e3),
        y: top.map((r) => plotlyText(functionDescription(r))),
        customdata: top.map((r) => [r.ncalls ?? "not counted", r.cumtime * 1e3]),
        hovertemplate:
          "%{y}<br>self %{x:.3f} ms · total %{customdata[1]:.3f} ms<br>calls: %{customdata[0]}<extra></extra>",
        marker: { color: "#e8590c" },
      },
    ],
    layout: {
      title: { text: `Top functions by self time (tottime) — ${plotlyText(result.statement)}` },
      height: Math.max(260, 90 + 24 * top.length),
      margin: { l: 10, r: 20, t: 50, b: 45 },
      xaxis: { title: { text: "self time (ms)" } },
      yaxis: { automargin: true },
    },
  };
}

/** The call tree as an icicle, time as width (whole microseconds). */
function callTreeFigure(result: CpuProfileResult): Figure {
  return icicleFigure<CallTreeNode>({
    root: threadsTree(result),
    statement: result.statement,
    self: (node) => node.selfTime * 1e6,
    total: (node) => node.totalTime * 1e6,
    selfText: (node) => (node.selfTime * 1e3).toFixed(3),
    hovertemplate:
      "%{customdata[0]}<br>total %{value} µs (%{percentRoot:.1%})<br>self %{customdata[1]} ms<extra></extra>",
    width: "total time",
  });
}

/**
 * The main thread's tree, or, when workers ran, a root over one box per thread (their times add up,
 * though they overlapped).
 */
function threadsTree(result: CpuProfileResult): CallTreeNode {
  if (result.threads.length === 1) return result.tree;
  const lanes = result.threads.map((t) => ({ ...t.tree, fn: { ...t.tree.fn, name: t.label } }));
  return { ...result.tree, selfTime: 0, totalTime: lanes.reduce((sum, n) => sum + n.totalTime, 0), children: lanes };
}

/** Levels of a thread's stack the flame chart shows. */
const MAX_LANE_DEPTH = 12;
/** Boxes shorter than this share of the longest thread's profile are left out (the chart would not show them). */
const MIN_SPAN_SHARE = 0.002;

/**
 * A flame chart on a time axis (as Chrome's Performance panel draws one): one lane per thread,
 * outermost frame on top, each box from when the function came onto the stack to when it left;
 * zero is the start of the statement.
 */
function threadTimelineFigure(result: CpuProfileResult): Figure {
  const longest = Math.max(1e-9, ...result.threads.map((t) => t.end - t.start));
  let offset = 0;
  const ticks: { y: number; label: string }[] = [];
  const data = result.threads.map((thread) => {
    const trace = laneTrace(thread, offset, longest * MIN_SPAN_SHARE);
    ticks.push({ y: offset, label: thread.label });
    offset += Math.min(MAX_LANE_DEPTH, Math.max(1, ...thread.spans.map((s) => s.depth + 1))) + 1;
    return trace;
  });
  return {
    data,
    layout: {
      title: { text: `Threads over time — ${plotlyText(result.statement)}` },
      barmode: "overlay",
      showlegend: false,
      height: Math.max(260, 80 + 22 * offset),
      margin: { l: 10, r: 20, t: 50, b: 45 },
      xaxis: { title: { text: "ms since the statement started" }, zeroline: true },
      yaxis: {
        autorange: "reversed",
        tickvals: ticks.map((t) => t.y),
        ticktext: ticks.map((t) => plotlyText(t.label)),
        automargin: true,
      },
      shapes: [result.table.totalTime].map((wall) => ({
        type: "rect",
        xref: "x",
        yref: "paper",
        x0: 0,
        x1: wall * 1e3,
        y0: 0,
        y1: 1,
        line: { width: 0 },
        fillcolor: "rgba(128,128,128,0.08)",
      })),
    },
  };
}

function laneTrace(thread: ThreadProfile, offset: number, minSeconds: number): Record<string, unknown> {
  const spans = thread.spans.filter((s) => s.depth < MAX_LANE_DEPTH && s.end - s.start >= minSeconds);
  return {
    type: "bar",
    orientation: "h",
    name: plotlyText(thread.label),
    base: spans.map((s) => s.start * 1e3),
    x: spans.map((s) => (s.end - s.start) * 1e3),
    y: spans.map((s) => offset + s.depth),
    text: spans.map((s) => plotlyText(s.fn.name)),
    textposition: "inside",
    insidetextanchor: "start",
    customdata: spans.map((s) => [plotlyText(functionDescription({ fn: s.fn })), plotlyText(thread.label)]),
    hovertemplate: "%{customdata[0]}<br>%{customdata[1]}<br>from %{base:.2f} ms for %{x:.2f} ms<extra></extra>",
    marker: { color: spans.map((s) => CATEGORY_COLORS[s.fn.category]), line: { width: 0.5, color: "#fff" } },
    width: 0.9,
  };
}

/** %prun's views: the cProfile table (text + sortable HTML), an icicle chart of the call tree, the top functions by self time. */
import type { MimeBundle } from "../context";
import type { CallTreeNode, CpuProfileResult, FunctionStats } from "../model/profile";
import { icicleFigure } from "./icicle";
import { cpuProfileText, profileSummary, UNCOUNTED, UNCOUNTED_NOTE } from "./cpu-profile-text";
import { heatShares, htmlTable, type TableCell } from "./html-table";
import { chartBundle, plotlyText, type Figure } from "./plotly";
import { functionDescription, orderRows, type ProfileOrder } from "./profile-order";

/** How many functions the self-time bar chart shows. */
const TOP_FUNCTIONS = 15;

export function cpuProfileViews(result: CpuProfileResult, order: ProfileOrder): MimeBundle[] {
  return [
    { "text/plain": cpuProfileText(result, order), "text/html": cpuProfileHtml(result, order) },
    chartBundle(callTreeFigure(result), `call tree of ${result.statement}, time as width (click a box to zoom)`),
    chartBundle(topFunctionsFigure(result), `top functions by self time in ${result.statement}`),
  ];
}

const COLUMNS = [
  { label: "ncalls", numeric: true, title: "exact number of calls (recursive calls included)" },
  { label: "tottime", numeric: true, title: "seconds in the function itself, excluding what it called" },
  { label: "percall", numeric: true, title: "tottime / ncalls" },
  { label: "cumtime", numeric: true, title: "seconds in the function and everything it called (recursion counted once)" },
  { label: "percall", numeric: true, title: "cumtime / ncalls" },
  { label: "filename:lineno(function)", code: true },
];

/** Which column the pstats sort key shows as the table's sort state (when it is one of the columns). */
const SORT_COLUMNS: Record<string, number> = { "internal time": 1, "cumulative time": 3, "call count": 0, "standard name": 5 };

export function cpuProfileHtml(result: CpuProfileResult, order: ProfileOrder): string {
  const ordered = orderRows(result.table, order);
  const heat = heatShares(ordered.rows.map((r) => r.tottime));
  const sortColumn = SORT_COLUMNS[ordered.orderedBy.split(", ")[0]];
  return htmlTable({
    caption: [profileSummary(result), `Ordered by: ${ordered.orderedBy}`, ...ordered.notes],
    columns: COLUMNS,
    rows: ordered.rows.map((row, i) => rowCells(row, heat[i])),
    sortedBy: sortColumn === undefined ? undefined : { column: sortColumn, descending: sortColumn !== 5 },
    footnotes: ordered.rows.some((r) => r.ncalls === null) ? [UNCOUNTED_NOTE] : [],
  });
}

function rowCells(row: FunctionStats, heat: number): TableCell[] {
  const { ncalls, tottime, cumtime } = row;
  const seconds = (x: number | null): TableCell => (x === null ? { text: "", sortKey: null } : { text: x.toFixed(3), sortKey: x, title: `${x} s` });
  return [
    { text: ncalls === null ? UNCOUNTED : String(ncalls), sortKey: ncalls },
    { ...seconds(tottime), heat },
    seconds(ncalls ? tottime / ncalls : null),
    seconds(cumtime),
    seconds(ncalls ? cumtime / ncalls : null),
    { text: functionDescription(row) },
  ];
}

function topFunctionsFigure(result: CpuProfileResult): Figure {
  const top = orderRows(result.table, { sort: ["time"], limits: [String(TOP_FUNCTIONS)] }).rows.reverse();
  return {
    data: [
      {
        type: "bar",
        orientation: "h",
        x: top.map((r) => r.tottime * 1e3),
        y: top.map((r) => plotlyText(functionDescription(r))),
        customdata: top.map((r) => [r.ncalls ?? "not counted", r.cumtime * 1e3]),
        hovertemplate: "%{y}<br>self %{x:.3f} ms · total %{customdata[1]:.3f} ms<br>calls: %{customdata[0]}<extra></extra>",
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
    root: result.tree,
    statement: result.statement,
    self: (node) => node.selfTime * 1e6,
    total: (node) => node.totalTime * 1e6,
    selfText: (node) => (node.selfTime * 1e3).toFixed(3),
    hovertemplate: "%{customdata[0]}<br>total %{value} µs (%{percentRoot:.1%})<br>self %{customdata[1]} ms<extra></extra>",
    width: "total time",
  });
}

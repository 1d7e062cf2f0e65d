/** %alloc's views: the table (text + sortable HTML) and an icicle chart of the allocating call tree, bytes as width. */
import type { MimeBundle } from "../core/context";
import type { AllocationProfileResult, AllocationStats, AllocationTreeNode } from "../model/profile";
import { allocationSummary, allocationText, orderAllocations, TYPED_ARRAY_NOTE } from "./allocation-text";
import { heatShares, htmlTable, type TableCell } from "./html-table";
import { icicleFigure } from "./icicle";
import { chartBundle, type Figure } from "./plotly";
import { functionDescription, type ProfileOrder } from "./profile-order";
import { formatBytes } from "./pyformat";

export function allocationViews(result: AllocationProfileResult, order: ProfileOrder): MimeBundle[] {
  return [
    { "text/plain": allocationText(result, order), "text/html": allocationHtml(result, order) },
    chartBundle(
      allocationTreeFigure(result),
      `allocating call tree of ${result.statement}, bytes as width (click a box to zoom)`,
    ),
  ];
}

const COLUMNS = [
  { label: "samples", numeric: true, title: "allocations the sampler recorded in the function itself" },
  { label: "self", numeric: true, title: "bytes the function allocated itself (V8's estimate from the samples)" },
  {
    label: "total",
    numeric: true,
    title: "bytes allocated by the function and everything it called (recursion counted once)",
  },
  { label: "filename:lineno(function)", code: true },
];

/** Which column a sort key shows as the table's sort state (when it is one of the columns). */
const SORT_COLUMNS: Record<string, number> = {
  "sampled allocations": 0,
  "self bytes": 1,
  "total bytes": 2,
  "standard name": 3,
};

export function allocationHtml(result: AllocationProfileResult, order: ProfileOrder): string {
  const ordered = orderAllocations(result, order);
  const heat = heatShares(ordered.rows.map((r) => r.selfBytes));
  const sortColumn = SORT_COLUMNS[ordered.orderedBy.split(", ")[0]];
  return htmlTable({
    caption: [...allocationSummary(result), `Ordered by: ${ordered.orderedBy}`, ...ordered.notes],
    columns: COLUMNS,
    rows: ordered.rows.map((row, i) => rowCells(row, heat[i])),
    sortedBy: sortColumn === undefined ? undefined : { column: sortColumn, descending: sortColumn !== 3 },
    footnotes: [TYPED_ARRAY_NOTE],
  });
}

function rowCells(row: AllocationStats, heat: number): TableCell[] {
  const bytes = (x: number): TableCell => ({ text: formatBytes(x), sortKey: x, title: `${Math.round(x)} bytes` });
  return [
    { text: String(row.samples), sortKey: row.samples },
    { ...bytes(row.selfBytes), heat },
    bytes(row.totalBytes),
    { text: functionDescription(row) },
  ];
}

function allocationTreeFigure(result: AllocationProfileResult): Figure {
  return icicleFigure<AllocationTreeNode>({
    root: result.tree,
    statement: result.statement,
    self: (node) => node.selfBytes,
    total: (node) => node.totalBytes,
    selfText: (node) => formatBytes(node.selfBytes),
    hovertemplate:
      "%{customdata[0]}<br>total %{value} bytes (%{percentRoot:.1%})<br>self %{customdata[1]}<extra></extra>",
    width: "bytes allocated",
  });
}

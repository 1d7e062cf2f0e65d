/**
 * Sortable HTML tables for the views: readable without scripts (inline styles), sorted by one small
 * script that installs a single listener on the document.
 * See docs/how-it-works.md, "Output".
 */
import escapeHtml from "escape-html";

export interface TableColumn {
  label: string;
  /**
   * Sorted as numbers (from each cell's `sortKey`); first click sorts descending. Text columns sort
   * ascending first.
   */
  numeric?: boolean;
  /** Tooltip explaining the column. */
  title?: string;
  /** Left-aligned, whitespace kept, in monospace: source lines and function descriptions. */
  code?: boolean;
}

export interface TableCell {
  text: string;
  /** What the column sorts by; numbers for numeric columns. Omitted: the text. NaN/null sort last. */
  sortKey?: number | string | null;
  /** 0..1: heat shading of the cell's background (the share of the largest value). */
  heat?: number;
  /** Tooltip, e.g. the exact value behind a rounded one. */
  title?: string;
  /** -1..1: a change's shading, green for a decrease, red for an increase, stronger for larger ones. */
  tone?: number;
}

export interface TableSpec {
  columns: TableColumn[];
  rows: TableCell[][];
  /** Lines shown above the table (summary, "Ordered by"). Plain text, escaped here. */
  caption?: string[];
  /** The order the rows come in, shown as the initial sort state. */
  sortedBy?: { column: number; descending: boolean };
  /** Lines shown below the table. Plain text, escaped here. */
  footnotes?: string[];
  /** A menu above the table that shows only the rows with one value in this column (the %prun thread). */
  filter?: { column: number; label: string };
}

const MONO = "font-family:var(--jp-code-font-family,SFMono-Regular,Menlo,Consolas,monospace)";
const CELL = "padding:1px 8px;border:none";

export function htmlTable(spec: TableSpec): string {
  const caption = (spec.caption ?? [])
    .map((line) => `<div style="${MONO};white-space:pre">${escapeHtml(line)}</div>`)
    .join("");
  const head = spec.columns
    .map((column, i) => headerCell(column, spec.sortedBy?.column === i ? spec.sortedBy.descending : null))
    .join("");
  const body = spec.rows
    .map((row) => `<tr>${row.map((cell, i) => bodyCell(cell, spec.columns[i])).join("")}</tr>`)
    .join("\n");
  const footnotes = (spec.footnotes ?? [])
    .map((line) => `<div style="font-size:smaller;opacity:0.8">${escapeHtml(line)}</div>`)
    .join("");
  return [
    `<div class="tsprof-table">`,
    caption,
    spec.filter ? filterMenu(spec, spec.filter) : "",
    `<table data-tsprof-sortable style="border-collapse:collapse;margin:4px 0">`,
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>\n${body}\n</tbody></table>`,
    footnotes,
    `<script>${SORT_SCRIPT}</script>`,
    spec.filter ? `<script>${FILTER_SCRIPT}</script>` : "",
    `</div>`,
  ].join("");
}

/** The filter's menu: "all", then each value of the column in the order the rows first have it. */
function filterMenu(spec: TableSpec, filter: { column: number; label: string }): string {
  const values = [...new Set(spec.rows.map((row) => row[filter.column].text))];
  const options = [
    `<option value="">all</option>`,
    ...values.map((v) => `<option value="${escapeHtml(v)}">${escapeHtml(v)}</option>`),
  ];
  return (
    `<label style="${MONO}">${escapeHtml(filter.label)}: <select ` +
    `data-tsprof-filter="${filter.column}">${options.join("")}</select></label>`
  );
}

function headerCell(column: TableColumn, descending: boolean | null): string {
  const sort = descending === null ? "none" : descending ? "descending" : "ascending";
  const arrow = descending === null ? "" : descending ? "▼" : "▲";
  const align = column.code ? "left" : "right";
  const title = column.title ? ` title="${escapeHtml(column.title)}"` : "";
  return (
    `<th scope="col" tabindex="0" aria-sort="${sort}" data-type="${column.numeric ? "number" : "text"}"${title}` +
    ` style="${CELL};text-align:${align};cursor:pointer;user-select:none;white-space:nowrap;border-bottom:1px solid currentColor">` +
    `${escapeHtml(column.label)}<span class="tsprof-arrow" aria-hidden="true" ` +
    `style="display:inline-block;width:1em">${arrow}</span></th>`
  );
}

function bodyCell(cell: TableCell, column: TableColumn): string {
  const styles = [
    CELL,
    column.code ? `text-align:left;white-space:pre;${MONO}` : `text-align:right;white-space:nowrap;${MONO}`,
  ];
  if (cell.heat !== undefined && cell.heat > 0) styles.push(`background:${heatColor(cell.heat)}`);
  if (cell.tone) styles.push(`background:${toneColor(cell.tone)}`);
  const key = cell.sortKey === undefined ? "" : ` data-sort="${escapeHtml(sortKeyText(cell.sortKey))}"`;
  const title = cell.title ? ` title="${escapeHtml(cell.title)}"` : "";
  return `<td${key}${title} style="${styles.join(";")}">${escapeHtml(cell.text)}</td>`;
}

function sortKeyText(key: number | string | null): string {
  return key === null || (typeof key === "number" && Number.isNaN(key)) ? "" : String(key);
}

/** Orange, more opaque for hotter cells; translucent so it reads on light and dark themes. */
export function heatColor(heat: number): string {
  const alpha = 0.12 + 0.6 * Math.min(1, Math.max(0, heat));
  return `rgba(255,112,0,${alpha.toFixed(2)})`;
}

/** Green for a decrease, red for an increase; translucent like the heat shading. */
export function toneColor(tone: number): string {
  const alpha = (0.12 + 0.5 * Math.min(1, Math.abs(tone))).toFixed(2);
  return tone < 0 ? `rgba(47,158,68,${alpha})` : `rgba(224,49,49,${alpha})`;
}

/** Each value's share of the largest one, for `heat`. */
export function heatShares(values: number[]): number[] {
  const max = Math.max(0, ...values);
  return values.map((v) => (max > 0 ? Math.max(0, v) / max : 0));
}

/**
 * Installed once per page (window.__tsprofSort): sorts the clicked header's table. Numbers sort
 * by `data-sort`; cells without a key (unknown values) stay last in either direction.
 */
const SORT_SCRIPT = `(function(){if(window.__tsprofSort)return;window.__tsprofSort=1;
function sort(th){var tr=th.parentNode,table=th.closest("table"),body=table.tBodies[0],col=Array.prototype.indexOf.call(tr.children,th);
var num=th.getAttribute("data-type")==="number",was=th.getAttribute("aria-sort"),desc=was==="ascending"?true:was==="descending"?false:num;
var rows=Array.prototype.slice.call(body.rows);function key(r){var c=r.cells[col];if(!c)return null;var k=c.hasAttribute("data-sort")?c.getAttribute("data-sort"):c.textContent;
if(k==="")return null;if(num){k=parseFloat(k);return isNaN(k)?null:k}return k}
rows.sort(function(a,b){var x=key(a),y=key(b);if(x===null||y===null)return x===y?0:x===null?1:-1;var c=num?x-y:String(x).localeCompare(String(y));return desc?-c:c});
rows.forEach(function(r){body.appendChild(r)});
Array.prototype.forEach.call(tr.children,function(h){h.setAttribute("aria-sort",h===th?(desc?"descending":"ascending"):"none");var a=h.querySelector(".tsprof-arrow");if(a)a.textContent=h===th?(desc?"\\u25BC":"\\u25B2"):""})}
function target(e){var t=e.target;return t&&t.closest?t.closest("table[data-tsprof-sortable]>thead th"):null}
document.addEventListener("click",function(e){var th=target(e);if(th)sort(th)});
document.addEventListener("keydown",function(e){var th=target(e);if(th&&(e.key==="Enter"||e.key===" ")){e.preventDefault();sort(th)}})})();`;

/** Installed once per page, like the sort: shows only the rows whose cell in the menu's column has its value. */
const FILTER_SCRIPT = `(function(){if(window.__tsprofFilter)return;window.__tsprofFilter=1;
document.addEventListener("change",function(e){var s=e.target;if(!s||!s.matches||!s.matches("select[data-tsprof-filter]"))return;
var col=+s.getAttribute("data-tsprof-filter"),v=s.value,t=s.closest(".tsprof-table").querySelector("table[data-tsprof-sortable]");
Array.prototype.forEach.call(t.tBodies[0].rows,function(r){var c=r.cells[col];r.style.display=v===""||(c&&c.textContent===v)?"":"none"})})})();`;

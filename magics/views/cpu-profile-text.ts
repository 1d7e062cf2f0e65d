/** The %prun table as text, laid out exactly as pstats' `print_stats` (IPython's %prun output). */
import type { CpuProfileResult, FunctionStats } from "../model/profile";
import { functionDescription, orderRows, type ProfileOrder } from "./profile-order";
import { formatF } from "./pyformat";

const HEADER = "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)";
/** Functions without exact call counts (Node.js internals, libraries, runtime frames). */
export const UNCOUNTED = "-";
export const UNCOUNTED_NOTE = `${UNCOUNTED}: calls not counted (Node.js internals, libraries and the runtime are timed only)`;

/** pstats' first line: `N function calls (M primitive calls) in T seconds`. */
export function profileSummary(result: CpuProfileResult): string {
  const { table } = result;
  const primitive = table.primitiveCalls !== table.totalCalls ? ` (${table.primitiveCalls} primitive calls)` : "";
  return `${table.totalCalls} function calls${primitive} in ${table.totalTime.toFixed(3)} seconds`;
}

export function cpuProfileText(result: CpuProfileResult, order: ProfileOrder): string {
  const lines = [`         ${profileSummary(result)}`, ""];
  const ordered = orderRows(result.table, order);
  if (ordered.rows.length > 0) {
    lines.push(`   Ordered by: ${ordered.orderedBy}`, ...ordered.notes.map((note) => `   ${note}`), "", HEADER);
    for (const row of ordered.rows) lines.push(rowText(row));
    if (ordered.rows.some((row) => row.ncalls === null)) {
      lines.push("", `   ${UNCOUNTED_NOTE}`);
    }
  }
  return lines.join("\n").trimEnd();
}

/** cProfile's `print_line`: ncalls as "total/primitive" when they differ; per-call blanks when no calls. */
function rowText(row: FunctionStats): string {
  const { ncalls, tottime, cumtime } = row;
  const primitive = row.primitiveCalls ?? ncalls;
  const count = ncalls === null ? UNCOUNTED : ncalls !== primitive ? `${ncalls}/${primitive}` : String(ncalls);
  const perCall = (time: number, n: number | null) => (n ? f8(time / n) : " ".repeat(8));
  return [count.padStart(9), f8(tottime), perCall(tottime, ncalls), f8(cumtime), perCall(cumtime, primitive), functionDescription(row)].join(" ");
}

function f8(x: number): string {
  return formatF(x, 8, 3);
}

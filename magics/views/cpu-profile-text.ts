/** The %prun table as text, laid out exactly as pstats' `print_stats` (IPython's %prun output). */
import type { CpuProfileResult, FunctionStats } from "../model/profile";
import { functionDescription, orderRows, type ProfileOrder } from "./profile-order";
import { formatF } from "./pyformat";

const HEADER = "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)";
/** Functions without exact call counts (Node.js internals, libraries, runtime frames). */
export const UNCOUNTED = "-";
export const UNCOUNTED_NOTE = `${UNCOUNTED}: calls not counted (Node.js internals, libraries and the runtime are timed only)`;

/**
 * pstats' first line, `N function calls in T seconds`. Without its `(M primitive calls)`: the
 * counters count calls, not whether a call was recursive.
 */
export function profileSummary(result: CpuProfileResult): string {
  const { table } = result;
  return `${table.totalCalls} function calls in ${table.totalTime.toFixed(3)} seconds`;
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

/** cProfile's `print_line`, with both per-call columns over ncalls; per-call blanks when no calls. */
function rowText(row: FunctionStats): string {
  const { ncalls, tottime, cumtime } = row;
  const count = ncalls === null ? UNCOUNTED : String(ncalls);
  const perCall = (time: number) => (ncalls ? f8(time / ncalls) : " ".repeat(8));
  return [count.padStart(9), f8(tottime), perCall(tottime), f8(cumtime), perCall(cumtime), functionDescription(row)].join(" ");
}

function f8(x: number): string {
  return formatF(x, 8, 3);
}

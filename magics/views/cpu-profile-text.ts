/** The %prun table as text, laid out exactly as pstats' `print_stats` (IPython's %prun output). */
import type { CpuProfileResult, FunctionStats, ThreadProfile } from "../model/profile";
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
  const lines = [`         ${profileSummary(result)}`];
  const several = result.threads.length > 1;
  if (several) lines.push(`         ${threadsSummary(result)}`);
  lines.push("");
  let uncounted = false;
  for (const thread of result.threads) {
    if (several) lines.push(`Thread: ${threadHeading(thread)}`);
    const ordered = orderRows(thread.table, order);
    if (ordered.rows.length > 0) {
      lines.push(`   Ordered by: ${ordered.orderedBy}`, ...ordered.notes.map((note) => `   ${note}`), "", HEADER);
      for (const row of ordered.rows) lines.push(rowText(row));
      uncounted ||= ordered.rows.some((row) => row.ncalls === null);
    }
    if (several) lines.push("");
  }
  if (uncounted) lines.push(...(several ? [] : [""]), `   ${UNCOUNTED_NOTE}`);
  return lines.join("\n").trimEnd();
}

/** The summary's second line when workers ran: the wall time and each thread's CPU time. */
export function threadsSummary(result: CpuProfileResult): string {
  const cpu = result.threads.map((t) => `${t.label} ${t.cpuTime === null ? "unknown" : `${t.cpuTime.toFixed(3)} s`}`);
  return `wall time ${result.table.totalTime.toFixed(3)} s; CPU time per thread: ${cpu.join(", ")}`;
}

/** Below this share of its profiled time on a CPU, a thread is reported as waiting. */
const WAITING_SHARE = 0.1;

/** `worker 1 (eval) — <cpu> s CPU in <profiled> s profiled, ended during the statement`. */
export function threadHeading(thread: ThreadProfile): string {
  if (thread.status === "unanswered") return `${thread.label} — did not answer within the deadline (blocked outside JavaScript?), no profile`;
  const profiled = thread.end - thread.start;
  const cpu = thread.cpuTime === null ? "CPU time unknown" : `${thread.cpuTime.toFixed(3)} s CPU`;
  const notes = [`${cpu} in ${profiled.toFixed(3)} s profiled`];
  if (thread.cpuTime !== null && profiled > 0 && thread.cpuTime < WAITING_SHARE * profiled) {
    notes.push(`waiting (on a CPU ${((100 * thread.cpuTime) / profiled).toFixed(0)}% of the time: blocked, e.g. in Atomics.wait, or idle; its samples show where it waited)`);
  }
  if (thread.status === "ended") notes.push("ended during the statement");
  if (thread.status === "terminated") notes.push("terminated during the statement");
  return `${thread.label} — ${notes.join(", ")}`;
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

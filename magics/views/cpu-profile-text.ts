/** The %prun table as text, laid out exactly as pstats' `print_stats` (IPython's %prun output). */
import type { CpuProfileResult, FunctionStats, ThreadProfile } from "../model/profile";
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

/** The summary's second line when workers ran: the wall time, each thread's CPU time and the sampling intervals. */
export function threadsSummary(result: CpuProfileResult): string {
  const cpu = result.threads.map((t) => `${t.label} ${t.cpuTime === null ? "unknown" : `${t.cpuTime.toFixed(3)} s`}`);
  return `wall time ${result.table.totalTime.toFixed(3)} s; CPU time per thread: ${cpu.join(", ")}; ${samplingText(result.threads)}`;
}

/** "sampled every 1 ms", or "sampled every 100 µs (main), 1 ms (workers)". */
function samplingText(threads: ThreadProfile[]): string {
  const [main, ...workers] = threads;
  const every = (seconds: number) => (seconds < 1e-3 ? `${Math.round(seconds * 1e6)} µs` : `${+(seconds * 1e3).toFixed(3)} ms`);
  if (workers.every((w) => w.sampleInterval === main.sampleInterval)) return `sampled every ${every(main.sampleInterval)}`;
  const workerIntervals = [...new Set(workers.map((w) => every(w.sampleInterval)))].join(" or ");
  return `sampled every ${every(main.sampleInterval)} (main), ${workerIntervals} (workers)`;
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

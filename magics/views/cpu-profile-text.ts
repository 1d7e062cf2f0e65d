/** The %prun table as text, laid out exactly as pstats' `print_stats` (IPython's %prun output). */
import type {
  AsyncProfile,
  CallTreeNode,
  CpuProfileResult,
  EventLoopReport,
  FunctionStats,
  ThreadProfile,
} from "../model/profile";
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
  const seconds = `in ${table.totalTime.toFixed(3)} seconds`;
  // Library and Node.js functions are timed by the sampler only: a total would leave their calls out without a word.
  const uncountedCode = result.threads.some((t) =>
    t.table.rows.some((r) => r.ncalls === null && (r.fn.category === "library" || r.fn.category === "node")),
  );
  if (!uncountedCode) return `${table.totalCalls} function calls ${seconds}`;
  return `${table.totalCalls} calls counted (cell and local-module functions) ${seconds}; library calls are timed, not counted`;
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
  const notes = profileNotes(result);
  if (notes.length) lines.push("", ...notes.map((note) => `   ${note}`));
  return [lines.join("\n").trimEnd(), ...asyncSections(result)].join("\n\n");
}

/** What the rows leave out, and why: time no row shows, functions V8 inlined into their callers. */
export function profileNotes(result: CpuProfileResult): string[] {
  const notes = result.threads.flatMap((t) =>
    t.unattributed
      .filter((u) => u.seconds >= 0.0005)
      .map(
        (u) => `${u.seconds.toFixed(3)} s${result.threads.length > 1 ? ` on ${t.label}` : ""} not shown: ${u.reason}.`,
      ),
  );
  if (result.inlined) {
    const names = result.inlined.map((r) => `${functionDescription(r)} (${r.ncalls} calls)`).join(", ");
    notes.push(
      `never sampled though called often, so most likely inlined by V8 into their callers, whose tottime holds their time (V8's profiler does not expand inlined frames; %lprun -f shows their lines): ${names}.`,
    );
  }
  return notes;
}

/** The async view and the event loop's report, as text sections. */
export function asyncSections(result: CpuProfileResult): string[] {
  const sections: string[] = [];
  if (result.async) sections.push(asyncTreeText(result.async));
  if (result.eventLoop) sections.push(eventLoopText(result.eventLoop));
  return sections;
}

/**
 * Nodes under this share of the wall time are left out of the async tree's text (their time stays
 * in their parent's).
 */
const MIN_ASYNC_SHARE = 0.01;
/** Lines of the async tree's text at most (the chart and -r have the whole tree). */
const MAX_ASYNC_LINES = 60;

export function asyncTreeText(view: AsyncProfile): string {
  const total = view.tree.totalTime;
  const lines: string[] = [];
  const shown = (node: CallTreeNode) =>
    node.children.filter((c) => c.totalTime >= MIN_ASYNC_SHARE * total).sort((a, b) => b.totalTime - a.totalTime);
  const line = (node: CallTreeNode, depth: number, prefix = "") => {
    const share = total > 0 ? (100 * node.totalTime) / total : 0;
    const calls = node.calls && node.calls > 1 ? ` ×${node.calls}` : "";
    lines.push(
      `${node.totalTime.toFixed(3).padStart(9)} ${share.toFixed(1).padStart(6)}  ${"  ".repeat(depth)}${prefix}${functionDescription(node)}${calls}`,
    );
  };
  const visit = (node: CallTreeNode, depth: number) => {
    for (const child of shown(node)) {
      line(child, depth);
      const { end, hidden } = externalRun(child, shown);
      if (end !== child)
        line(end, depth + 1, `… ${hidden} frame${hidden === 1 ? "" : "s"} of libraries and Node.js … `);
      visit(end, depth + (end === child ? 1 : 2));
    }
  };
  visit(view.tree, 0);
  const cut =
    lines.length > MAX_ASYNC_LINES
      ? [`  … ${lines.length - MAX_ASYNC_LINES} more lines (the chart and -r have the whole tree)`]
      : [];
  const untracked =
    view.untracked > 0
      ? [
          `  ${view.untracked} awaits past the tracker's limit were not tracked (it keeps a bounded number of stacks): time waiting at them counts as idle below`,
        ]
      : [];
  return [
    "Async call tree: wall-clock time across awaits, each await's time charged to the function that awaited (awaiting f: waiting there on the promise of f, the function it called)",
    "",
    "  seconds      %  function",
    ...lines.slice(0, MAX_ASYNC_LINES),
    ...cut,
    "",
    ...untracked,
    `  ${view.awaits} awaits; awaiting ${view.awaiting.toFixed(3)} s, computing ${view.computing.toFixed(3)} s, idle with nothing of the statement's pending ${view.idle.toFixed(3)} s`,
  ].join("\n");
}

/**
 * Library and Node.js frames, and native functions such as `Promise` (not V8's own pseudo-frames
 * like `(garbage collector)`).
 */
function isExternal(node: CallTreeNode): boolean {
  const { category, name } = node.fn;
  return category === "library" || category === "node" || (category === "runtime" && !name.startsWith("("));
}

/**
 * Where a run of library, Node.js and native frames with one child each ends, and how many
 * frames lie between (pyinstrument hides library frames the same way): a library's internals,
 * a dozen frames deep, say little of where the user's time went. A run with none between is
 * not one.
 */
function externalRun(
  from: CallTreeNode,
  shown: (node: CallTreeNode) => CallTreeNode[],
): { end: CallTreeNode; hidden: number } {
  let end = from;
  let steps = 0;
  while (isExternal(end)) {
    const next = shown(end);
    if (next.length !== 1 || !isExternal(next[0])) break;
    end = next[0];
    steps++;
  }
  return steps < 2 ? { end: from, hidden: 0 } : { end, hidden: steps - 1 };
}

export function eventLoopText(report: EventLoopReport): string {
  const ms = (seconds: number) => `${(seconds * 1000).toFixed(0)} ms`;
  if (report.stretches.length === 0)
    return `Event loop: never busy without a pause for longer than ${ms(report.threshold)}.`;
  const lines = [
    `Event loop blocked: stretches longer than ${ms(report.threshold)} without a pause (the loop could serve nothing else), longest first`,
  ];
  for (const stretch of report.stretches) {
    lines.push(`  ${ms(stretch.duration)} from ${stretch.start.toFixed(3)} s:`);
    for (const f of stretch.functions)
      lines.push(`    ${f.seconds.toFixed(3).padStart(7)} s  ${functionDescription(f)}`);
  }
  return lines.join("\n");
}

/** The summary's second line when workers ran: the wall time, each thread's CPU time and the sampling intervals. */
export function threadsSummary(result: CpuProfileResult): string {
  const cpu = result.threads.map((t) => `${t.label} ${t.cpuTime === null ? "unknown" : `${t.cpuTime.toFixed(3)} s`}`);
  return `wall time ${result.table.totalTime.toFixed(3)} s; CPU time per thread: ${cpu.join(", ")}; ${samplingText(result.threads)}`;
}

/** "sampled every 1 ms", or "sampled every 100 µs (main), 1 ms (workers)". */
function samplingText(threads: ThreadProfile[]): string {
  const [main, ...workers] = threads;
  const every = (seconds: number) =>
    seconds < 1e-3 ? `${Math.round(seconds * 1e6)} µs` : `${+(seconds * 1e3).toFixed(3)} ms`;
  if (workers.every((w) => w.sampleInterval === main.sampleInterval))
    return `sampled every ${every(main.sampleInterval)}`;
  const workerIntervals = [...new Set(workers.map((w) => every(w.sampleInterval)))].join(" or ");
  return `sampled every ${every(main.sampleInterval)} (main), ${workerIntervals} (workers)`;
}

/** Below this share of its profiled time on a CPU, a thread is reported as waiting. */
const WAITING_SHARE = 0.1;

/** `worker 1 (eval) — <cpu> s CPU in <profiled> s profiled, ended during the statement`. */
export function threadHeading(thread: ThreadProfile): string {
  if (thread.status === "unanswered")
    return `${thread.label} — did not answer within the deadline (blocked outside JavaScript?), no profile`;
  const profiled = thread.end - thread.start;
  const cpu = thread.cpuTime === null ? "CPU time unknown" : `${thread.cpuTime.toFixed(3)} s CPU`;
  const notes = [`${cpu} in ${profiled.toFixed(3)} s profiled`];
  if (thread.cpuTime !== null && profiled > 0 && thread.cpuTime < WAITING_SHARE * profiled) {
    notes.push(
      `waiting (on a CPU ${((100 * thread.cpuTime) / profiled).toFixed(0)}% of the time: blocked, e.g. in Atomics.wait, or idle; its samples show where it waited)`,
    );
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
  return [
    count.padStart(9),
    f8(tottime),
    perCall(tottime),
    f8(cumtime),
    perCall(cumtime),
    functionDescription(row),
  ].join(" ");
}

function f8(x: number): string {
  return formatF(x, 8, 3);
}

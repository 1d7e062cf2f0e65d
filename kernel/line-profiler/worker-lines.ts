/**
 * %lprun in worker threads, the inspector's side (the counting code is worker-line-hooks.ts): in each
 * worker the statement watches, hands over the counters, edits the counting versions in and the
 * originals back. See docs/how-it-works.md, "Threads".
 */
import { BroadcastChannel } from "node:worker_threads";
import { lineCounters } from "./line-instrument";
import type { LineCounters, WorkerLineCode } from "../../magics/core/context";
import type { FunctionLineProfile } from "../../magics/model/profile";
import { withinDeadline } from "../../magics/measure/samplers/deadline";
import { buildLineProfile, type FunctionClocks, type LineLayout } from "../../magics/measure/builders/line-profile";
import { measurementsOf, type LateCounters, type SampledCounters } from "./line-sampler";
import type { Reply, SampledWorker, WorkerChannel, WorkerHook } from "../../magics/measure/samplers/worker-sampler";

/** What %lprun learned in one worker. */
export interface WorkerLines {
  channel: WorkerChannel;
  /** Per index into LineProbes.functions: the worker's counters, and what the sampler made of them. */
  counters: Map<number, { counters: LineCounters; sampled: SampledCounters | null }>;
  /** Functions whose copy in the worker runs the counting code. */
  counted: Set<number>;
  /** Functions whose copy V8 would not change, with its status. */
  refused: { functions: number[]; status: string }[];
  /** Scripts whose originals could not be put back. */
  unrestored: number;
  answered: boolean;
}

/** While the statement runs: the scripts edited (to put back), and the scripts seen before the edits. */
type WorkerState = WorkerLines & {
  edits: { scriptId: string; source: string }[];
  scripts: string[] | null;
  adopted?: () => void;
  close?: () => void;
};

/** What a worker's setup calls when its counters came through its event loop. */
const BINDING = "__tsprofLineCounters";

let channels = 0;

export class WorkerLineHook implements WorkerHook, LateCounters {
  private readonly workers = new Map<WorkerChannel, WorkerState>();
  private add: ((counters: { hits: Uint32Array; current: Int32Array }) => SampledCounters) | null = null;

  constructor(private readonly code: WorkerLineCode) {}

  attach(channel: WorkerChannel, waiting: boolean, ready: () => void): void {
    const state: WorkerState = {
      channel,
      counters: new Map(),
      counted: new Set<number>(),
      refused: [],
      unrestored: 0,
      answered: false,
      edits: [],
      scripts: waiting ? null : [],
    };
    this.workers.set(channel, state);
    this.setUp(state, waiting, () => {
      if (!state.answered) return ready();
      channel.post("Debugger.enable", {}, () => {
        if (!waiting) {
          // The scripts it has run: their events came before this reply.
          const scripts = state.scripts ?? [];
          state.scripts = null;
          return this.editAll(state, scripts, ready);
        }
        // Set now, not before: a script of tsprof's own run in the worker would pause at them.
        channel.post("Debugger.setInstrumentationBreakpoint", { instrumentation: "beforeScriptExecution" });
        for (const url of this.code.files)
          channel.post("Debugger.setBreakpointByUrl", {
            urlRegex: fileUrlPattern(url),
            lineNumber: 0,
            columnNumber: 0,
          });
        ready();
      });
    });
  }

  private editAll(state: WorkerState, scripts: string[], done: () => void): void {
    let left = scripts.length;
    if (left === 0) return done();
    for (const scriptId of scripts) this.edit(state, scriptId, false, () => --left === 0 && done());
  }

  event(channel: WorkerChannel, message: { method?: string; params?: any }): void {
    const state = this.workers.get(channel);
    if (!state) return;
    if (message.method === "Debugger.scriptParsed" && isUserScript(message.params.url))
      state.scripts?.push(message.params.scriptId);
    if (message.method === "Debugger.scriptParsed") return;
    if (message.method === "Runtime.bindingCalled" && message.params.name === BINDING) return state.adopted?.();
    if (message.method !== "Debugger.paused") return;
    const { reason, data, callFrames } = message.params;
    const scriptId = reason === "instrumentation" ? data?.scriptId : callFrames?.[0]?.location?.scriptId;
    const resume = () => channel.post("Debugger.resume");
    if (!isUserScript(data?.url ?? "")) return resume();
    // At a breakpoint by URL the file's top level has just started: its frame restarts with the new code.
    if (typeof scriptId === "string") this.edit(state, scriptId, reason !== "instrumentation", resume);
    else resume();
  }

  /**
   * The worker opens a channel, the main thread posts the worker's counters on it, the worker
   * takes them. In a new worker this ends before the counting code can run: that needs an edit,
   * which the main thread makes after this (a running worker), or when the worker pauses, which
   * comes to the main thread after the worker's first answer.
   */
  private setUp(state: WorkerState, waiting: boolean, done: () => void): void {
    const name = `tsprof:lines:${process.pid}:${++channels}`;
    const outbox = new BroadcastChannel(name);
    const counters = this.code.functions.map(({ index, probes }): [number, LineCounters] => [
      index,
      lineCounters(probes),
    ]);
    let settled = false;
    const settle = () => {
      if (!settled) done();
      settled = true;
    };
    state.close = () => outbox.close();
    state.adopted = () => {
      if (state.answered) return;
      state.answered = true;
      outbox.close();
      for (const [index, c] of counters) state.counters.set(index, { counters: c, sampled: this.add?.(c) ?? null });
      settle();
    };
    const { channel } = state;
    channel.post("Runtime.addBinding", { name: BINDING });
    channel.post("Runtime.evaluate", { expression: this.code.openScript(name, BINDING) }, () => {
      outbox.postMessage(counters);
      channel.post("Runtime.evaluate", { expression: this.code.adoptScript(), returnByValue: true }, (reply) => {
        if (reply.result?.result?.value === true) return state.adopted!();
        // Else they come through its event loop (the binding's call), which a worker waiting for
        // its debugger does not run before its first line: it is let run without them.
        if (waiting) settle();
      });
    });
  }

  /** Replaces a script by its counting version if it has a copy of a profiled function; `done` when settled. */
  private edit(state: WorkerState, scriptId: string, topFrame: boolean, done: () => void): void {
    state.channel.post("Debugger.getScriptSource", { scriptId }, (reply) => {
      const source = reply.result?.scriptSource;
      const made = typeof source === "string" ? this.code.instrument(source) : null;
      if (!made) return done();
      state.channel.post(
        "Debugger.setScriptSource",
        { scriptId, scriptSource: made.text, allowTopFrameEditing: topFrame },
        (edited) => {
          const status = editStatus(edited);
          if (status === "Ok") {
            state.edits.push({ scriptId, source: source as string });
            for (const index of made.functions) state.counted.add(index);
          } else {
            state.refused.push({ functions: made.functions, status });
          }
          done();
        },
      );
    });
  }

  async end(running: WorkerChannel[], deadlineMs: number): Promise<void> {
    for (const state of this.workers.values()) state.close?.();
    const undo = running.flatMap((channel) => {
      const state = this.workers.get(channel);
      return state ? [this.undo(state)] : [];
    });
    await withinDeadline(Promise.all(undo), deadlineMs);
  }

  private async undo(state: WorkerState): Promise<void> {
    const back = await Promise.all(
      state.edits
        .splice(0)
        .map(({ scriptId, source }) =>
          state.channel.send("Debugger.setScriptSource", { scriptId, scriptSource: source }),
        ),
    );
    state.unrestored = back.filter((reply) => editStatus(reply) !== "Ok").length;
    // Disabling the debugger drops the breakpoints and lets a paused worker go on.
    await state.channel.send("Debugger.disable");
    // The next statement adds it again: an existing binding would not be put back on the global.
    state.channel.post("Runtime.removeBinding", { name: BINDING });
    if (state.unrestored === 0)
      await state.channel.send("Runtime.evaluate", { expression: this.code.teardownScript() });
  }

  connect(add: (counters: { hits: Uint32Array; current: Int32Array }) => SampledCounters): void {
    this.add = add;
    for (const state of this.workers.values())
      for (const entry of state.counters.values()) entry.sampled ??= add(entry.counters);
  }

  disconnect(): void {
    this.add = null;
  }

  results(): WorkerLines[] {
    return [...this.workers.values()];
  }
}

function editStatus(reply: Reply): string {
  if (reply.error) return reply.error.message;
  return reply.result?.status ?? "Ok";
}

/** Scripts a worker's user code runs: not Node's own, nor tsprof's probes. */
function isUserScript(url: string): boolean {
  return !url.startsWith("node:") && !url.startsWith("tsprof:");
}

/** A file's URL as the main thread names it (a path or a file: URL), matching either form in a worker. */
function fileUrlPattern(url: string): string {
  const file = url.startsWith("file://") ? decodeURIComponent(url.slice("file://".length)) : url;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return `^(file://)?${escaped}$`;
}

/**
 * The tables of the functions' copies that ran in workers, one per worker and function, headed by
 * the worker's label, and a note for every worker where a copy could not be counted or was not
 * found. `functions` are the main thread's: a copy has the same lines and probes.
 */
export function workerLineTables(
  functions: (LineLayout & FunctionClocks)[],
  workers: WorkerLines[],
  seen: SampledWorker[],
  statement: string,
  options: { timerUnit: number; clockLines: boolean },
): { tables: FunctionLineProfile[]; notes: string[] } {
  const tables: FunctionLineProfile[] = [];
  const notes: string[] = [];
  const name = (index: number) => functions[index].ref.name;
  for (const worker of workers) {
    const label = worker.channel.label;
    for (const index of worker.counted) {
      const entry = worker.counters.get(index);
      if (!entry || entry.counters.hits.every((n) => n === 0)) continue;
      const measured = entry.sampled
        ? measurementsOf(entry.sampled)
        : { hits: Array.from(entry.counters.hits), times: Array.from(entry.counters.hits, () => 0) };
      const [table] = buildLineProfile(
        [{ ...functions[index], clock: entry.counters.clock, lineClock: entry.counters.lineClock }],
        [measured],
        statement,
        options,
      ).functions;
      tables.push({ ...table, thread: label });
    }
    for (const { functions: refused, status } of worker.refused)
      notes.push(
        `In ${label}, %lprun could not count ${refused.map(name).join(", ")}: V8 would not change ` +
          `its code there (${status}: a call of it was running, or suspended). Run %lprun when the ` +
          `worker is between calls.`,
      );
    if (worker.unrestored > 0)
      notes.push(
        `In ${label}, the counting code could not all be put back (a call of it is running); it ` +
          `keeps counting into arrays nobody reads until the worker ends.`,
      );
  }
  notes.push(
    ...missedNotes(
      seen,
      workers,
      functions.map((f) => f.ref.name),
    ),
  );
  return { tables, notes };
}

/**
 * Workers that ran with no copy of the functions %lprun could count: say so rather than let the
 * tables look complete.
 */
function missedNotes(seen: SampledWorker[], workers: WorkerLines[], names: string[]): string[] {
  const lines = (w: SampledWorker) => workers.find((x) => x.channel.threadId === w.threadId);
  const labels = (list: SampledWorker[]) => list.map((w) => w.label).join(", ");
  const unanswered = seen.filter((w) => !lines(w)?.answered);
  const without = seen.filter((w) => {
    const found = lines(w);
    return found?.answered && found.counted.size === 0 && found.refused.length === 0;
  });
  const notes: string[] = [];
  if (without.length > 0) {
    notes.push(
      `Worker threads ran during the statement with no copy of ${names.join(", ")} in them ` +
        `(${labels(without)}): calls they made are not in these tables. ` +
        "%lprun counts a worker's copy of a function when its source text is the same (a file both " +
        "threads load, or a string the worker runs with eval: true); %prun shows what each thread did.",
    );
  }
  if (unanswered.length > 0)
    notes.push(
      `${labels(unanswered)} did not answer within the deadline (busy outside JavaScript?): %lprun ` +
        `could not count lines there.`,
    );
  return notes;
}

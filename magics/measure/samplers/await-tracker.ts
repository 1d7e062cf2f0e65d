/**
 * Which async function awaited what, and when: V8's promise hooks, on only while a statement runs, and
 * one stack capture per await, on the CPU profile's clock so that awaits and samples line up.
 * See docs/how-it-works.md, "Async attribution".
 */
import { promiseHooks } from "node:v8";
import type { V8Frame } from "../../core/context";

/** One await the statement's code went through, or one `.then()` it called. */
export interface AwaitRecord {
  /**
   * "await": the function on top waited here. "then": it called `.then()` (a promise callback;
   * code compiled to generators awaits this way) and went on, so the wait is not its own, but
   * the callback's code, when it runs, was called from here.
   */
  kind: "await" | "then";
  /**
   * The await or `.then()` whose continuation was running when this one was made (null: the
   * statement's first, synchronous part).
   */
  within: AwaitRecord | null;
  /**
   * The stack at the await, the awaiting function first, then its callers and the async functions
   * awaiting it (1-based positions of the functions' starts, as the CPU profile's frames).
   */
  frames: V8Frame[];
  /**
   * The line each of those frames was at (the await, or the call): which awaits wait on which.
   * A line, not a column: an async function's caller that awaits it is at the line of the call
   * until the callee first awaits, and at the await's own position after.
   */
  sites: string[];
  /** When it awaited and when it resumed (microseconds, the profile's clock); a pending await has no end. */
  start: number;
  end: number | null;
  /** When its continuation gave the thread back (the promise's `after` hook). */
  resumedUntil: number | null;
}

interface CallSite {
  isAsync(): boolean;
  isNative(): boolean;
  getFunctionName(): string | null;
  getScriptNameOrSourceURL(): string | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getEnclosingLineNumber(): number | null;
  getEnclosingColumnNumber(): number | null;
}

/** Frames an await's stack keeps: enough for notebook code's depth, the deeper callers are the kernel's. */
const STACK_LIMIT = 64;
/** Awaits whose stacks are kept: each holds its stack until the statement ends. */
export const MAX_AWAITS = 100_000;

export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** An await as the hook saw it: its stack captured, not yet read (V8 turns it into call sites only when asked). */
interface RawAwait {
  holder: { stack?: unknown };
  within: RawAwait | null;
  start: number;
  end: number | null;
  resumedUntil: number | null;
}

/** What trackAwaits saw: the awaits, in the order they started, and how many more went by untracked. */
export interface TrackedAwaits {
  awaits: AwaitRecord[];
  untracked: number;
}

/**
 * Runs `execute` with the hooks on; fills `into` once it has ended. The hook only captures the
 * stack (V8 keeps its frames, async ones included); reading it, the costly part, waits until the
 * statement is over.
 */
export async function trackAwaits<T>(execute: () => Promise<T>, into: TrackedAwaits): Promise<T> {
  const raw: RawAwait[] = [];
  const byPromise = new WeakMap<object, RawAwait>();
  let running: RawAwait | null = null;
  const stop = promiseHooks.createHook({
    init(promise, parent) {
      if (parent === undefined) return;
      if (raw.length >= MAX_AWAITS) {
        into.untracked++;
        return;
      }
      const record: RawAwait = {
        holder: captureStack(STACK_LIMIT),
        within: running,
        start: nowMicros(),
        end: null,
        resumedUntil: null,
      };
      raw.push(record);
      byPromise.set(promise, record);
    },
    before(promise) {
      const record = byPromise.get(promise);
      if (!record) return;
      record.end = nowMicros();
      running = record;
    },
    after(promise) {
      const record = byPromise.get(promise);
      if (!record) return;
      record.resumedUntil = nowMicros();
      running = null;
    },
  });
  try {
    return await execute();
  } finally {
    stop();
    for (const record of readAwaits(raw)) into.awaits.push(record);
  }
}

function captureStack(limit: number): { stack?: unknown } {
  const { stackTraceLimit } = Error;
  Error.stackTraceLimit = limit;
  const holder = {};
  // Leaves out this function and the hook that called it: the stack starts at the awaiting function.
  Error.captureStackTrace(holder, captureStack);
  Error.stackTraceLimit = stackTraceLimit;
  return holder;
}

/**
 * The awaits' stacks as call sites. A `.then()` has V8's `then` on top (no script): the record
 * starts at its caller. Records of nothing but native code are left out.
 */
function readAwaits(raw: RawAwait[]): AwaitRecord[] {
  const { prepareStackTrace } = Error;
  Error.prepareStackTrace = (_, sites) => sites;
  try {
    const read = new Map<RawAwait, AwaitRecord>();
    for (const r of raw) {
      const sites = withoutHookFrames((r.holder.stack as CallSite[] | undefined) ?? []);
      const kind = sites.length > 0 && !sites[0].getScriptNameOrSourceURL() ? "then" : "await";
      const stack = kind === "then" ? sites.slice(1) : sites;
      if (stack.length === 0 || !stack[0].getScriptNameOrSourceURL()) continue;
      const within = r.within ? (read.get(r.within) ?? null) : null;
      const lines = stack.map((s) => `${s.getScriptNameOrSourceURL()}:${s.getLineNumber()}`);
      read.set(r, {
        kind,
        within,
        frames: stack.map(frameOf),
        sites: lines,
        start: r.start,
        end: r.end,
        resumedUntil: r.resumedUntil,
      });
    }
    return [...read.values()];
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
  }
}

/** Node's dispatch to promise hooks when several are on (async_hooks, AsyncLocalStorage, node:test's). */
const HOOK_DISPATCH = new Set(["node:internal/promise_hooks", "node:internal/async_hooks"]);

/** The stack below the hook: its own frame, and Node's dispatch to it. */
function withoutHookFrames(sites: CallSite[]): CallSite[] {
  let first = 1;
  while (first < sites.length && HOOK_DISPATCH.has(sites[first].getScriptNameOrSourceURL() ?? "")) first++;
  return sites.slice(first);
}

function frameOf(site: CallSite): V8Frame {
  return {
    url: site.getScriptNameOrSourceURL() ?? "",
    functionName: site.getFunctionName() ?? "",
    lineNumber: site.getEnclosingLineNumber() ?? site.getLineNumber() ?? 0,
    columnNumber: site.getEnclosingColumnNumber() ?? site.getColumnNumber() ?? 0,
  };
}

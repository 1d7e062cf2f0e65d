/**
 * Which async function awaited what, and when: V8's promise hooks (node:v8 promiseHooks), on
 * only while a statement runs. An `await` makes a promise whose parent is the promise awaited; at that moment the awaiting function is on top of the stack, and V8's async stack
 * traces name the async functions that await it in turn, so one stack capture per await gives
 * the whole async call chain. The promise's `before` hook says when the function resumed. A
 * promise made without a parent (`new Promise`, a resolved value) costs one hook call and no
 * capture; so does a `.then()`, whose caller does not wait.
 *
 * Times are on the CPU profile's clock (microseconds of the monotonic clock, as
 * process.hrtime), so awaits and samples line up.
 */
import { promiseHooks } from "node:v8";
import type { V8Frame } from "../../core/context";

/** One await the statement's code went through. */
export interface AwaitRecord {
  /** The stack at the await, the awaiting function first, then its callers and the async functions awaiting it (1-based positions of the functions' starts, as the CPU profile's frames). */
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

export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Runs `execute` with the hooks on, adding the awaits it goes through to `into`, in the order they start. */
export async function trackAwaits<T>(execute: () => Promise<T>, into: AwaitRecord[]): Promise<T> {
  const byPromise = new WeakMap<object, AwaitRecord>();
  const stop = promiseHooks.createHook({
    init(promise, parent) {
      if (parent === undefined) return;
      const record = awaitAt(captureSites(STACK_LIMIT));
      if (!record) return;
      into.push(record);
      byPromise.set(promise, record);
    },
    before(promise) {
      const record = byPromise.get(promise);
      if (record) record.end = nowMicros();
    },
    after(promise) {
      const record = byPromise.get(promise);
      if (record) record.resumedUntil = nowMicros();
    },
  });
  try {
    return await execute();
  } finally {
    stop();
  }
}

/** The stack V8 would print here, as call sites (its own frames and the hook's left out). */
function captureSites(limit: number): CallSite[] {
  const { prepareStackTrace, stackTraceLimit } = Error;
  Error.prepareStackTrace = (_, sites) => sites;
  Error.stackTraceLimit = limit;
  try {
    const holder: { stack?: CallSite[] } = {};
    Error.captureStackTrace(holder, captureSites);
    return holder.stack ?? [];
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** An await's record, or null for a `.then()` (a native frame on top: its caller goes on without waiting). */
function awaitAt(sites: CallSite[]): AwaitRecord | null {
  // The first site is the hook itself (init, called from V8's await).
  const stack = sites.slice(1);
  if (stack.length === 0 || stack[0].isNative() || !stack[0].getScriptNameOrSourceURL()) return null;
  const frames = stack.map(frameOf);
  return { frames, sites: stack.map((s) => `${s.getScriptNameOrSourceURL()}:${s.getLineNumber()}`), start: nowMicros(), end: null, resumedUntil: null };
}

function frameOf(site: CallSite): V8Frame {
  return {
    url: site.getScriptNameOrSourceURL() ?? "",
    functionName: site.getFunctionName() ?? "",
    lineNumber: site.getEnclosingLineNumber() ?? site.getLineNumber() ?? 0,
    columnNumber: site.getEnclosingColumnNumber() ?? site.getColumnNumber() ?? 0,
  };
}

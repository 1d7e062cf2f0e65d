/**
 * Profiles worker threads with the inspector Node ships: one `node:inspector` Session on the main thread
 * attaches to every worker and drives each worker's own V8 profiler, only while a statement is profiled.
 * See docs/how-it-works.md, "Threads".
 */
import inspector from "node:inspector";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { ThreadEnd } from "../../model/profile";
import type { V8CpuProfile } from "../builders/cpu-profile";
import { withinDeadline } from "./deadline";
import { THREAD_SCHEDSTAT } from "./thread-cpu";
import { PROBE_URL } from "../builders/worker-frames";

/** How long running workers have to start their profilers before the statement runs anyway. */
const START_DEADLINE_MS = 1000;
/** How long the workers have, together, to send their profiles once the statement has ended. */
const STOP_DEADLINE_MS = 2000;

const TITLE = "tsprof";
const BINDING = "__tsprofThreadReport";
const FINISH = `Symbol.for("tsprof.finishThreadProfile")`;

/**
 * Run in a worker: installs the end of its profile (at the worker's exit, or when asked) and
 * starts it; answers the thread's CPU time so far. Errors at the end are swallowed: the client may
 * be gone by the time a worker exits, and a worker must not die of being profiled.
 */
function startScript(profile: boolean): string {
  return `(() => {
  const fs = process.getBuiltinModule && process.getBuiltinModule("node:fs");
  const cpu = () => { try { return Number(fs.readFileSync(${JSON.stringify(THREAD_SCHEDSTAT)}, "latin1").split(" ")[0]) / 1e9; } catch { return null; } };
  const report = globalThis.${BINDING};
  delete globalThis.${BINDING};
  const finish = (how) => {
    process.off("exit", onExit);
    delete globalThis[${FINISH}];
    try { report(JSON.stringify({ how, cpu: cpu() })); } catch {}
    ${profile ? `try { console.profileEnd(${JSON.stringify(TITLE)}); } catch {}` : ""}
  };
  const onExit = () => finish("ended");
  process.once("exit", onExit);
  Object.defineProperty(globalThis, ${FINISH}, { value: finish, configurable: true });
  ${profile ? `console.profile(${JSON.stringify(TITLE)});` : ""}
  return cpu();
})()
//# sourceURL=${PROBE_URL}`;
}
const STOP_SCRIPT = `globalThis[${FINISH}] && globalThis[${FINISH}]("stopped")
//# sourceURL=${PROBE_URL}`;

/** What the inspector says of a worker when it attaches. */
interface WorkerInfo {
  workerId: string;
  title: string;
  url: string;
}

/** What one statement learned of one worker. */
export interface SampledWorker {
  threadId: number;
  /** "worker 1 (name)", "worker 1 (file.js)", "worker 1 (eval)". */
  label: string;
  /** Lines and columns 1-based, as the main thread's profiles have them. */
  profile: V8CpuProfile | null;
  /** CPU seconds the thread used while watched; null when unknown. */
  cpuTime: number | null;
  status: ThreadEnd;
}

export interface WatchOptions {
  /** Sample the workers (%prun) or only read their CPU time (%time). */
  profile: boolean;
  intervalMicros: number;
  /** Folder worker files are named relative to. */
  cwd: string;
  /** More to do in each worker while the statement runs (%lprun's counting code: worker-lines.ts). */
  hook?: WorkerHook;
}

/** One worker's inspector, for a hook. */
export interface WorkerChannel {
  threadId: number;
  label: string;
  send(method: string, params?: object): Promise<Reply>;
  /**
   * As `send`, with a callback: it runs even while the main thread is busy (a promise's reaction
   * would wait for it).
   */
  post(method: string, params?: object, onReply?: (reply: Reply) => void): void;
}

/** What a hook does in the workers a statement watches. */
export interface WorkerHook {
  /**
   * A worker to watch; `waiting` when it has not run its first line yet. `ready` (called once,
   * from a reply's callback: a promise's reaction would wait for a busy main thread) lets a
   * waiting worker run, and the statement starts once every worker is ready (or the start
   * deadline has passed).
   */
  attach(worker: WorkerChannel, waiting: boolean, ready: () => void): void;
  /** An event from the worker's inspector. */
  event(worker: WorkerChannel, message: { method?: string; params?: any }): void;
  /** The statement has ended: undo what was done in the workers still running, within the deadline. */
  end(running: WorkerChannel[], deadlineMs: number): Promise<void>;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** One worker during one statement. */
interface Watched {
  sessionId: string;
  info: WorkerInfo;
  channel: WorkerChannel;
  /** It has answered the probe that starts its watch. */
  probed: boolean;
  started: Deferred;
  finished: Deferred;
  startCpu: number | null;
  endCpu: number | null;
  profile: V8CpuProfile | null;
  status: ThreadEnd | null;
  done: boolean;
}

export type Reply = {
  result?: { result?: { value?: unknown }; exceptionDetails?: unknown } & Record<string, any>;
  error?: { message: string };
};

/** The kernel's one session with its workers. */
class WorkerWatch {
  private readonly session = new inspector.Session();
  private readonly attached = new Map<string, WorkerInfo>();
  private readonly replies = new Map<number, (reply: Reply) => void>();
  private nextId = 1;
  private window: StatementWatch | null = null;
  private connected: Promise<void> | null = null;

  connect(): Promise<void> {
    return (this.connected ??= this.open());
  }

  private async open() {
    this.session.connect();
    this.session.on("NodeWorker.attachedToWorker", ({ params }) =>
      this.onAttached(params.sessionId, params.workerInfo, params.waitingForDebugger),
    );
    this.session.on("NodeWorker.receivedMessageFromWorker", ({ params }) =>
      this.onMessage(params.sessionId, params.message),
    );
    this.session.on("NodeWorker.detachedFromWorker", ({ params }) => this.onDetached(params.sessionId));
    // Reports the workers already running (their attach events come before the reply).
    await this.post("NodeWorker.enable", { waitForDebuggerOnStart: false });
  }

  /** The user's workers running now (attached: the kernel's own are let go). */
  async running(): Promise<number> {
    await this.connect();
    return this.attached.size;
  }

  /** Starts watching every worker running now and every one started until `end`. */
  async begin(options: WatchOptions): Promise<StatementWatch> {
    await this.connect();
    if (this.window) throw new Error("worker threads are already being profiled");
    const window = new StatementWatch(this, options);
    this.window = window;
    await this.post("NodeWorker.enable", { waitForDebuggerOnStart: true });
    for (const [sessionId, info] of this.attached) window.watch(sessionId, info);
    await window.started(START_DEADLINE_MS);
    return window;
  }

  async end(window: StatementWatch): Promise<SampledWorker[]> {
    try {
      await this.post("NodeWorker.enable", { waitForDebuggerOnStart: false });
      return await window.stop(STOP_DEADLINE_MS);
    } finally {
      this.window = null;
    }
  }

  send(sessionId: string, method: string, params: object = {}, onReply?: (reply: Reply) => void): void {
    const id = this.nextId++;
    if (onReply) this.replies.set(id, onReply);
    this.session.post("NodeWorker.sendMessageToWorker", { sessionId, message: JSON.stringify({ id, method, params }) });
  }

  private post(method: string, params: object): Promise<void> {
    return new Promise((resolve, reject) =>
      this.session.post(method, params, (error) => (error ? reject(error) : resolve())),
    );
  }

  private onAttached(sessionId: string, info: WorkerInfo, waiting: boolean) {
    const own = isKernelWorker(info);
    const run = () => waiting && this.send(sessionId, "Runtime.runIfWaitingForDebugger");
    if (!own) this.attached.set(sessionId, info);
    // After the window's messages, which the worker handles first: its profile starts before its first line.
    if (!own && this.window) this.window.watch(sessionId, info, run);
    else run();
    if (own) this.session.post("NodeWorker.detach", { sessionId });
  }

  private onMessage(sessionId: string, text: string) {
    const message = JSON.parse(text);
    if (typeof message.id === "number") {
      const reply = this.replies.get(message.id);
      this.replies.delete(message.id);
      reply?.(message);
      return;
    }
    this.window?.event(sessionId, message);
  }

  private onDetached(sessionId: string) {
    this.attached.delete(sessionId);
    this.window?.gone(sessionId);
  }
}

/** One statement's watch over the workers. */
class StatementWatch {
  private readonly watched = new Map<string, Watched>();
  private readonly terminatedEarly = new Set<number>();
  private readonly restoreTerminate: () => void;

  constructor(
    private readonly watch_: WorkerWatch,
    private readonly options: WatchOptions,
  ) {
    this.restoreTerminate = this.wrapTerminate();
  }

  /** `run`, for a worker waiting for the debugger: lets it run, once what must be in place before its first line is. */
  watch(sessionId: string, info: WorkerInfo, run?: () => void) {
    const threadId = Number(info.workerId);
    const channel: WorkerChannel = {
      threadId,
      label: workerLabel(threadId, info, this.options.cwd),
      send: (method, params = {}) => new Promise((resolve) => this.watch_.send(sessionId, method, params, resolve)),
      post: (method, params = {}, onReply) => this.watch_.send(sessionId, method, params, onReply),
    };
    const w: Watched = {
      sessionId,
      info,
      channel,
      probed: false,
      started: deferred(),
      finished: deferred(),
      startCpu: null,
      endCpu: null,
      profile: null,
      status: null,
      done: false,
    };
    this.watched.set(sessionId, w);
    // A reply can come during a send (the session hands over what it has received), so this is set first.
    let hooked = !this.options.hook;
    if (this.options.profile) {
      channel.post("Profiler.enable");
      channel.post("Profiler.setSamplingInterval", { interval: this.options.intervalMicros });
    }
    channel.post("Runtime.addBinding", { name: BINDING });
    channel.post(
      "Runtime.evaluate",
      { expression: startScript(this.options.profile), returnByValue: true },
      (reply) => {
        const value = reply.result?.result?.value;
        w.startCpu = typeof value === "number" ? value : null;
        if (reply.result?.exceptionDetails) this.finish(w, "unanswered");
        w.probed = true;
        if (hooked) w.started.resolve();
      },
    );
    if (!this.options.hook) return run?.();
    // After the probe above: a hook may set breakpoints, which must not pause tsprof's own scripts.
    this.options.hook.attach(channel, run !== undefined, () => {
      hooked = true;
      run?.();
      if (w.probed) w.started.resolve();
    });
  }

  async started(deadlineMs: number): Promise<void> {
    await withinDeadline(Promise.all([...this.watched.values()].map((w) => w.started.promise)), deadlineMs);
  }

  event(sessionId: string, message: { method?: string; params?: any }) {
    const w = this.watched.get(sessionId);
    if (!w) return;
    this.options.hook?.event(w.channel, message);
    if (message.method === "Runtime.bindingCalled" && message.params.name === BINDING) {
      const { how, cpu } = JSON.parse(message.params.payload);
      w.endCpu = typeof cpu === "number" ? cpu : null;
      w.status ??= how;
      if (!this.options.profile) this.finish(w, how);
    } else if (message.method === "Profiler.consoleProfileFinished" && message.params.title === TITLE) {
      w.profile = oneBased(message.params.profile);
      this.finish(w, w.status ?? "stopped");
    }
  }

  gone(sessionId: string) {
    const w = this.watched.get(sessionId);
    if (!w) return;
    // Gone before it answered: it was ending as the statement began (terminated by the cell
    // before, its detach still on the way), or blocked until it ended. Nothing of it was
    // measured, so it is no thread of this statement's.
    if (!w.probed) {
      this.watched.delete(sessionId);
      w.started.resolve();
    }
    this.finish(w, w.status ?? (this.terminatedEarly.has(Number(w.info.workerId)) ? "terminated" : "ended"));
  }

  async stop(deadlineMs: number): Promise<SampledWorker[]> {
    try {
      // The hook first: what it undoes includes breakpoints, at which the stop script would pause.
      await this.options.hook?.end(
        [...this.watched.values()].filter((w) => !w.done).map((w) => w.channel),
        deadlineMs,
      );
      for (const w of this.watched.values())
        if (!w.done) w.channel.post("Runtime.evaluate", { expression: STOP_SCRIPT });
      await withinDeadline(Promise.all([...this.watched.values()].map((w) => w.finished.promise)), deadlineMs);
    } finally {
      this.restoreTerminate();
    }
    // The next statement adds it again: an existing binding would not be put back on the global.
    for (const w of this.watched.values())
      if (w.status !== "ended") w.channel.post("Runtime.removeBinding", { name: BINDING });
    return [...this.watched.values()].map((w) => this.result(w));
  }

  private finish(w: Watched, status: ThreadEnd) {
    if (w.done) return;
    w.done = true;
    w.status = status;
    w.finished.resolve();
  }

  private result(w: Watched): SampledWorker {
    const threadId = Number(w.info.workerId);
    const answered = w.done && w.status !== "unanswered";
    return {
      threadId,
      label: w.channel.label,
      profile: answered ? w.profile : null,
      cpuTime: answered && w.startCpu !== null && w.endCpu !== null ? Math.max(0, w.endCpu - w.startCpu) : null,
      status: answered ? (w.status ?? "stopped") : "unanswered",
    };
  }

  /** While the statement runs, a worker it terminates first sends its profile (see the file's comment). */
  private wrapTerminate(): () => void {
    const original = Worker.prototype.terminate;
    const window = this;
    Worker.prototype.terminate = function terminate(this: Worker, ...args: unknown[]) {
      const w = [...window.watched.values()].find((x) => Number(x.info.workerId) === this.threadId && !x.done);
      if (!w) {
        // Not attached yet (it is still starting): it will be gone before it has a profile.
        window.terminatedEarly.add(this.threadId);
        return (original as Function).apply(this, args);
      }
      w.status = "terminated";
      w.channel.post("Runtime.evaluate", { expression: STOP_SCRIPT });
      return withinDeadline(w.finished.promise, STOP_DEADLINE_MS).then(() => (original as Function).apply(this, args));
    } as typeof original;
    return () => {
      Worker.prototype.terminate = original;
    };
  }
}

/**
 * The kernel's own workers are not the user's threads: they are never profiled, and are let go at
 * once. They are those started from its files (%lprun's and %memit's samplers) and those whose
 * `name` starts with KERNEL_WORKER_PREFIX, for a worker of the kernel's started any other way,
 * and Node's module-hooks thread, where `tsprof prun script` loads the script's ES modules.
 */
const KERNEL_FILES = path.resolve(__dirname, "..", "..", "..");
export const KERNEL_WORKER_PREFIX = "tsprof:";
const NODE_MODULE_HOOKS = "node:internal/modules/esm/worker";

function isKernelWorker(info: WorkerInfo): boolean {
  const fromKernelFile = info.url.startsWith("file:") && fileURLToPath(info.url).startsWith(KERNEL_FILES + path.sep);
  return fromKernelFile || workerName(info).startsWith(KERNEL_WORKER_PREFIX) || info.url === NODE_MODULE_HOOKS;
}

/** The `name` option a worker was given ("" if none): the inspector's title is "[worker N] name". */
function workerName(info: WorkerInfo): string {
  return info.title.replace(/^\[worker \d+\]\s*/, "");
}

/** "worker 1 (name)" from its `name` option, else its file, else "eval" for code given as a string. */
export function workerLabel(threadId: number, info: WorkerInfo, cwd: string): string {
  const name = workerName(info);
  if (name) return `worker ${threadId} (${name})`;
  if (info.url.startsWith("file:")) return `worker ${threadId} (${path.relative(cwd, fileURLToPath(info.url))})`;
  return `worker ${threadId} (${info.url || "eval"})`;
}

/** The protocol's profiles count lines and columns from 0; v8-profiler-next's, which the model reads, from 1. */
function oneBased(profile: V8CpuProfile): V8CpuProfile {
  return {
    ...profile,
    nodes: profile.nodes.map((n) => ({
      ...n,
      callFrame: { ...n.callFrame, lineNumber: n.callFrame.lineNumber + 1, columnNumber: n.callFrame.columnNumber + 1 },
    })),
  };
}

const watch = new WorkerWatch();

/** How many of the user's worker threads are running. */
export function runningWorkers(): Promise<number> {
  return watch.running();
}

/** Watches the workers around `execute`: what it learned of them comes back with its value. */
export async function watchWorkers<T>(
  execute: () => Promise<T>,
  options: WatchOptions,
): Promise<{ value: T; workers: SampledWorker[] }> {
  const window = await watch.begin(options);
  let value: T;
  try {
    value = await execute();
  } catch (e) {
    await watch.end(window);
    throw e;
  }
  return { value, workers: await watch.end(window) };
}

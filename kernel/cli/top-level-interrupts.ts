/**
 * Ctrl-C in an ES module's synchronous top level, which Node evaluates outside any `vm` call (so nothing breaks it on
 * SIGINT): interrupt-thread.ts sees the signal and has the main thread terminate that evaluation, then the main
 * thread's own SIGINT listener ends the run as anywhere else. See docs/how-it-works.md, "Ctrl-C in a script".
 */
import { executionAsyncId } from "node:async_hooks";
import inspector from "node:inspector";
import path from "node:path";
import { Worker } from "node:worker_threads";

export interface InterruptThreadData {
  /** Int32 slots STATE, LISTENING, SEEN and STOP. */
  state: SharedArrayBuffer;
}

/** The slot that says where the main thread is: IDLE, EVALUATING or INTERRUPTED. */
export const STATE = 0;
/** Not evaluating a module: Ctrl-C is the SIGINT listener's alone. */
export const IDLE = 0;
/** In the synchronous evaluation of the script's modules: the thread asks the main thread to end it. */
export const EVALUATING = 1;
/** Ended by Ctrl-C, or the top level is over: no module is counted any more. */
export const INTERRUPTED = 2;

/** The slot the thread sets once it listens for SIGINT (LISTENS), could not (-1), or has stopped (STOPPED). */
export const LISTENING = 1;
export const LISTENS = 1;
export const STOPPED = 2;
/** The slot that counts the SIGINTs the thread saw. */
export const SEEN = 2;
/** The slot the main thread sets (1) when the top level is over: the thread stops listening and ends. */
export const STOP = 3;

const ENTERED_NAME = "__tsprof_entered__";
/** What each of the script's compiled ES modules calls first, on its first line (there, so that no line moves). */
export const ENTERED_CALL = `${ENTERED_NAME}();`;
/** What the thread has the main thread call on Ctrl-C, on top of what it is running. */
export const INTERRUPT_NAME = "__tsprof_interrupt__";

/** In Node since 16, in TypeScript's lib from es2024. */
export interface AtomicsWaitAsync {
  waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<unknown> | string };
}

/** How long dispose() waits for the thread to stop listening: a turn of the thread's idle event loop. */
const STOP_WAIT_MS = 1000;

/** The longest delay a timer takes. */
const FOREVER_MS = 2 ** 31 - 1;

/** Watches an ES-module script's run: from construction, its thread starts; dispose() once the run is over. */
export class TopLevelInterrupts {
  private readonly state = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  private readonly thread: Worker;
  /** Settles if the thread fails or ends. */
  private readonly ended: Promise<void>;
  /** Keeps the event loop alive while a module evaluates: if it is terminated, until the SIGINT listener has run. */
  private hold: NodeJS.Timeout | undefined;
  private session: inspector.Session | undefined;
  private disposed = false;
  /** Whether SIGINT listeners were removed meanwhile, as a `vm` call with breakOnSigint does (see rearmSigint). */
  private listenersRemoved = false;

  constructor() {
    const data: InterruptThreadData = { state: this.state.buffer as SharedArrayBuffer };
    this.thread = new Worker(path.join(__dirname, "interrupt-thread.js"), { workerData: data });
    this.thread.unref();
    // Without the thread, Ctrl-C waits for the top level as it waits for a callback.
    this.ended = new Promise<void>((resolve) => {
      this.thread.once("error", () => resolve());
      this.thread.once("exit", () => resolve());
    });
    for (const [name, value] of [
      [ENTERED_NAME, this.entered],
      [INTERRUPT_NAME, this.interrupt],
    ] as const)
      Object.defineProperty(globalThis, name, { value, configurable: true, enumerable: false });
    process.on("removeListener", this.removed);
  }

  /** Whether the thread listens for SIGINT (or could not): the script must not start before. */
  get ready(): boolean {
    return Atomics.load(this.state, LISTENING) !== 0;
  }

  /** Resolves once `ready`. */
  async whenReady(): Promise<void> {
    if (this.ready) return;
    this.thread.ref();
    const { async, value } = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.state, LISTENING, 0);
    if (async) await Promise.race([value, this.ended]);
    this.thread.unref();
  }

  /** Once the script's top level is over (it has loaded) or the run ended: the thread goes, the call stays, inert. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.state, STATE, INTERRUPTED);
    clearTimeout(this.hold);
    delete (globalThis as any)[INTERRUPT_NAME];
    process.off("removeListener", this.removed);
    this.session?.disconnect();
    // The thread stops listening, then ends, its event loop empty.
    Atomics.store(this.state, STOP, 1);
    Atomics.notify(this.state, STOP);
    if (this.listenersRemoved && Atomics.load(this.state, LISTENING) === LISTENS) {
      Atomics.wait(this.state, LISTENING, LISTENS, STOP_WAIT_MS);
      // Not after a Ctrl-C: it waits in the listener's handle, which re-arming closes, and the run ends with it anyway.
      if (Atomics.load(this.state, LISTENING) === STOPPED && Atomics.load(this.state, SEEN) === 0) rearmSigint();
    }
  }

  private readonly removed = (event: string | symbol) => {
    if (event === "SIGINT") this.listenersRemoved = true;
  };

  /**
   * A module's top level starts. Counted only in a promise job that no async context of Node's is around (Node's loader
   * evaluating modules, not a callback that require()s one): terminating that skips none of Node's cleanup.
   */
  private readonly entered = () => {
    if (executionAsyncId() !== 0 || Atomics.compareExchange(this.state, STATE, IDLE, EVALUATING) !== IDLE) return;
    this.hold = setTimeout(() => {}, FOREVER_MS);
    // The synchronous evaluation is over once this job is: the next promise job says so.
    void Promise.resolve().then(this.left);
  };

  private readonly left = () => {
    // INTERRUPTED: the evaluation was terminated, and `hold` keeps the event loop alive until the SIGINT listener ran.
    if (Atomics.compareExchange(this.state, STATE, EVALUATING, IDLE) === EVALUATING) clearTimeout(this.hold);
  };

  /**
   * Ctrl-C, called by the thread's inspector session on top of whatever the main thread runs: if that is still the
   * evaluation (and no async context was entered since), terminate it, from here, so that nothing else runs first.
   */
  private readonly interrupt = () => {
    if (executionAsyncId() !== 0 || Atomics.compareExchange(this.state, STATE, EVALUATING, INTERRUPTED) !== EVALUATING)
      return;
    this.session = new inspector.Session();
    this.session.connect();
    this.session.post("Runtime.terminateExecution");
  };
}

/**
 * Node's SIGINT handler back, once the thread no longer listens: a `vm` call with breakOnSigint (which sets the SIGINT
 * listeners aside while it runs) while the thread listened left SIGINT to Node's default, as libuv installs its handler
 * for a signal's first watcher only. Done as `vm` does it.
 */
function rearmSigint(): void {
  const listeners = process.rawListeners("SIGINT");
  process.removeAllListeners("SIGINT");
  for (const listener of listeners) process.addListener("SIGINT", listener as (...args: unknown[]) => void);
}

/**
 * The thread that stops an ES module's synchronous top level on Ctrl-C (top-level-interrupts.ts): it sees SIGINT while
 * the main thread is busy, and asks that thread, through the inspector, to end the evaluation there and then.
 * See docs/how-it-works.md, "Ctrl-C in a script".
 */
import inspector from "node:inspector";
import os from "node:os";
import { workerData } from "node:worker_threads";
import {
  EVALUATING,
  INTERRUPT_NAME,
  LISTENING,
  LISTENS,
  SEEN,
  STATE,
  STOP,
  STOPPED,
  type AtomicsWaitAsync,
  type InterruptThreadData,
} from "./top-level-interrupts";

const state = new Int32Array((workerData as InterruptThreadData).state);
// A worker sees SIGINT only through Node's signal binding (process.on is the main thread's); its deprecation warning
// would land on the script's stderr.
(process as { noDeprecation?: boolean }).noDeprecation = true;
const { Signal } = (process as any).binding("signal_wrap");
const signal = new Signal();
let session: inspector.Session | undefined;
signal.onsignal = () => {
  Atomics.add(state, SEEN, 1);
  // Otherwise the main thread's own SIGINT listener has it, once its event loop turns.
  if (Atomics.load(state, STATE) !== EVALUATING) return;
  if (!session) {
    session = new inspector.Session();
    session.connectToMainThread();
  }
  // Runs on the main thread as soon as its JavaScript checks for interrupts, on top of what it is running.
  session.post("Runtime.evaluate", { expression: `globalThis.${INTERRUPT_NAME}?.()`, silent: true });
};
Atomics.store(state, LISTENING, signal.start(os.constants.signals.SIGINT) === 0 ? LISTENS : -1);
Atomics.notify(state, LISTENING);
// The top level is over (top-level-interrupts.ts, dispose): the thread stops listening, and ends. The main thread may
// wait for this; a SIGINT delivered before is counted first (its event comes in this turn's poll phase, before the
// check phase's immediates).
const stop = (Atomics as unknown as AtomicsWaitAsync).waitAsync(state, STOP, 0);
void (stop.async ? (stop.value as Promise<unknown>) : Promise.resolve()).then(() =>
  setImmediate(() => {
    signal.close();
    session?.disconnect();
    Atomics.store(state, LISTENING, STOPPED);
    Atomics.notify(state, LISTENING);
  }),
);

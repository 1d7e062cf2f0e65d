/**
 * The line sampler's thread: every interval it reads which statement each profiled function is on and
 * gives it the time since its previous reading; it also keeps the hit counters' carries.
 * See docs/how-it-works.md, "Samplers".
 */
import { parentPort, receiveMessageOnPort } from "node:worker_threads";
import { CONTROL, PARKED, type SampledCounters, type SamplerWork } from "./line-sampler";

const { STOP, WAKE, ADDED, READINGS } = CONTROL;

/** Takes the counters added since the last reading; they arrive as messages while the event loop is blocked here. */
function receiveAdded(
  functions: SampledCounters[],
  lastHits: Uint32Array[],
  control: Int32Array,
  received: number,
): number {
  while (received < Atomics.load(control, ADDED)) {
    const message = receiveMessageOnPort(parentPort!);
    if (!message) break;
    const added = message.message as SampledCounters;
    functions.push(added);
    lastHits.push(new Uint32Array(added.hits.length));
    received++;
  }
  return received;
}

/**
 * Charges the time since the last reading to the statement each function is on, while a call of
 * it (or of a callback in it) runs or awaits: `current[1]` counts those. When none is on the
 * stack, the statements its calls await on share it (see PARKED); slot 0 holds the time it ran on
 * no statement of its own. A function that returned is charged nothing.
 */
function charge(current: Int32Array, nanos: Float64Array, elapsedNanos: number): void {
  const on = Atomics.load(current, 0);
  const awaiting = Atomics.load(current, PARKED);
  if (on !== 0 || awaiting <= 0) {
    nanos[on] += elapsedNanos;
    return;
  }
  for (let id = 1; id < nanos.length; id++) {
    const calls = Atomics.load(current, PARKED + id);
    if (calls > 0) nanos[id] += (elapsedNanos * calls) / awaiting;
  }
}

function account(functions: SampledCounters[], lastHits: Uint32Array[], elapsedNanos: number): void {
  functions.forEach(({ current, hits, nanos, carries }, f) => {
    if (Atomics.load(current, 1) > 0) charge(current, nanos, elapsedNanos);
    const last = lastHits[f];
    for (let i = 0; i < hits.length; i++) {
      const n = Atomics.load(hits, i);
      if (n < last[i]) carries[i]++;
      last[i] = n;
    }
  });
}

/** Reads the counters of one statement until the main thread sets the stop flag. */
function sample({ functions, control, intervalMicros }: SamplerWork): void {
  const lastHits = functions.map((f) => new Uint32Array(f.hits.length));
  let received = 0;
  let last = process.hrtime.bigint();
  // From here on every nanosecond is accounted; the main thread starts the statement only after this.
  parentPort!.postMessage("ready");
  for (;;) {
    const stopping = Atomics.load(control, STOP) === 1;
    const now = process.hrtime.bigint();
    received = receiveAdded(functions, lastHits, control, received);
    account(functions, lastHits, Number(now - last));
    Atomics.add(control, READINGS, 1);
    last = now;
    if (stopping) break;
    Atomics.wait(control, WAKE, 0, intervalMicros / 1000);
  }
}

parentPort!.on("message", (work: SamplerWork) => {
  sample(work);
  parentPort!.postMessage("done");
});

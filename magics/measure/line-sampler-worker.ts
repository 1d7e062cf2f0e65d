/**
 * The line sampler's thread: every interval it reads which statement each profiled function is
 * on (the cell its instrumented code writes) and adds the time since its previous reading to
 * that statement, so line times are time-weighted and include what the line called. It also
 * keeps the carries of the Uint32 hit counters, which it reads far more often than they can wrap.
 */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import type { SampledCounters } from "./line-sampler";

const { functions, control, intervalMicros } = workerData as { functions: SampledCounters[]; control: Int32Array; intervalMicros: number };
const STOP = 0;
const WAKE = 1;
/** How many counters the main thread has added (a worker thread's, started during the statement), each posted before it counts. */
const ADDED = 2;
const lastHits = functions.map((f) => new Uint32Array(f.hits.length));
let received = 0;

function receiveAdded(): void {
  while (received < Atomics.load(control, ADDED)) {
    const message = receiveMessageOnPort(parentPort!);
    if (!message) return;
    functions.push(message.message as SampledCounters);
    lastHits.push(new Uint32Array((message.message as SampledCounters).hits.length));
    received++;
  }
}

function account(elapsedNanos: number): void {
  functions.forEach(({ current, hits, nanos, carries }, f) => {
    const id = Atomics.load(current, 0);
    if (id !== 0) nanos[id] += elapsedNanos;
    const last = lastHits[f];
    for (let i = 0; i < hits.length; i++) {
      const n = Atomics.load(hits, i);
      if (n < last[i]) carries[i]++;
      last[i] = n;
    }
  });
}

let last = process.hrtime.bigint();
// From here on every nanosecond is accounted; the main thread starts the statement only after this.
parentPort!.postMessage("ready");
for (;;) {
  const stopping = Atomics.load(control, STOP) === 1;
  const now = process.hrtime.bigint();
  receiveAdded();
  account(Number(now - last));
  last = now;
  if (stopping) break;
  Atomics.wait(control, WAKE, 0, intervalMicros / 1000);
}

/**
 * The memory sampler's thread: every interval it reads the process's RSS and asks the main thread for its
 * heap split through the inspector; for %mprun it gives each RSS change to a line (memory-lines.ts).
 * See docs/how-it-works.md, "Samplers".
 */
import inspector from "node:inspector";
import { parentPort, workerData } from "node:worker_threads";
import { LineMemoryAttribution, type LineCounters } from "../builders/memory-lines";
import { readPeakRss, rssReader } from "./memory-readings";
import { CONTROL, type SamplerData, type SamplerReport } from "./memory-sampler-protocol";

const { control, origin, windowPeak, intervalMicros, timeoutSeconds, heapIntervalMicros, lines } =
  workerData as SamplerData;

/** Runs on the main thread, in its main context, by way of the inspector; allocates a few objects there. */
const HEAP_EXPRESSION =
  "(() => { const m = process.memoryUsage(); return [m.heapUsed, m.external, m.arrayBuffers]; })()";

function connectToMainThread(): inspector.Session | null {
  if (heapIntervalMicros === null) return null;
  try {
    const session = new inspector.Session();
    session.connectToMainThread();
    return session;
  } catch {
    return null; // a Node built without the inspector: heap fields come from the run ends only
  }
}

const session = connectToMainThread();
let heap = [NaN, NaN, NaN];
let inFlight = false;
let lastRequest = -Infinity;

function requestHeapReading(t: number): void {
  if (!session || inFlight || (t - lastRequest) * 1e6 < heapIntervalMicros!) return;
  inFlight = true;
  lastRequest = t;
  session.post(
    "Runtime.evaluate",
    { expression: HEAP_EXPRESSION, returnByValue: true, silent: true },
    (error, answer) => {
      inFlight = false;
      const value = answer?.result?.value;
      if (!error && Array.isArray(value)) heap = value;
    },
  );
}

const turnEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One heap reading before the start, answered while the main thread is idle: the main side of
 * the session is set up and the expression compiled then, not in the first reading during the
 * statement (which cost the forward pass a few ms).
 */
async function warmUp(): Promise<void> {
  requestHeapReading(0);
  while (inFlight) await new Promise((resolve) => setTimeout(resolve, 1));
  lastRequest = -Infinity;
  heap = [NaN, NaN, NaN]; // from before the baseline: the timeline holds the baseline's until the first reading
}

async function sample(): Promise<SamplerReport> {
  const rss = rssReader();
  const attributions = lines.map((counters: LineCounters) => new LineMemoryAttribution(counters));
  await warmUp();
  parentPort!.postMessage({ ready: true });
  Atomics.wait(control, CONTROL.GO, 0);
  const start = origin[0];
  const samples: number[] = [];
  let lastRss = rss.read();
  // Readings are due every interval from the start, so the time a reading takes is not added to the wait.
  let due = 0;
  for (;;) {
    const stopping = Atomics.load(control, CONTROL.STOP) === 1;
    const t = Number(process.hrtime.bigint() - start) / 1e9;
    const now = rss.read();
    for (const attribution of attributions) attribution.record(now, now - lastRss);
    lastRss = now;
    samples.push(t, now, heap[0], heap[1], heap[2]);
    if (stopping) break;
    if (timeoutSeconds !== null && t >= timeoutSeconds) {
      windowPeak[0] = readPeakRss() ?? NaN;
      Atomics.store(control, CONTROL.TIMED_OUT, 1);
      break;
    }
    requestHeapReading(t);
    due = Math.max(due + intervalMicros / 1e6, t);
    const wait = due - Number(process.hrtime.bigint() - start) / 1e9;
    if (wait > 0) Atomics.wait(control, CONTROL.WAKE, 0, wait * 1000);
    // Only while an answer is due: a turn of this thread's event loop every reading slowed the
    // main thread's forward pass far more than its plain waits and reads do.
    if (inFlight) await turnEventLoop();
  }
  rss.close();
  session?.disconnect();
  return { samples: Float64Array.from(samples), lines: attributions.map((a) => a.measurements()) };
}

sample().then((report) => parentPort!.postMessage(report));

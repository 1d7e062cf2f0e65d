/**
 * Reading the process's memory, for %memit and %mprun: RSS from any thread, its exact peak (VmHWM), the
 * main isolate's heap split, and a thorough garbage collection without --expose-gc.
 * See docs/how-it-works.md, "Samplers".
 */
import fs from "node:fs";
import inspector from "node:inspector";
import type { MemorySample } from "../../model/profile";

/**
 * A reader of the whole process's resident set size, bytes. /proc/self/statm is read with pread on
 * a descriptor kept open (a few microseconds), which works from a worker thread too (it is per process);
 * elsewhere process.memoryUsage.rss(), which also reports the whole process.
 */
export function rssReader(): { read(): number; close(): void } {
  let fd: number;
  try {
    fd = fs.openSync("/proc/self/statm", "r");
  } catch {
    return { read: () => process.memoryUsage.rss(), close: () => {} };
  }
  const buffer = Buffer.alloc(128);
  // "size resident shared text lib data dt", in pages; parsed in place, since every string the
  // sampler thread allocates would grow the RSS it measures.
  const residentPages = () => {
    const n = fs.readSync(fd, buffer, 0, buffer.length, 0);
    let i = buffer.indexOf(0x20) + 1;
    let pages = 0;
    for (; i < n && buffer[i] >= 0x30 && buffer[i] <= 0x39; i++) pages = pages * 10 + buffer[i] - 0x30;
    return pages;
  };
  const pageSize = nearestPageSize(process.memoryUsage.rss() / residentPages());
  return { read: () => residentPages() * pageSize, close: () => fs.closeSync(fd) };
}

/** statm counts pages, whose size Node does not tell: the usual size nearest to what RSS / pages gives. */
function nearestPageSize(ratio: number): number {
  return [4096, 16384, 65536].reduce((best, size) =>
    Math.abs(Math.log(size / ratio)) < Math.abs(Math.log(best / ratio)) ? size : best,
  );
}

/**
 * Starts a new peak: writing 5 to /proc/self/clear_refs resets the kernel's VmHWM (the highest
 * resident set size the process reached) to the current RSS. False where that is not possible
 * (not Linux, no permission); then the peak can only be sampled.
 */
export function resetPeakRss(): boolean {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** The highest RSS since the last reset, bytes (exact: the kernel updates it on every page fault); null if unknown. */
export function readPeakRss(): number | null {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync("/proc/self/status", "latin1"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The main isolate's memory now (call on the main thread: in a worker, the heap fields are the worker's). */
export function readMemory(t: number): MemorySample {
  const m = process.memoryUsage();
  return { t, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/**
 * -g: what DevTools' "Collect garbage" button does, the inspector's HeapProfiler.collectGarbage
 * (V8's LowMemoryNotification): full collections until nothing more is freed, which also give
 * back the young generation's grown semispaces and V8's pooled pages. A plain gc() (from
 * --expose-gc, or from turning that flag on at run time with v8.setFlagsFromString and taking
 * `gc` from a new vm context) does not: a collection during the statement then gave those
 * tens of MiB back and the increment came out that much low. This needs no flag either. Freed
 * pages are unmapped on another thread, so it then waits until RSS stops falling (for a bounded
 * time). False where the inspector is missing (a Node built without it).
 */
export async function collectGarbage(): Promise<boolean> {
  let session: inspector.Session | undefined;
  try {
    session = new inspector.Session();
    session.connect();
    await new Promise<void>((resolve, reject) =>
      session!.post("HeapProfiler.collectGarbage", (error) => (error ? reject(error) : resolve())),
    );
  } catch {
    return false;
  } finally {
    session?.disconnect();
  }
  await untilRssSettles();
  return true;
}

async function untilRssSettles(): Promise<void> {
  const deadline = Date.now() + 100;
  let last = process.memoryUsage.rss();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const now = process.memoryUsage.rss();
    if (last - now < 64 * 1024) return;
    last = now;
  }
}

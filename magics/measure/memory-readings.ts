/**
 * Reading the process's memory, for %memit and %mprun: resident set size cheaply from any thread
 * (/proc/self/statm), an exact peak of it (Linux's resettable high-water mark, VmHWM), the main
 * isolate's heap split (process.memoryUsage() on the main thread), and a full garbage collection
 * on demand even when Node was started without --expose-gc.
 */
import fs from "node:fs";
import v8 from "node:v8";
import vm from "node:vm";
import type { MemorySample } from "../model/profile";

/**
 * A reader of the whole process's resident set size, bytes. /proc/self/statm is read with pread on
 * a descriptor kept open (~7 µs), which works from a worker thread too (it is per process);
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
  return [4096, 16384, 65536].reduce((best, size) => (Math.abs(Math.log(size / ratio)) < Math.abs(Math.log(best / ratio)) ? size : best));
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

let gc: (() => void) | null | undefined;

/**
 * Full, synchronous garbage collections, then a wait until RSS stops falling (100 ms at most);
 * false if this Node refuses to expose a collector. Without --expose-gc the flag can still be turned on at run
 * time: contexts created while it is on get a `gc` global (Node 20). It is turned off again at
 * once so that later contexts (the user's vm contexts) do not see one.
 *
 * One collection is not enough for a baseline. A second frees the backing stores of ArrayBuffers
 * the first found dead (after one, about half of a dropped 100 MiB array is still resident).
 * A collection right after busy code keeps the young generation's grown semispaces and V8's
 * pooled pages, which a later collection during the statement gives back, and pages freed by a
 * collection are unmapped on another thread a little later: either way RSS fell during the
 * statement and its increment came out 20-30 MiB low. So the second collection comes after a
 * few idle milliseconds (V8 then sees a low allocation rate and gives the pools back), and the
 * baseline waits for RSS to stop falling. Each full collection of a kernel's ~100 MiB heap
 * takes 50-200 ms, so -g costs a few tenths of a second.
 */
export async function collectGarbage(): Promise<boolean> {
  const collect = collector();
  if (!collect) return false;
  collect();
  await sleep(5);
  collect();
  // The pages those collections freed are unmapped by a background task: wait until that is done.
  const deadline = Date.now() + 100;
  let last = process.memoryUsage.rss();
  while (Date.now() < deadline) {
    await sleep(5);
    const now = process.memoryUsage.rss();
    if (last - now < 64 * 1024) break;
    last = now;
  }
  return true;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function collector(): (() => void) | null {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString("--expose-gc");
      gc = vm.runInNewContext("gc") as () => void;
    } catch {
      gc = null;
    } finally {
      v8.setFlagsFromString("--no-expose-gc");
    }
  }
  return gc;
}

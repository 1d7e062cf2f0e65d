/**
 * CPU time of one thread, not of the process: Node 20 has no per-thread `cpuUsage` (a worker's
 * `process.cpuUsage()` is the whole process's), and `performance.eventLoopUtilization()` counts a
 * thread blocked in `Atomics.wait` as busy. Linux keeps each thread's time on a CPU, in
 * nanoseconds, in /proc/thread-self/schedstat (its first field; user and system together), read
 * by the thread itself. Elsewhere there is no such file and the time is unknown (null).
 */
import fs from "node:fs";

export const THREAD_SCHEDSTAT = "/proc/thread-self/schedstat";

/** Seconds the calling thread has spent on a CPU since it started; null where the system does not say. */
export function threadCpuSeconds(): number | null {
  try {
    return Number(fs.readFileSync(THREAD_SCHEDSTAT, "latin1").split(" ")[0]) / 1e9;
  } catch {
    return null;
  }
}

/** `after - before`, or null when either is unknown. */
export function cpuBetween(before: number | null, after: number | null): number | null {
  return before === null || after === null ? null : Math.max(0, after - before);
}

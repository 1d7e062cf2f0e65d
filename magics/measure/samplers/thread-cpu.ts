/**
 * CPU time of one thread, not of the process, read by the thread itself from Linux's
 * /proc/thread-self/schedstat; elsewhere it is unknown (null). See docs/how-it-works.md, "Threads".
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

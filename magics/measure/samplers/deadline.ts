/** A timeout to race a sampler thread's start or stop against, that never outlives the wait. */

/** "late" after `ms`, unless cancelled first (the timer must not outlive the wait). */
export function lateAfter(ms: number): { late: Promise<"late">; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
  return { late, cancel: () => clearTimeout(timer) };
}

/** `wait`'s value, or "late" if `ms` pass first; the timer never outlives the wait. */
export async function withinDeadline<T>(wait: Promise<T>, ms: number): Promise<T | "late"> {
  const { late, cancel } = lateAfter(ms);
  try {
    return await Promise.race([wait, late]);
  } finally {
    cancel();
  }
}

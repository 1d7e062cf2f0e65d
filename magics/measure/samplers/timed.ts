/** Runs a measured statement and keeps its outcome: what it returned or threw, and its wall time. */
export interface Timed<T> {
  value?: T;
  error?: unknown;
  threw: boolean;
  /** Wall time of `execute`, seconds. */
  wallTime: number;
}

/** Never rejects: a statement that throws still has its measurements shown, then its error. */
export async function timed<T>(execute: () => Promise<T>): Promise<Timed<T>> {
  const started = process.hrtime.bigint();
  const outcome: Timed<T> = { threw: false, wallTime: 0 };
  try {
    outcome.value = await execute();
  } catch (e) {
    outcome.error = e;
    outcome.threw = true;
  }
  outcome.wallTime = Number(process.hrtime.bigint() - started) / 1e9;
  return outcome;
}

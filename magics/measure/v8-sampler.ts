/**
 * Runs code under V8's sampling CPU profiler (v8-profiler-next: the engine's own profiler, with a
 * settable interval) and hands back the raw profile. The profile is stopped whatever happens.
 */
import profiler from "v8-profiler-next";
import type { V8CpuProfile } from "./cpu-profile";

export interface Sampled<T> {
  profile: V8CpuProfile;
  /** Wall time of `execute`, seconds. */
  wallTime: number;
  value?: T;
  error?: unknown;
  threw: boolean;
}

// Format 1 is the flat `.cpuprofile` layout (nodes, samples, timeDeltas) DevTools reads.
profiler.setGenerateType(1);

/**
 * Starting V8's profiler costs ~100–150 ms once the kernel has compiled a lot of code (tslab's
 * TypeScript), while starting a second profile beside a running one is free. So a sample-less
 * profile keeps the profiler open for a while after each use: repeated %prun calls answer at
 * once, and code run long after profiling is not sampled at all.
 */
const LINGER_MS = 60_000;
const KEEPALIVE = "tsprof-keepalive";
let openAt: { interval: number; timer: NodeJS.Timeout } | null = null;

function holdOpen(intervalMicros: number): void {
  if (openAt && openAt.interval !== intervalMicros) release();
  if (openAt) {
    openAt.timer.refresh();
    return;
  }
  profiler.setSamplingInterval(intervalMicros);
  profiler.startProfiling(KEEPALIVE, false);
  openAt = { interval: intervalMicros, timer: setTimeout(release, LINGER_MS).unref() };
}

function release(): void {
  if (!openAt) return;
  clearTimeout(openAt.timer);
  (profiler.stopProfiling(KEEPALIVE) as unknown as { delete(): void }).delete();
  openAt = null;
}

let profileCount = 0;

export async function sampleCpu<T>(execute: () => Promise<T>, intervalMicros: number): Promise<Sampled<T>> {
  holdOpen(intervalMicros);
  const title = `tsprof-${++profileCount}`;
  profiler.startProfiling(title, true);
  const started = process.hrtime.bigint();
  let value: T | undefined;
  let error: unknown;
  let threw = false;
  try {
    value = await execute();
  } catch (e) {
    error = e;
    threw = true;
  }
  const wallTime = Number(process.hrtime.bigint() - started) / 1e9;
  const raw = profiler.stopProfiling(title) as unknown as V8CpuProfile & { delete(): void };
  const profile: V8CpuProfile = { nodes: raw.nodes, samples: raw.samples, timeDeltas: raw.timeDeltas, startTime: raw.startTime, endTime: raw.endTime };
  raw.delete();
  return { profile, wallTime, value, error, threw };
}

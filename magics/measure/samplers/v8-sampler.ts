/**
 * Runs code under V8's sampling CPU profiler (v8-profiler-next: the engine's own profiler, with a
 * settable interval) and hands back the raw profile. The profile is stopped whatever happens.
 */
import profiler from "v8-profiler-next";
import type { V8CpuProfile } from "../builders/cpu-profile";
import { timed, type Timed } from "./timed";
import { cpuBetween, threadCpuSeconds } from "./thread-cpu";

export interface Sampled<T> extends Timed<T> {
  profile: V8CpuProfile;
  /** CPU seconds the main thread used in `execute` (thread-cpu.ts); null where unknown. */
  cpuTime: number | null;
}

// Format 1 is the flat `.cpuprofile` layout (nodes, samples, timeDeltas) DevTools reads.
profiler.setGenerateType(1);

/**
 * V8's profiler runs in its lazy mode: it learns where the compiled code is when a profile
 * starts, by walking the heap, so a %prun's start takes time in proportion to what the heap holds
 * (README, "%prun"). The eager mode, which records code as it is compiled from the kernel's start
 * on, made each start quick but made every package a cell loads slower to load, for the whole
 * session, profiled or not (README, Benchmarks: a package loaded afresh).
 */
const LAZY_LOGGING = 0;
let profileCount = 0;

export async function sampleCpu<T>(execute: () => Promise<T>, intervalMicros: number): Promise<Sampled<T>> {
  const title = `tsprof-${++profileCount}`;
  profiler.setSamplingInterval(intervalMicros);
  profiler.startProfiling(title, true, LAZY_LOGGING);
  const cpuBefore = threadCpuSeconds();
  const outcome = await timed(execute);
  const cpuTime = cpuBetween(cpuBefore, threadCpuSeconds());
  const raw = profiler.stopProfiling(title) as unknown as V8CpuProfile & { delete(): void };
  const profile: V8CpuProfile = { nodes: raw.nodes, samples: raw.samples, timeDeltas: raw.timeDeltas, startTime: raw.startTime, endTime: raw.endTime };
  raw.delete();
  return { profile, cpuTime, ...outcome };
}

/**
 * Runs code under V8's sampling CPU profiler (v8-profiler-next: the engine's own profiler, with a
 * settable interval) and hands back the raw profile. The profile is stopped whatever happens.
 */
import { profiler } from "./v8-profiler";
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
 * Eager logging: the profiler is created once, when this module loads, and never disposed
 * (v8-profiler-next disposes it when its last profile stops), so each start is quick and names code
 * compiled before it. See docs/how-it-works.md, "Samplers".
 */
const EAGER_LOGGING = 1;
// The limit is kept in a C++ int: 2^31 − 1 is "never".
profiler.setProfilesCleanupLimit(2 ** 31 - 1);
profiler.startProfiling("tsprof-init", false, EAGER_LOGGING);
(profiler.stopProfiling("tsprof-init") as unknown as { delete(): void }).delete();

let profileCount = 0;

export async function sampleCpu<T>(execute: () => Promise<T>, intervalMicros: number): Promise<Sampled<T>> {
  const title = `tsprof-${++profileCount}`;
  profiler.setSamplingInterval(intervalMicros);
  profiler.startProfiling(title, true, EAGER_LOGGING);
  const cpuBefore = threadCpuSeconds();
  const outcome = await timed(execute);
  const cpuTime = cpuBetween(cpuBefore, threadCpuSeconds());
  const raw = profiler.stopProfiling(title) as unknown as V8CpuProfile & { delete(): void };
  const profile: V8CpuProfile = {
    nodes: raw.nodes,
    samples: raw.samples,
    timeDeltas: raw.timeDeltas,
    startTime: raw.startTime,
    endTime: raw.endTime,
  };
  raw.delete();
  return { profile, cpuTime, ...outcome };
}

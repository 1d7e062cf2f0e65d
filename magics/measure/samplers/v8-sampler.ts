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
 * Starting V8's profiler in its default (lazy) mode enumerates every compiled function first:
 * hundreds of milliseconds once tslab's TypeScript compiler is loaded, on every start, since
 * v8-profiler-next disposes the profiler when its last profile stops. So the profiler is created
 * once, when this module loads (kernel start, little code compiled yet), in eager logging mode
 * and never disposed: V8 then records code as it is compiled, and each start is quick. Its
 * sampling thread only runs while a profile is being taken, so code run outside %prun is not
 * sampled; what stays on is the record of newly compiled code (measured: no difference in the
 * CPU time of compiling and running a cell). How fast a trivial %prun answers through Jupyter,
 * the first and later ones, is in `npm run bench` and the README.
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

/**
 * %prun's whole model from one statement's measurements: the function table and call tree
 * (cpu-profile.ts), the async view (async-profile.ts) and the event loop's blocked stretches
 * (event-loop.ts), all from the same samples.
 */
import type { CpuProfileResult } from "../../model/profile";
import type { TrackedAwaits } from "../samplers/await-tracker";
import { buildAsyncProfile } from "./async-profile";
import { buildCpuProfile, statementSampleSeconds, userStacks, type BuildInput } from "./cpu-profile";
import { eventLoopReport } from "./event-loop";

/**
 * Seconds a stretch must exceed for %prun to report the event loop blocked (Clinic Doctor's and
 * Node's usual 50 ms).
 */
export const DEFAULT_LOOP_THRESHOLD = 0.05;

export interface PrunInput extends BuildInput {
  /** The awaits the statement went through (await-tracker.ts). */
  awaits: TrackedAwaits;
  /** Seconds a stretch without a pause of the event loop must exceed to be reported. */
  loopThreshold: number;
}

export function buildPrunProfile(input: PrunInput): CpuProfileResult {
  const { profile, resolve, awaits } = input;
  const stacks = userStacks(profile.nodes, resolve);
  const weight = statementSampleSeconds(profile, stacks, input.wallTime);
  const result = buildCpuProfile({ ...input, stacks });
  const async = buildAsyncProfile({
    profile,
    stacks,
    weight,
    awaits: awaits.awaits,
    untracked: awaits.untracked,
    resolve,
    calls: input.calls,
  });
  const eventLoop = eventLoopReport({ profile, stacks, weight, threshold: input.loopThreshold });
  return { ...result, ...(async && { async }), ...(eventLoop && { eventLoop }) };
}

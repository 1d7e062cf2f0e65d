/**
 * The event loop blocked: stretches of a thread's samples with no `(idle)` one among them, when
 * the loop ran code without a pause and could serve nothing else (no timer, no I/O, no message),
 * longer than a threshold, each with the functions that ran in it: what Clinic Doctor reported.
 */
import type { BlockedStretch, EventLoopReport } from "../../model/profile";
import type { ResolvedFrame } from "../../core/context";
import { addToTotals, identity, sampleTimes, type Totals, type V8CpuProfile } from "./cpu-profile";

/** How many stretches, and functions per stretch, the report names. */
const MAX_STRETCHES = 5;
const MAX_FUNCTIONS = 5;

export interface LoopInput {
  profile: V8CpuProfile;
  stacks: Map<number, ResolvedFrame[]>;
  /** Seconds one sample stands for. */
  weight: number;
  /** Seconds a stretch must exceed. */
  threshold: number;
}

/**
 * The report, or undefined when the loop never paused during the statement (a synchronous statement
 * blocks it from end to end, which needs no report).
 */
export function eventLoopReport(input: LoopInput): EventLoopReport | undefined {
  const { profile, stacks } = input;
  const times = sampleTimes(profile);
  const idle = profile.samples.map((id) => isIdleStack(stacks.get(id)));
  if (!idle.includes(true)) return undefined;
  const stretches: BlockedStretch[] = [];
  let from = -1;
  idle.forEach((isIdle, i) => {
    if (!isIdle && from < 0) from = i;
    const endsHere = from >= 0 && (isIdle || i === idle.length - 1);
    if (!endsHere) return;
    const to = isIdle ? i : i + 1;
    const until = isIdle ? times[i] : profile.endTime;
    const duration = (until - times[from]) / 1e6;
    if (duration > input.threshold)
      stretches.push(stretch(input, from, to, (times[from] - profile.startTime) / 1e6, duration));
    from = -1;
  });
  stretches.sort((a, b) => b.duration - a.duration);
  return { threshold: input.threshold, stretches: stretches.slice(0, MAX_STRETCHES) };
}

function isIdleStack(stack: ResolvedFrame[] | undefined): boolean {
  return !!stack && stack.length === 1 && stack[0].ref.name === "(idle)";
}

function stretch(input: LoopInput, from: number, to: number, start: number, duration: number): BlockedStretch {
  const totals = new Map<string, Totals>();
  const { weight } = input;
  for (const id of input.profile.samples.slice(from, to)) {
    const stack = input.stacks.get(id);
    if (stack && stack.length > 0) addToTotals(totals, stack, weight);
  }
  const functions = [...totals.values()]
    .filter((t) => t.self > 0)
    .sort((a, b) => b.self - a.self || identity(a.frame).localeCompare(identity(b.frame)))
    .slice(0, MAX_FUNCTIONS)
    .map((t) => ({ fn: t.frame.ref, seconds: t.self }));
  return { start, duration, functions };
}

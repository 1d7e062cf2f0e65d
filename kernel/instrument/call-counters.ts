/**
 * %prun's exact call counts. Counters are put at the entry of every function of the cells and
 * local modules by V8's live edit for the length of the statement only, and taken out after, so
 * no function's text carries them otherwise (docs/how-it-works.md, "Call counters").
 */
import v8 from "node:v8";
import MagicString from "magic-string";
import { TraceMap } from "@jridgewell/trace-mapping";
import type { FunctionSite } from "./functions";
import { LiveEditSession, type EditStatus } from "./live-edit";
import { TWIN_SPOT } from "./spots";

/**
 * A counter at the entry of a function called once (a cell's `main()` with a hot loop) runs before
 * V8 has feedback to record unless feedback vectors are allocated from the first call; without it
 * TurboFan compiles the counter as never run and deopts there.
 */
v8.setFlagsFromString("--no-lazy-feedback-allocation");

/** Index of the counter of a unit's top-level code: after its functions' counters. */
export function topLevelCounter(sites: readonly FunctionSite[]): number {
  return sites.length;
}

/** What the counters need of a compiled unit (units.ts). */
export interface CountedUnit {
  id: number;
  file: string;
  code: string;
  wrapper: { head: string } | null;
  functions: FunctionSite[];
  runtime: { calls: Uint32Array };
}

/** A unit's code with counters, and the way there and back by live edit. */
export interface CountingVersion {
  /** The code with a twin spot where each counter goes: each edit step then inserts or deletes only what V8's diff finds exactly. */
  spotted: string;
  counting: string;
  /** From `counting` back to the unit's code. */
  map: TraceMap;
}

const counterName = (unitId: number) => `__tsprof_calls${unitId}`;

/** `unit.code` with a counter at each function's entry (and at its top level's start, with `topLevel`). */
export function countingVersion(unit: CountedUnit, topLevel: boolean): CountingVersion {
  const offset = unit.wrapper?.head.length ?? 0;
  const counting = new MagicString(unit.code);
  const spotted = new MagicString(unit.code);
  const insert = (at: number, text: string) => {
    counting.appendLeft(offset + at, TWIN_SPOT[0] + text + TWIN_SPOT[1]);
    spotted.appendLeft(offset + at, TWIN_SPOT);
  };
  const counter = (index: number) => `${counterName(unit.id)}[${index}]++`;
  if (topLevel) insert(0, `${counter(topLevelCounter(unit.functions))};`);
  for (const site of unit.functions) {
    const body = site.node.body;
    // An arrow's expression body keeps its end: V8 takes a function whose end moved for a new one, which no existing closure runs.
    insert(site.bodyStart, body.type === "BlockStatement" ? `${counter(site.index)};` : `${counter(site.index)} < 0 ? 0 : `);
  }
  return { spotted: spotted.toString(), counting: counting.toString(), map: new TraceMap(counting.generateMap({ hires: true }) as any) };
}

/** Names the unit's counts array where its counting code finds it: a global never reassigned while it counts, which the JIT folds to a constant. */
function exposeCounts(unit: CountedUnit): void {
  Object.defineProperty(globalThis, counterName(unit.id), { value: unit.runtime.calls, writable: false, configurable: true, enumerable: false });
}

function hideCounts(unit: CountedUnit): void {
  delete (globalThis as any)[counterName(unit.id)];
}

/** The units whose calls could not be counted, and why (for the profile's notes). */
export interface Uncounted {
  file: string;
  why: string;
}

/**
 * Counts the calls of the units' functions while `execute` runs: each unit whose script V8 still
 * holds is edited to its counting version, and back after. `fresh` is a unit about to run for the
 * first time (the statement), which runs its counting version from the start and is edited back
 * after too.
 */
export class CallCounting {
  private readonly session = new LiveEditSession();
  private readonly edited: { unit: CountedUnit; scriptId: string; back: string[] }[] = [];
  /** Units compiled with their counters for this statement, to edit back once their script exists. */
  private readonly fresh: { unit: CountedUnit; back: string[] }[] = [];
  readonly uncounted: Uncounted[] = [];
  /** From each counted unit's counting code back to its code, for the profile's positions. */
  readonly maps = new Map<number, TraceMap>();

  constructor(private readonly scriptOf: (session: LiveEditSession, unit: CountedUnit) => string | null) {}

  /** Puts the counters in the units that have functions. */
  begin(units: readonly CountedUnit[]): void {
    for (const unit of units) {
      if (unit.functions.length === 0) continue;
      const scriptId = this.scriptOf(this.session, unit);
      if (scriptId !== null) this.swapIn(unit, scriptId);
    }
  }

  /** The code a unit compiled for this statement runs: its counting version (edited back in `end`). */
  freshCode(unit: CountedUnit): string {
    const version = countingVersion(unit, true);
    exposeCounts(unit);
    this.maps.set(unit.id, version.map);
    this.fresh.push({ unit, back: [version.spotted, unit.code] });
    return version.counting;
  }

  private swapIn(unit: CountedUnit, scriptId: string): void {
    const version = countingVersion(unit, false);
    exposeCounts(unit);
    for (const [step, text] of [version.spotted, version.counting].entries()) {
      const { status } = this.session.replace(scriptId, text);
      if (status === "Ok") continue;
      // The spotted code runs as the original does; it is taken out all the same.
      this.uncounted.push({ file: unit.file, why: refusal(status) });
      // The spotted code runs as the original does; it is taken out all the same.
      const edit = { unit, scriptId, back: step === 0 ? [] : [unit.code] };
      if (!putBack(this.session, edit)) unrestored.push(edit);
      return;
    }
    this.maps.set(unit.id, version.map);
    this.edited.push({ unit, scriptId, back: [version.spotted, unit.code] });
  }

  /** Takes every counter out again; a unit V8 will not edit back now is retried before code runs next (restoreCounters). */
  end(): void {
    for (const { unit, back } of this.fresh.splice(0)) {
      const scriptId = this.scriptOf(this.session, unit);
      if (scriptId !== null) this.edited.push({ unit, scriptId, back });
    }
    for (const edit of this.edited.splice(0)) if (!putBack(this.session, edit)) unrestored.push(edit);
    this.session.close();
  }
}

/**
 * Units whose counters V8 would not take out yet. V8 refuses to edit a script while an async
 * function or generator of it may still resume, and it can hold a finished one as such until
 * nothing reaches it; the counters then count on, unread, until an edit succeeds.
 */
const unrestored: { unit: CountedUnit; scriptId: string; back: string[] }[] = [];

/** Tries again to take out the counters V8 would not take out before: called when the kernel is idle and before code runs. */
export function restoreCounters(): void {
  if (unrestored.length === 0) return;
  const session = new LiveEditSession();
  try {
    for (const edit of unrestored.splice(0)) if (!putBack(session, edit)) unrestored.push(edit);
  } finally {
    session.close();
  }
}

/** Edits a unit's script back step by step (each step done is taken off `back`); whether it is all back. */
function putBack(session: LiveEditSession, edit: { unit: CountedUnit; scriptId: string; back: string[] }): boolean {
  while (edit.back.length > 0) {
    if (session.replace(edit.scriptId, edit.back[0]).status !== "Ok") return false;
    edit.back.shift();
  }
  hideCounts(edit.unit);
  return true;
}

function refusal(status: EditStatus): string {
  switch (status) {
    case "BlockedByActiveGenerator":
      return "a generator or async call of its code is suspended";
    case "BlockedByActiveFunction":
      return "its code is running on the call stack";
    default:
      return `V8 refused the edit (${status})`;
  }
}

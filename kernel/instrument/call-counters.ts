/**
 * %prun's exact call counts. Counters are put at the entry of every function of the cells and
 * local modules by V8's live edit for the length of the statement only, and taken out after, so
 * no function's text carries them otherwise (docs/how-it-works.md, "Call counters").
 */
import v8 from "node:v8";
import vm from "node:vm";
import MagicString from "magic-string";
import { TraceMap } from "@jridgewell/trace-mapping";
import type { FunctionSite } from "./functions";
import { LiveEditSession, type EditStatus } from "./live-edit";
import { TWIN_SPOT } from "./spots";

/**
 * A full garbage collection before V8's live edit. An edit finds a function's closures by walking
 * the heap, and finished versions of the script's functions that are garbage can stand in for
 * live ones there: V8 then leaves a live function with its old code, in a script the debugger no
 * longer lists (seen with hot functions edited back right after a statement). With the garbage
 * gone first, every closure is found.
 */
v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

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
  /** The function its script gave, if it is a cell's that ran. */
  entry: Function | null;
  functions: FunctionSite[];
  runtime: { calls: Uint32Array };
}

/** A unit's code with counters, and the way there and back by live edit. */
export interface CountingVersion {
  /**
   * The texts to edit in, in order, the counting code last. V8's live edit diffs changed lines
   * character by character, and places an insertion exactly where it was made only when the
   * characters beside it occur nowhere in it; where they do, twin spots go in first and the
   * counter between them next. A run of adjacent changed lines gets steps of its own: V8's line
   * diff can pair such lines with others when one edit changes many places, and then takes
   * functions near them for new ones that no existing closure runs.
   */
  steps: string[];
  counting: string;
  /** From `counting` back to the unit's code. */
  map: TraceMap;
}

/** The counts array's global name: `ǂ` (a letter) keeps its text apart from the code's own characters. */
const counterName = (unitId: number) => `\u01C2${unitId}`;

interface Insertion {
  at: number;
  text: string;
  line: number;
  /** Whether it needs twin spots: a character beside it occurs in it. */
  spotted: boolean;
}

/** `unit.code` with a counter at each function's entry (and at its top level's start, with `topLevel`). */
export function countingVersion(unit: CountedUnit, topLevel: boolean): CountingVersion {
  const groups = lineGroups(counterInsertions(unit, topLevel));
  const text = (done: Set<Insertion>, spotsOnly: Set<Insertion>) => {
    const s = new MagicString(unit.code);
    for (const i of done) s.appendLeft(i.at, i.spotted ? TWIN_SPOT[0] + i.text + TWIN_SPOT[1] : i.text);
    for (const i of spotsOnly) s.appendLeft(i.at, TWIN_SPOT);
    return s;
  };
  const steps: string[] = [];
  const done = new Set<Insertion>();
  let counting = text(done, new Set());
  for (const group of groups) {
    const spotted = new Set(group.filter((i) => i.spotted));
    if (spotted.size > 0) steps.push(text(done, spotted).toString());
    group.forEach((i) => done.add(i));
    counting = text(done, new Set());
    steps.push(counting.toString());
  }
  return { steps, counting: counting.toString(), map: new TraceMap(counting.generateMap({ hires: true }) as any) };
}

function counterInsertions(unit: CountedUnit, topLevel: boolean): Insertion[] {
  const offset = unit.wrapper?.head.length ?? 0;
  const counter = (index: number) => `${counterName(unit.id)}[${index}]++`;
  const at = (position: number, text: string): Insertion => {
    const where = offset + position;
    const spotted = [unit.code[where - 1], unit.code[where]].some((c) => c !== undefined && text.includes(c));
    return { at: where, text, line: lineOf(unit.code, where), spotted };
  };
  const insertions = unit.functions.map((site) =>
    // An arrow's expression body keeps its end: V8 takes a function whose end moved for a new one, which no existing closure runs.
    at(site.bodyStart, site.node.body.type === "BlockStatement" ? `${counter(site.index)};` : `${counter(site.index)}<0?0:`),
  );
  return topLevel ? [at(0, `${counter(topLevelCounter(unit.functions))};`), ...insertions] : insertions;
}

function lineOf(code: string, position: number): number {
  let line = 0;
  for (let i = code.indexOf("\n"); i !== -1 && i < position; i = code.indexOf("\n", i + 1)) line++;
  return line;
}

/** The insertions on lines with no changed line beside them (one group), then each run of adjacent changed lines (a group each). */
function lineGroups(insertions: Insertion[]): Insertion[][] {
  const lines = [...new Set(insertions.map((i) => i.line))].sort((a, b) => a - b);
  const runs: number[][] = [];
  for (const line of lines) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] === line - 1) last.push(line);
    else runs.push([line]);
  }
  const on = (run: number[]) => insertions.filter((i) => run.includes(i.line));
  const alone = runs.filter((run) => run.length === 1).flat();
  return [...(alone.length ? [on(alone)] : []), ...runs.filter((run) => run.length > 1).map(on)];
}

/**
 * Names the unit's counts array where its counting code finds it: a global never reassigned, which
 * the JIT folds to a constant. It stays defined: code V8's live edit failed to take back out
 * (see putBack) then counts on, unread, instead of throwing.
 */
function exposeCounts(unit: CountedUnit): void {
  if (counterName(unit.id) in globalThis) return;
  Object.defineProperty(globalThis, counterName(unit.id), { value: unit.runtime.calls, writable: false, configurable: false, enumerable: false });
}

/** A unit's counting version for code that runs it from the start (its top level counted too), with its counts array defined. */
export function countingFromStart(unit: CountedUnit): CountingVersion {
  exposeCounts(unit);
  return countingVersion(unit, true);
}

/** Whether a function's code is a counting version. */
function counts(fn: Function, unit: CountedUnit): boolean {
  return Function.prototype.toString.call(fn).includes(counterName(unit.id));
}

/**
 * Finds the script that holds a unit's code now: each live edit leaves V8 a new script with the
 * unit's URL, and the unit's functions go with the newest.
 */
type ScriptOf = (session: LiveEditSession, unit: CountedUnit) => string | null;
/** The functions a unit's top-level names hold now, with their text as compiled: what the edits are checked on. */
type NamedFunctions = (unit: CountedUnit) => { fn: Function; text: string }[];

/**
 * A unit's counters on their way out: the texts still to edit in, in order, its code last, through
 * the session that edited them in. Within one session V8's live edit keeps a script's id for
 * every version it makes; another session knows each version by an id of its own.
 */
interface Edit {
  unit: CountedUnit;
  named: NamedFunctions;
  session: LiveEditSession;
  scriptId: string;
  back: string[];
}

/** The units whose calls could not be counted, and why (for the profile's notes). */
export interface Uncounted {
  file: string;
  why: string;
}

/**
 * Counts the calls of the units' functions while a statement runs: each unit whose script V8
 * still holds is edited to its counting version (begin), and back after (end, then
 * restoreCounters). A unit the statement compiles runs its counting version from the start.
 */
export class CallCounting {
  private readonly session = new LiveEditSession();
  private readonly edited: Edit[] = [];
  /** Units compiled with their counters for this statement, to edit back once their script exists. */
  private readonly fresh: { unit: CountedUnit; back: string[] }[] = [];
  readonly uncounted: Uncounted[] = [];
  /** From each counted unit's counting code back to its code, for the profile's positions. */
  readonly maps = new Map<number, TraceMap>();

  constructor(
    private readonly scriptOf: ScriptOf,
    private readonly named: NamedFunctions,
  ) {}

  /** Puts the counters in the units that have functions. */
  begin(units: readonly CountedUnit[]): void {
    collectGarbage();
    for (const unit of units) {
      if (unit.functions.length === 0) continue;
      const scriptId = this.scriptOf(this.session, unit);
      if (scriptId !== null) this.swapIn(unit, scriptId);
    }
  }

  /** The code a unit compiled for this statement runs: its counting version (edited back in `end`). */
  freshCode(unit: CountedUnit): string {
    const version = countingFromStart(unit);
    this.maps.set(unit.id, version.map);
    // Its top level runs once: only functions it defines can run (and show) its counters later.
    if (unit.functions.length > 0) this.fresh.push({ unit, back: wayBack(version, unit) });
    return version.counting;
  }

  private swapIn(unit: CountedUnit, scriptId: string): void {
    const version = countingVersion(unit, false);
    exposeCounts(unit);
    for (const [step, text] of version.steps.entries()) {
      const { status } = this.session.replace(scriptId, text);
      if (status === "Ok") continue;
      this.uncounted.push({ file: unit.file, why: refusal(status) });
      const applied = version.steps.slice(0, step);
      this.edited.push({ unit, named: this.named, session: this.session, scriptId, back: applied.length ? [...applied.slice(0, -1).reverse(), unit.code] : [] });
      return;
    }
    this.maps.set(unit.id, version.map);
    this.edited.push({ unit, named: this.named, session: this.session, scriptId, back: wayBack(version, unit) });
    const missed = this.named(unit).filter(({ fn, text }) => Function.prototype.toString.call(fn) === text);
    if (missed.length) this.uncounted.push({ file: unit.file, why: `V8's live edit did not reach ${missed.map(({ fn }) => fn.name || "<anonymous>").join(", ")}` });
  }

  /** Takes every counter out again; what V8 will not edit back now is tried again before code runs next (restoreCounters). */
  end(): void {
    for (const { unit, back } of this.fresh.splice(0)) {
      const scriptId = this.scriptOf(this.session, unit);
      if (scriptId !== null) this.edited.push({ unit, named: this.named, session: this.session, scriptId, back });
    }
    collectGarbage();
    for (const edit of this.edited.splice(0)) if (!putBack(edit)) unrestored.push(edit);
    closeUnused(this.session);
  }
}

/** The texts that take a counting version out again, step by step: its steps in reverse, then the code. */
function wayBack(version: CountingVersion, unit: CountedUnit): string[] {
  return [...version.steps.slice(0, -1).reverse(), unit.code];
}

/**
 * Units whose counters are still in. V8 refuses to edit a script while an async function or
 * generator of it may still resume, and it can hold a finished one as such until nothing reaches
 * it; the counters then count on, unread, until an edit succeeds.
 */
const unrestored: Edit[] = [];

/** Takes out the counters still in: called when the kernel is idle, and before code runs or a script is read for %lprun. */
export function restoreCounters(): void {
  if (unrestored.length === 0) return;
  collectGarbage();
  const sessions = new Set(unrestored.map((edit) => edit.session));
  for (const edit of unrestored.splice(0)) if (!putBack(edit)) unrestored.push(edit);
  for (const session of sessions) closeUnused(session);
}

/** Closes a session no edit still needs (its debugger stays on until then). */
function closeUnused(session: LiveEditSession): void {
  if (!unrestored.some((edit) => edit.session === session)) session.close();
}

/** Edits a unit's script back step by step (each step done is taken off `back`); whether it is all back. */
function putBack(edit: Edit): boolean {
  while (edit.back.length > 0) {
    if (edit.session.replace(edit.scriptId, edit.back[0]).status !== "Ok") return false;
    edit.back.shift();
  }
  repairLeftBehind(edit);
  return true;
}

/**
 * V8 can leave a function with the version it had when an edit does not match it to the new text
 * (it then stays in a script of its own). A named one is found and its script edited back whole.
 */
function repairLeftBehind({ unit, named }: Edit): void {
  const left = named(unit).filter(({ fn }) => counts(fn, unit));
  if (left.length === 0) return;
  const session = new LiveEditSession();
  try {
    for (const { fn } of left) {
      // A script the debugger no longer lists cannot be edited: the function keeps counting, unread.
      const scriptId = session.locate(fn).scriptId;
      if (session.knows(scriptId)) session.replace(scriptId, unit.code);
    }
  } finally {
    session.close();
  }
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

/**
 * %lprun's kernel side: counts a function's lines where it is, by live-editing the script that defines it
 * to its counting version (line-instrument.ts) for the statement and back again.
 * See docs/how-it-works.md, "Live edit (%lprun)".
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as acorn from "acorn";
import {
  UsageError,
  type LineInstrumentation,
  type LineProbes,
  type WorkerLineCode,
  type ProbeRequest,
  type ProbedFunction,
  type ResolvedFunction,
  type SourceUnit,
} from "../../magics/core/context";
import type { FunctionCategory, FunctionRef } from "../../magics/model/profile";

/** What the line profiler reads of the code the kernel (or `tsprof lprun`) compiled. */
export interface CompiledCode {
  units: UnitRegistry;
  unitForScript(url: string): Unit | undefined;
  /** What a local module exports, where the code knows it. */
  exportsOf(unit: Unit): Record<string, unknown> | undefined;
}
import { childNodes, isFunctionNode, walk } from "../instrument/ast";
import { findFunctions, PARSE_OPTIONS } from "../instrument/functions";
import {
  COUNTING_MARK,
  FIELD_NAME,
  fieldHelper,
  helperNames,
  instrumentScript,
  LAST_PROBE_TIME,
  lineCounters,
  NOW_NAME,
  ownerHelpers,
  probeNames,
  V8_DIFF_LINE_LIMIT,
  type InstrumentedScript,
  type Owner,
  type OwnerNode,
  type Probe,
} from "./line-instrument";
import { LiveEditSession, NoSourceError, type CodeLocation, type EditStatus } from "./live-edit";
import { anonymousAt, type Unit, type UnitRegistry } from "../exec/units";
import { workerLineCode, type WorkerTarget } from "./worker-line-hooks";
import { executedText } from "../instrument/function-text";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { LRUCache } from "lru-cache";
import { PARKED } from "./line-sampler";

type AnyNode = acorn.AnyNode;

/** A script as the profiler reads it: its original source, parsed, and how its lines are shown. */
interface Script {
  scriptId: string;
  url: string;
  source: string;
  program: acorn.Program;
  comments: acorn.Comment[];
  lineStarts: number[];
  /** The cell or local module it was compiled from; null for a package's or any other file. */
  unit: Unit | null;
  file: string;
  category: FunctionCategory;
}

interface Target {
  script: Script;
  node: OwnerNode;
  name: string;
  /** The node whose start is the function's first line (a method's key, a class's `class`). */
  head: AnyNode;
  /** The function object the user named, to check that the edit reached it. */
  fn?: Function;
  /** Its text before the edit (see reached). */
  textBefore?: string;
  /** Inside a function that can run more than once: other function objects may share its code. */
  inClosure?: boolean;
}

/** cProfile's name for a script's top level. */
const MODULE_NAME = "<module>";

/**
 * Scripts whose original could not be put back yet (a generator of theirs was suspended), by id:
 * the texts still to put in, in order, the original last.
 */
const unrestored = new Map<string, string[]>();
/** The originals a finished %lprun puts back once the kernel is idle (see ProbeSet.restore). */
let waitingRestore: (() => void) | null = null;
let nextSlot = 0;

export function lineInstrumentation(executor: CompiledCode, cwd: string): LineInstrumentation {
  const probes = (set: ProbeSet): LineProbes => ({
    functions: set.functions,
    swapIn: () => set.swapIn(),
    restore: (thrown, options) => set.restore(thrown, options),
    workers: set.workers,
    notes: set.notes,
  });
  return {
    instrument: (request) => probes(ProbeSet.open(executor, cwd, request)),
    instrumentCode: (request) => {
      const set = ProbeSet.open(executor, cwd, request);
      return { ...probes(set), transform: set.transform };
    },
  };
}

interface Edit {
  script: Script;
  text: string;
  /**
   * The source with the twin spots the text needs, edited in first and back on the way out (see
   * InstrumentedScript.spotted).
   */
  spotted: string | null;
  targets: Target[];
  /** Lines the edit changed that V8 replaces whole (see V8_DIFF_LINE_LIMIT). */
  longLines: number[];
  map: TraceMap;
}

/**
 * The counters of the chosen functions and the edits that put them in, one per script. The
 * debugger is on from `open` until `restore`.
 */
class ProbeSet implements LineProbes {
  readonly functions: ProbedFunction[] = [];
  private readonly slots: number[] = [];
  private readonly copies: (Omit<WorkerTarget, "index"> & { of: ProbedFunction })[] = [];
  private readonly edits: Edit[] = [];
  /** The edits in place, each with the texts that put its original back, in order. */
  private readonly swapped: { edit: Edit; back: string[] }[] = [];
  private compiledCell: { unit: Unit; restored: string } | null = null;
  /**
   * Whether a function the edits change can be suspended (a generator or an async function): V8
   * then refuses an edit back while one is.
   */
  private suspendable = false;
  private waiting = false;
  private closed = false;

  private constructor(
    private readonly session: LiveEditSession,
    private readonly executor: CompiledCode,
    private readonly clockLines: boolean,
    readonly notes: string[],
  ) {}

  static open(executor: CompiledCode, cwd: string, request: ProbeRequest): ProbeSet {
    waitingRestore?.();
    const session = new LiveEditSession();
    try {
      retryRestores(session);
      const notes: string[] = [];
      const targets = [
        ...request.functions.map((f) => locateTarget(session, executor, cwd, f, notes)),
        ...request.modules.flatMap((m) => moduleTargets(session, executor, cwd, m, notes)),
      ];
      const set = new ProbeSet(session, executor, request.clockLines, notes);
      for (const script of new Set(targets.map((t) => t.script))) {
        const mine = targets.filter((t, i) => t.script === script && targets.findIndex((u) => u.node === t.node) === i);
        const { text, spotted, longLines, traceMap } = set.add(mine);
        set.edits.push({ script, text, spotted, targets: mine, longLines, map: traceMap });
      }
      return set;
    } catch (e) {
      session.close();
      throw e;
    }
  }

  /** The counting version of the targets' script; their counters join `functions`, in order. */
  private add(targets: Target[]): InstrumentedScript & { traceMap: TraceMap } {
    const owners = targets.map((t) => ({ node: t.node, slot: nextSlot++, inPlace: t.name === MODULE_NAME }));
    this.suspendable ||= owners.some((o) => !o.inPlace && canSuspend(o.node));
    const { source, comments } = targets[0].script;
    const instrumented = instrumentScript(source, owners, { clockLines: this.clockLines, comments });
    const traceMap = new TraceMap(instrumented.map as any);
    everMade.add(digest(instrumented.text));
    countingVersions.set(instrumented.text, { original: targets[0].script.source, map: traceMap });
    // A cell's top level keeps its counters when it is edited back (see transform), and so do the
    // callbacks it made in place, which may run later: their arrays must stay defined.
    this.slots.push(...owners.filter((o) => !o.inPlace).map((o) => o.slot));
    const described = targets.map((t, i) => describe(t, owners[i], instrumented.probes[i]));
    this.copies.push(
      ...owners.map((o, i) => ({
        text: source.slice(o.node.start, o.node.end),
        slot: o.slot,
        probeCount: instrumented.probes[i].length,
        url: targets[0].script.url,
        of: described[i],
      })),
    );
    this.functions.push(...described);
    return { ...instrumented, traceMap };
  }

  /** For the workers' copies of the functions (not of a cell's top level, which runs once, on the main thread). */
  get workers(): WorkerLineCode {
    const copies = this.copies
      .filter((c) => c.of.ref.name !== MODULE_NAME)
      .map(({ of, ...c }) => ({ ...c, index: this.functions.indexOf(of) }));
    return workerLineCode(copies, this.clockLines, parse);
  }

  /** For `evaluate`'s compile: the code of a cell with its top level and named functions counted. */
  transform = (sourceUnit: SourceUnit): string => {
    const unit = sourceUnit as Unit;
    const script = unitScript(unit);
    const before = this.functions.splice(0);
    const { text, withoutTwins } = this.add(cellTargets(script));
    this.functions.push(...before);
    defineHelpers();
    // Edited back to this rather than to the plain code: its top level has run and will not run
    // again, and its lines stay as they ran, so V8 finds every function in them (see line-instrument.ts).
    this.compiledCell = { unit, restored: withoutTwins };
    return text;
  };

  swapIn(): void {
    defineHelpers();
    for (const edit of this.edits) {
      const { source, scriptId, file } = edit.script;
      const way = edit.spotted === null ? [edit.text] : [edit.spotted, edit.text];
      for (const [step, text] of way.entries()) {
        const { status, message } = this.session.replace(scriptId, text);
        if (status === "Ok") continue;
        if (step > 0) this.swapped.push({ edit, back: [source] });
        const names = this.functions.filter((f) => f.ref.file === file).map((f) => f.ref.name);
        this.restore();
        throw new UsageError(refusal(status, message, file, names));
      }
      this.swapped.push({ edit, back: edit.spotted === null ? [source] : [edit.spotted, source] });
    }
    this.checkReached();
  }

  /** An edit V8 accepted can still miss a function (it then runs its old code): say so rather than show zeros. */
  private checkReached(): void {
    for (const edit of this.edits) {
      const missed = edit.targets.filter((t) => !reached(t));
      if (missed.length === 0) continue;
      this.restore();
      const line = longLineOf(edit, missed);
      const why =
        line !== null
          ? `its code is on a line too long for V8's live edit to follow (line ${line} ` +
            `of ${edit.script.file}, over ${V8_DIFF_LINE_LIMIT} characters once counted: minified code?)`
          : "V8's live edit did not reach this function object";
      throw new UsageError(
        `%lprun could not count the lines of ${missed.map((t) => t.name).join(", ")}: ${why}. ` +
          `Profile a function that calls it.`,
      );
    }
  }

  /** Positions in an error thrown by counting code, as the original code has them. */
  private mapStack(error: unknown): void {
    const stack = (error as Error | null)?.stack;
    if (typeof stack !== "string") return;
    let mapped = stack;
    for (const { edit } of this.swapped) {
      const url = edit.script.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      mapped = mapped.replace(new RegExp(`${url}:(\\d+):(\\d+)`, "g"), (whole, line, column) => {
        const back = originalPositionFor(edit.map, { line: Number(line), column: Number(column) - 1 });
        return back.line === null ? whole : `${edit.script.url}:${back.line}:${back.column + 1}`;
      });
    }
    if (mapped !== stack) Object.defineProperty(error, "stack", { value: mapped, configurable: true, writable: true });
  }

  /**
   * With `whenIdle`, after a statement that finished, and when nothing can block it, the edit
   * back waits until the kernel is idle or some code is about to run (restorePending): it walks
   * the heap as the edit in did, and the table need not wait for it. A suspended generator or
   * async function is the only thing that blocks an edit back once the statement is over.
   */
  restore(thrown?: unknown, options: { whenIdle?: boolean } = {}): string[] {
    if (this.waiting) return [];
    if (
      options.whenIdle &&
      thrown === undefined &&
      !this.compiledCell &&
      !this.suspendable &&
      this.swapped.length > 0
    ) {
      this.waiting = true;
      waitingRestore = () => {
        waitingRestore = null;
        this.waiting = false;
        this.putBack(undefined);
      };
      return [];
    }
    return this.putBack(thrown);
  }

  private putBack(thrown: unknown): string[] {
    this.mapStack(thrown);
    const notes: string[] = [];
    const back = this.swapped.splice(0).map(({ edit, back }) => ({
      scriptId: edit.script.scriptId,
      steps: back,
      what: `The counting code of ${edit.script.file}`,
    }));
    const cell = this.compiledCell;
    this.compiledCell = null;
    const cellScript = cell ? this.session.scriptIdOf((url) => this.executor.unitForScript(url) === cell.unit) : null;
    if (cell && cellScript !== null)
      back.push({ scriptId: cellScript, steps: [cell.restored], what: "The functions this cell defined" });
    for (const { scriptId, steps, what } of back) {
      const status = replaceInTurn(this.session, scriptId, steps);
      if (status === "Ok") continue;
      unrestored.set(scriptId, steps);
      notes.push(
        `${what} keep counting for now: ${blockedBecause(status)}. tsprof puts the original back ` +
          `before a later cell runs, once it can.`,
      );
    }
    if (notes.length === 0) deleteCounters(this.slots);
    if (!this.closed) this.session.close();
    this.closed = true;
    return notes;
  }
}

/**
 * Whether the edit reached a target's function object. A function's text is then its counting
 * version's. A class's text is read from where the class was before the edit, in the edited
 * script (V8 keeps a class's text range apart from its constructor's code), so it shows only the
 * start of the counting version, which need not hold the mark yet; but it changes.
 */
function reached(target: Target): boolean {
  if (!target.fn) return true;
  const text = executedText(target.fn);
  return text.includes(COUNTING_MARK) || (isClassNode(target.node) && text !== target.textBefore);
}

/**
 * The source line of the first line too long for the edit (see V8_DIFF_LINE_LIMIT) that holds code
 * of the missed targets, if any.
 */
function longLineOf(edit: Edit, missed: Target[]): number | null {
  const line = edit.longLines.find((l) => missed.some((t) => t.node.loc!.start.line <= l && l <= t.node.loc!.end.line));
  if (line === undefined) return null;
  const column = Math.max(0, edit.script.source.split("\n")[line - 1].search(/\S/));
  return sourceLineOf(edit.script, { line, column }) ?? line;
}

/** Whether making an instance runs code of the class's own: its constructor or an instance field's initializer. */
function runsOwnCode(cls: acorn.Class): boolean {
  return cls.body.body.some(
    (m) =>
      (m.type === "MethodDefinition" && m.kind === "constructor") ||
      (m.type === "PropertyDefinition" && !m.static && m.value),
  );
}

function isClassNode(node: OwnerNode): node is acorn.Class {
  return node.type === "ClassDeclaration" || node.type === "ClassExpression";
}

/** A unit's code as a script to instrument before it first runs (V8 holds no script of it yet). */
function unitScript(unit: Unit): Script {
  const { program, comments } = parse(unit.code, unit.file);
  const { file, category } = unit;
  return {
    scriptId: "",
    url: file,
    source: unit.code,
    program,
    comments,
    lineStarts: lineStarts(unit.code),
    unit,
    file,
    category,
  };
}

/** The cell's top level (as `<module>`) and each named function it defines outside other functions. */
function cellTargets(script: Script): Target[] {
  const wrapper = (script.program.body[0] as acorn.ExpressionStatement).expression as acorn.CallExpression;
  const top = wrapper.callee as acorn.FunctionExpression;
  const inner: acorn.Program = { ...script.program, body: top.body.body as acorn.Statement[] };
  const targets: Target[] = [{ script, node: top, name: MODULE_NAME, head: top }];
  for (const site of findFunctions(inner)) {
    if (site.nested || site.name === "<anonymous>" || site.node === (top as acorn.Function)) continue;
    const found = targetAt(script.program, site.node.start, site.node.type === "ArrowFunctionExpression");
    if (found && !targets.some((t) => t.node === found.node)) targets.push({ script, ...found });
  }
  return targets;
}

/**
 * Counting code compiled in from the start, for a unit that has not run yet (a script `tsprof
 * lprun` loads): the functions and classes of `unit` that start at `starts` (offsets in its
 * executed code) get the counting twins %lprun's edit would give them, in the code the unit runs
 * from the start (nothing is edited back). Returns that code, to run instead of `unit.code`.
 */
export function compiledProbes(
  unit: Unit,
  starts: number[],
  clockLines: boolean,
): { code: string; functions: ProbedFunction[] } {
  const script = unitScript(unit);
  const targets: Target[] = [];
  for (const start of starts) {
    const found = targetAt(script.program, start, true);
    if (found && !targets.some((t) => t.node === found.node)) targets.push({ script, ...found });
  }
  const owners = targets.map((t) => ({ node: t.node, slot: nextSlot++ }));
  const instrumented = instrumentScript(unit.code, owners, { clockLines, comments: script.comments });
  defineHelpers();
  return { code: instrumented.text, functions: targets.map((t, i) => describe(t, owners[i], instrumented.probes[i])) };
}

/** Puts back the originals a previous run has not yet: called when the kernel is idle, and before any code runs. */
export function restorePending(): void {
  waitingRestore?.();
  if (unrestored.size === 0) return;
  const session = new LiveEditSession();
  try {
    retryRestores(session);
  } finally {
    session.close();
  }
}

function retryRestores(session: LiveEditSession): void {
  for (const [scriptId, steps] of [...unrestored])
    if (replaceInTurn(session, scriptId, steps) === "Ok") unrestored.delete(scriptId);
}

/** Puts in each text in turn, and takes the ones V8 accepted off `steps`; the status of the last tried. */
function replaceInTurn(session: LiveEditSession, scriptId: string, steps: string[]): EditStatus {
  while (steps.length > 0) {
    const { status } = session.replace(scriptId, steps[0]);
    if (status !== "Ok") return status;
    steps.shift();
  }
  return "Ok";
}

/** Whether a function in `node` can be suspended and so block an edit while it is (see ProbeSet.restore). */
function canSuspend(node: OwnerNode): boolean {
  let found = false;
  walk(node as AnyNode, (n) => {
    if (isFunctionNode(n) && (n.async || n.generator)) found = true;
    return !found;
  });
  return found;
}

function locateTarget(
  session: LiveEditSession,
  executor: CompiledCode,
  cwd: string,
  { expression, fn: named }: ResolvedFunction,
  notes: string[],
): Target {
  const fn = session.boundTarget(named);
  let location: CodeLocation;
  try {
    location = session.locate(fn);
  } catch (e) {
    if (!(e instanceof NoSourceError)) throw e;
    throw new UsageError(
      `${expression} is a native function (${fn.name || "anonymous"}): it has no JavaScript source, ` +
        `so %lprun has no lines to count. Profile a function that calls it.`,
    );
  }
  const current = session.source(location.scriptId);
  const inV8 = location;
  location = originalLocation(location, current);
  const script = readScript(session, executor, cwd, location, current);
  const offset = script.lineStarts[location.lineNumber] + location.columnNumber;
  const found = targetAt(script.program, offset, true);
  if (!found) {
    const line =
      sourceLineOf(script, { line: location.lineNumber + 1, column: location.columnNumber }) ?? location.lineNumber + 1;
    throw new UsageError(
      `%lprun found ${expression} in ${script.file} at line ${line}, but not a function there it ` +
        `can count; please report this.`,
    );
  }
  if (isClassNode(found.node) && !runsOwnCode(found.node)) {
    const base = found.node.superClass ? ": its base class's constructor runs instead, so profile that class" : "";
    throw new UsageError(
      `%lprun has no lines to count in ${expression}: the class has no constructor and no field ` +
        `initializers of its own, so none of its code runs when one is made${base}. Its methods can ` +
        `be profiled (-f ${expression}.prototype.NAME).`,
    );
  }
  const target = { script, ...found, fn, textBefore: executedText(fn) };
  notes.push(...whatItStandsFor(session, expression, named, target, inV8));
  return target;
}

/**
 * Says when -f's function is not plainly the one counted: a bound function's target, code that
 * other function objects share.
 */
function whatItStandsFor(
  session: LiveEditSession,
  expression: string,
  named: Function,
  target: Target,
  inV8: CodeLocation,
): string[] {
  const where = `${target.name} (${target.script.file}:${sourceLineOf(target.script, target.head.loc!.start)})`;
  const notes: string[] = [];
  if (target.fn !== named)
    notes.push(`${expression} is a bound function: %lprun profiles the function it calls, ${where}.`);
  const shared = target.inClosure ? session.functionsSharingCode(target.fn!, inV8) : 1;
  if (shared > 1)
    notes.push(
      `${expression} runs code that ${shared} functions share (closures made by one function, like ` +
        `a library's dispatcher): %lprun counts the lines of ${where} in every call of any of them.`,
    );
  return notes;
}

const PARSED_SCRIPTS_KEPT = 16;
const COUNTING_VERSIONS_KEPT_CHARS = 64 * 2 ** 20;

/**
 * Every counting version made in this session, by digest: what `countingVersions` has let go of is
 * still told apart from a source.
 */
const everMade = new Set<string>();

function digest(text: string): string {
  return createHash("sha1").update(text).digest("base64");
}

/**
 * The scripts read last, parsed, by V8 script id: each edit gives a script a new id, and a
 * package's syntax tree can be large.
 */
const scripts = new LRUCache<string, Script>({ max: PARSED_SCRIPTS_KEPT });

/**
 * The counting versions made lately, by text, with the way back to their sources. V8's live edit
 * gives each edit a new script, and a function the edit did not change stays with it: its
 * location is then in a counting version, which this maps back to the source. Kept by size, as
 * long texts of packages come and go; one that has been let go is refused when met (see readScript).
 */
export const countingVersions = new LRUCache<string, { original: string; map: TraceMap }>({
  maxSize: COUNTING_VERSIONS_KEPT_CHARS,
  sizeCalculation: (made, text) => text.length + made.original.length,
});

function originalLocation(location: CodeLocation, source: string): CodeLocation {
  const made = countingVersions.get(source);
  if (!made) return location;
  const back = originalPositionFor(made.map, { line: location.lineNumber + 1, column: location.columnNumber });
  if (back.line === null) return location;
  return { ...location, lineNumber: back.line - 1, columnNumber: back.column };
}

/** `current`: the script's source as V8 holds it now, when the caller has already read it. */
function readScript(
  session: LiveEditSession,
  executor: CompiledCode,
  cwd: string,
  location: CodeLocation,
  current = session.source(location.scriptId),
): Script {
  const source = unrestored.get(location.scriptId)?.at(-1) ?? countingVersions.get(current)?.original ?? current;
  // A script read before with this text was a source then, and a counting version is never a source.
  const cached = scripts.get(location.scriptId);
  if (cached && cached.source === source) return cached;
  if (source === current && everMade.has(digest(current))) {
    throw new UsageError(
      `%lprun cannot count the lines of ${displayPath(cwd, location.url)} here: V8 still holds this ` +
        `function in a counting version made by a %lprun many runs ago, which tsprof no longer maps ` +
        `back to its source. Re-run the cell (or re-import the module) that defines it, then %lprun it again.`,
    );
  }
  const unit = executor.unitForScript(location.url) ?? executor.unitForScript(filePath(location.url)) ?? null;
  const script: Script = {
    scriptId: location.scriptId,
    url: location.url,
    source,
    ...parse(source, location.url),
    lineStarts: lineStarts(source),
    unit,
    file: unit?.file ?? displayPath(cwd, location.url),
    category: unit?.category ?? (location.url.startsWith("node:") ? "runtime" : "library"),
  };
  scripts.set(location.scriptId, script);
  return script;
}

/** A script's syntax tree and comments; a file that is not a script is an ES module. */
function parse(source: string, url: string): { program: acorn.Program; comments: acorn.Comment[] } {
  const as = (sourceType: "script" | "module") => {
    const comments: acorn.Comment[] = [];
    return { program: acorn.parse(source, { ...PARSE_OPTIONS, sourceType, onComment: comments }), comments };
  };
  try {
    return as("script");
  } catch (scriptError) {
    try {
      return as("module");
    } catch {
      throw new UsageError(`%lprun could not read the source of ${url}: ${(scriptError as Error).message}.`);
    }
  }
}

function filePath(url: string): string {
  return url.startsWith("file:") ? fileURLToPath(url) : url;
}

function displayPath(cwd: string, url: string): string {
  const file = filePath(url);
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(cwd, file);
  return relative.startsWith("..") ? file : relative;
}

function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * The function or class whose code starts at `offset`, as V8 reports it: a function's parameter
 * list (an arrow's first token), or `class` for a class with no constructor. A constructor stands
 * for its class, whose field initializers run with it.
 */
function targetAt(program: acorn.Program, offset: number, arrowsStartThere: boolean): Omit<Target, "script"> | null {
  let found: { node: AnyNode; parents: AnyNode[] } | null = null;
  const visit = (node: AnyNode, parents: AnyNode[]): void => {
    if (node.start > offset || node.end <= offset) return;
    if (startsAt(node, offset, arrowsStartThere)) found = { node, parents };
    for (const child of childNodes(node)) visit(child, [...parents, node]);
  };
  visit(program, []);
  if (!found) return null;
  const { node, parents } = found as { node: AnyNode; parents: AnyNode[] };
  const parent = parents[parents.length - 1];
  if (parent?.type === "MethodDefinition" && parent.kind === "constructor") {
    const cls = parents[parents.length - 3] as acorn.Class;
    const outer = parents.slice(0, -3);
    return { node: cls, name: className(cls, outer), head: cls as AnyNode, inClosure: insideRepeatable(outer) };
  }
  if (node.type === "ClassDeclaration" || node.type === "ClassExpression")
    return { node, name: className(node, parents), head: node, inClosure: insideRepeatable(parents) };
  const fn = node as acorn.Function;
  const site = findFunctions(program).find((s) => s.node.start === fn.start && s.node.end === fn.end);
  const head =
    parent?.type === "MethodDefinition" ||
    parent?.type === "PropertyDefinition" ||
    (parent?.type === "Property" && parent.value === fn && (parent.method || parent.kind !== "init"))
      ? parent
      : fn;
  return { node: fn, name: site?.name ?? "<anonymous>", head: head as AnyNode, inClosure: insideRepeatable(parents) };
}

/**
 * Whether a node with these ancestors is inside a function that can run more than once, which
 * makes a function object each time it runs, all sharing the node's code. Wrappers run once
 * around a whole script (a cell's, a bundle's factory) do not count: they are called where they
 * are written, in a statement at the top of the script or of another such wrapper.
 */
function insideRepeatable(parents: AnyNode[]): boolean {
  return parents.some((p, i) => isFunctionNode(p) && !runOnce(parents, i));
}

function runOnce(parents: AnyNode[], i: number): boolean {
  if (parents[i - 1]?.type !== "CallExpression") return false;
  let at = i - 2;
  while (parents[at]?.type === "UnaryExpression" || parents[at]?.type === "AwaitExpression") at--;
  if (parents[at]?.type !== "ExpressionStatement") return false;
  const body = parents[at - 1];
  return (
    body?.type === "Program" ||
    (body?.type === "BlockStatement" && isFunctionNode(parents[at - 2]) && runOnce(parents, at - 2))
  );
}

function startsAt(node: AnyNode, offset: number, arrowsStartThere: boolean): boolean {
  switch (node.type) {
    case "ArrowFunctionExpression":
      return arrowsStartThere ? node.start === offset : node.start <= offset && offset < node.body.start;
    case "FunctionDeclaration":
    case "FunctionExpression":
      return node.start <= offset && offset < node.body.start;
    case "ClassDeclaration":
    case "ClassExpression":
      return node.start === offset;
    default:
      return false;
  }
}

function className(cls: acorn.Class, parents: AnyNode[]): string {
  if (cls.id) return cls.id.name;
  const holder = parents[parents.length - 1];
  return holder?.type === "VariableDeclarator" && holder.id.type === "Identifier" ? holder.id.name : "<class>";
}

/** What the profile shows of a target: its lines as written and where each probe is. */
function describe(target: Target, owner: Owner, probes: Probe[]): ProbedFunction {
  const { script } = target;
  const lineOf = (pos: acorn.Position) => sourceLineOf(script, pos);
  const sourceLines = script.unit ? script.unit.source.split("\n") : script.source.split("\n");
  const base = script.unit ? script.unit.firstLine : 1;
  // A cell's top level shows the whole cell.
  const whole = target.name === MODULE_NAME;
  const firstLine = whole ? base : (lineOf(target.head.loc!.start) ?? 1);
  const lastLine = whole
    ? base + sourceLines.length - 1
    : Math.max(firstLine, lastSourceLine(script, target.node, sourceLines, base));
  const lines: string[] = [];
  for (let line = firstLine; line <= lastLine; line++) lines.push(sourceLines[line - base] ?? "");
  const counters = newCounters(owner.slot, probes.length + 1);
  const ref: FunctionRef = {
    name: anonymousAt(target.name, script.file, firstLine),
    file: script.file,
    line: firstLine,
    category: script.category,
  };
  return {
    ref,
    lines,
    probes: probes.flatMap((probe) => {
      const line = lineOf(probe.loc);
      return line === null ? [] : [{ id: probe.id, line }];
    }),
    ...counters,
  };
}

/**
 * The source line a function or class ends on. Compiled code can end on a line with no mapping
 * (a class's closing brace): then the last line that has one, and the closing-brace lines after it.
 */
function lastSourceLine(script: Script, node: acorn.Node, sourceLines: string[], base: number): number {
  const end = node.loc!.end;
  const exact = sourceLineOf(script, { line: end.line, column: Math.max(0, end.column - 1) });
  if (exact !== null) return exact;
  const jsLines = script.source.split("\n");
  for (let line = end.line - 1; line >= node.loc!.start.line; line--) {
    const mapped = sourceLineOf(script, { line, column: Math.max(0, jsLines[line - 1].search(/\S/)) });
    if (mapped === null) continue;
    let last = mapped;
    while (/^\s*[})\];,]+\s*$/.test(sourceLines[last + 1 - base] ?? "")) last++;
    return last;
  }
  return node.loc!.start.line;
}

function sourceLineOf(script: Script, pos: { line: number; column: number }): number | null {
  return script.unit ? script.unit.toSourceLine(pos.line, pos.column) : pos.line;
}

/**
 * The owner's arrays and helpers, as the global names its counting code reads (never reassigned:
 * the JIT folds them).
 */
function newCounters(slot: number, probeCount: number) {
  const counters = lineCounters(probeCount);
  const helpers = ownerHelpers(now, LAST_PROBE_TIME, PARKED)(
    counters.hits,
    counters.current,
    counters.clock,
    counters.lineClock,
  );
  const define = (name: string, value: unknown) =>
    Object.defineProperty(globalThis, name, { value, writable: false, configurable: true, enumerable: false });
  for (const [key, name] of Object.entries(probeNames(slot))) define(name, counters[key as keyof typeof counters]);
  for (const [key, name] of Object.entries(helperNames(slot))) define(name, helpers[key as keyof typeof helpers]);
  return counters;
}

/** Once the originals are back, nothing reads an owner's arrays. */
function deleteCounters(slots: number[]): void {
  for (const slot of slots)
    for (const name of [...Object.values(probeNames(slot)), ...Object.values(helperNames(slot))])
      delete (globalThis as any)[name];
}

const now = () => performance.now();

let helpersDefined = false;

/** The clock and the field-initializer wrapper the counting code calls. */
function defineHelpers(): void {
  if (helpersDefined) return;
  helpersDefined = true;
  const field = fieldHelper(now, LAST_PROBE_TIME);
  for (const [name, value] of [
    [NOW_NAME, now],
    [FIELD_NAME, field],
  ] as const)
    Object.defineProperty(globalThis, name, { value, writable: false, configurable: false, enumerable: false });
}

function refusal(status: EditStatus, message: string | undefined, file: string, names: string[]): string {
  if (status === "CompileError")
    return `%lprun could not compile its counting version of ${file}${message ? `: ${message}` : ""}; please report this.`;
  return (
    `%lprun cannot count the lines of ${names.join(", ")} right now: ${blockedBecause(status)}. ` +
    `Let it finish (or drop the generator) and run %lprun again.`
  );
}

function blockedBecause(status: EditStatus): string {
  switch (status) {
    case "BlockedByActiveGenerator":
      return (
        "a generator or async call of its code is suspended (started and not finished), and V8 " +
        "cannot change code that is suspended"
      );
    case "BlockedByActiveFunction":
      return "its code is running on the call stack, and V8 cannot change code while it runs";
    case "BlockedByTopLevelEsModuleChange":
      return "V8 cannot change the top level of an ES module";
    default:
      return `V8 refused the change (${status})`;
  }
}

/** `-m ./lib`: every top-level function of a local module a cell imported, found in its script. */
function moduleTargets(
  session: LiveEditSession,
  executor: CompiledCode,
  cwd: string,
  module: string,
  notes: string[],
): Target[] {
  const wanted = withoutExtension(path.resolve(cwd, module));
  const unit = [...executor.units.all()]
    .reverse()
    .find((u) => u.category === "module" && withoutExtension(path.resolve(cwd, u.file)) === wanted);
  const scriptId = unit ? session.scriptIdOf((url) => executor.unitForScript(filePath(url)) === unit) : null;
  if (!unit || scriptId === null) {
    throw new UsageError(
      `%lprun -m ${module}: no local module of that name has been imported yet. Import it in a cell ` +
        `first; -m takes the path you import (like ./lib).`,
    );
  }
  const script = readScript(session, executor, cwd, {
    scriptId,
    url: session.urlOf(scriptId),
    lineNumber: 0,
    columnNumber: 0,
  });
  // An exported function is found through its object, which knows the script its code is in
  // now (each edit gives the module a new script, and an unchanged function stays in the old one).
  const exported = executor.exportsOf(unit) ?? {};
  const targets = findFunctions(script.program)
    .filter((site) => !site.nested && site.binding !== null)
    .flatMap((site): Target[] => {
      const fn = exported[site.binding!];
      if (typeof fn === "function")
        return [
          locateTarget(
            session,
            executor,
            cwd,
            { expression: site.binding!, fn, ref: { name: site.name, file: unit.file, line: 0, category: "module" } },
            notes,
          ),
        ];
      const found = targetAt(script.program, site.node.start, site.node.type === "ArrowFunctionExpression");
      return found ? [{ script, ...found }] : [];
    });
  if (targets.length === 0)
    throw new UsageError(`%lprun -m ${module}: ${unit.file} has no top-level functions to profile.`);
  return targets;
}

function withoutExtension(file: string): string {
  return file.replace(/\.(ts|tsx|js|mjs|cjs)$/, "");
}

/**
 * The counting version of a script that %lprun swaps in by live edit (line-hooks.ts): a probe before
 * every statement, the line saved and restored around calls, yields and awaits, and each function's twin.
 * See docs/how-it-works.md, "Live edit (%lprun)".
 */
import type * as acorn from "acorn";
import MagicString from "magic-string";
import { afterArrow, childNodes, patternNames, walk } from "../instrument/ast";
import { CALL_COUNTER_PREFIX, TWIN_SPOT } from "../instrument/instrument";
import { sharedArray } from "../../magics/measure/samplers/shared-array";
import { PARKED } from "./line-sampler";

/** The global names of owner `slot`'s arrays and the helpers the counting code calls. */
export function probeNames(slot: number) {
  return {
    hits: `${COUNTING_MARK}${slot}`,
    current: `__tsprof_lc${slot}`,
    clock: `__tsprof_lt${slot}`,
    lineClock: `__tsprof_ll${slot}`,
  };
}
/** The global names of owner `slot`'s helpers (see ownerHelpers). */
export function helperNames(slot: number) {
  const hits = probeNames(slot).hits;
  return {
    tick: `${hits}t`,
    switchTo: `${hits}s`,
    enter: `${hits}e`,
    exit: `${hits}x`,
    park: `${hits}p`,
    unpark: `${hits}u`,
  };
}
export const NOW_NAME = "__tsprof_now";
/** In the text of every function or class whose counting twin is in place (its hits array's name). */
export const COUNTING_MARK = "__tsprof_lh";
export const FIELD_NAME = "__tsprof_field";
const SAVED = "__tsprof_lp";

const YIELD_SAVED = "__tsprof_ys";
const YIELD_VALUE = "__tsprof_yv";
const AWAIT_SAVED = "__tsprof_as";
/** Where in an owner's clock array the time of its last probe is kept, with -c. */
export const LAST_PROBE_TIME = 2;

/**
 * An owner's arrays, as its counting code reads them through probeNames: hits and the time per
 * probe id, the current statement, running activations and the calls awaiting on each statement
 * (see PARKED), the owner's clock. In shared memory, so that the line sampler's thread reads
 * them, and so that a worker's outlive the worker.
 */
export function lineCounters(probeCount: number) {
  return {
    hits: sharedArray(Uint32Array, probeCount),
    current: sharedArray(Int32Array, PARKED + probeCount),
    clock: sharedArray(Float64Array, LAST_PROBE_TIME + 1),
    lineClock: sharedArray(Float64Array, probeCount),
  };
}

export interface Probe {
  id: number;
  /** Where the statement the probe stands for starts in the original source (ordering on a line). */
  anchor: number;
  /** Its first token's position in the original source, to map to a source line. */
  loc: acorn.Position;
}

export type OwnerNode = acorn.Function | acorn.Class;

export interface Owner {
  node: OwnerNode;
  /** Names its arrays (see `probeNames`). */
  slot: number;
  /**
   * Counted in its own code, not by a twin: a cell's top level compiled with its probes, which runs
   * once and is never edited back.
   */
  inPlace?: boolean;
}

/**
 * V8's live edit diffs changed lines character by character only below this length; a longer
 * changed line is replaced whole, and the functions starting on it become new functions that no
 * existing closure runs.
 */
export const V8_DIFF_LINE_LIMIT = 800;

export interface InstrumentedScript {
  /** Lines (1-based) where a twin had to go inside a line that is then too long for the edit to reach its functions. */
  longLines: number[];
  text: string;
  /** `text` with only the in-place owners' probes: what a script compiled from `text` is edited back to. */
  withoutTwins: string;
  /**
   * The source with twin spots where a twin goes inside a line and the source had none (code
   * tsprof did not compile), or null: the edit then goes to this first and on to `text`, and
   * back the same way, so that each step inserts or deletes only what one diff finds exactly.
   */
  spotted: string | null;
  /** From `text` back to the source it was made from. */
  map: object;
  /** Per owner, in the order given: probes in order of their anchors (several can share an id: for…of headers). */
  probes: Probe[][];
}

type AnyNode = acorn.AnyNode;
interface Guard {
  save: string;
  restore: string;
}
type Fn = acorn.Function;

/**
 * The counting version of `source` for the owners. An owner nested in another owner is counted on
 * its own: its lines are not the outer owner's.
 */
export function instrumentScript(
  source: string,
  owners: Owner[],
  options: { clockLines: boolean; comments: acorn.Comment[] },
): InstrumentedScript {
  const ownerNodes = new Set<AnyNode>(owners.map((o) => o.node as AnyNode));
  const probes = new Map<Owner, Probe[]>();
  const twins = new Map<Owner, Insertion[]>();
  const twinOf = (owner: Owner): Insertion[] => {
    const known = twins.get(owner);
    if (known) return known;
    const scratch = new MagicString(source);
    const editor = new LineEditor(source, scratch, probeNames(owner.slot), ownerNodes, options.clockLines, owner.slot);
    editor.visitOwner(owner.node);
    for (const inner of directlyInside(owner, owners))
      for (const { at, text } of twinOf(inner)) scratch.appendRight(at, text);
    flatten(source, scratch, owner.node as AnyNode, options.comments);
    probes.set(
      owner,
      editor.probes.sort((a, b) => a.anchor - b.anchor),
    );
    const made = twinInsertions(
      source,
      scratch,
      owner.node,
      probeNames(owner.slot),
      options.clockLines,
      editor.twinGuard,
    );
    twins.set(owner, made);
    return made;
  };
  const s = new MagicString(source);
  const longLines: number[] = [];
  for (const owner of owners.filter((o) => o.inPlace)) {
    const editor = new LineEditor(source, s, probeNames(owner.slot), ownerNodes, options.clockLines, owner.slot);
    editor.visitOwner(owner.node);
    probes.set(
      owner,
      editor.probes.sort((a, b) => a.anchor - b.anchor),
    );
  }
  const withoutTwins = s.toString();
  const spotted = new MagicString(source);
  let spotsAdded = false;
  for (const owner of owners.filter((o) => !o.inPlace)) {
    for (const { at, text, inSpot } of twinOf(owner)) {
      const inline = !text.endsWith("\n");
      const addSpot = inline && !inSpot && canAddSpot(source, at, text);
      s.appendRight(at, addSpot ? TWIN_SPOT[0] + text + TWIN_SPOT[1] : text);
      if (addSpot) spotted.appendRight(at, TWIN_SPOT);
      spotsAdded ||= addSpot;
      if (inline && lineLength(source, at) + text.length >= V8_DIFF_LINE_LIMIT)
        longLines.push(source.slice(0, at).split("\n").length);
    }
  }
  return {
    text: s.toString(),
    withoutTwins,
    spotted: spotsAdded ? spotted.toString() : null,
    map: s.generateMap({ hires: true }),
    probes: owners.map((o) => probes.get(o)!),
    longLines,
  };
}

interface Insertion {
  at: number;
  text: string;
  /** In a twin spot the unit's compile left (see TWIN_SPOT). */
  inSpot: boolean;
}

/** Whether a twin spot added at `at` would be one: its characters are neither beside it nor in the text. */
function canAddSpot(source: string, at: number, text: string): boolean {
  return ![source[at - 1], source[at], text].some((t) => t?.includes(TWIN_SPOT[0]));
}

function directlyInside(owner: Owner, owners: Owner[]): Owner[] {
  const inside = owners.filter((o) => o !== owner && contains(owner.node, o.node));
  return inside.filter((o) => !inside.some((p) => p !== o && contains(p.node, o.node)));
}

function contains(outer: acorn.Node, inner: acorn.Node): boolean {
  return (
    outer.start <= inner.start && inner.end <= outer.end && (outer.start !== inner.start || outer.end !== inner.end)
  );
}

/**
 * Where the counting twin of an owner goes and what it is. V8's live edit maps an existing
 * closure to its function's new code only when the function still starts and ends where it did
 * (an insertion right before a function's closing brace or at the end of an arrow's expression
 * makes it a new function, which no existing closure runs). So nothing is inserted at a
 * function's end: the counting version of its body is prepended as an arrow function it returns
 * at once, which shares its `this`, `arguments`, `super` and `new.target`, and the original
 * body stays behind it, unreached. Generators hand on to a generator twin with `yield*`. The
 * twin is one line (see `flatten`), so V8's line-by-line diff finds every original line where it
 * was, and the script keeps its line numbers.
 */
function twinInsertions(
  source: string,
  scratch: MagicString,
  node: OwnerNode,
  names: ReturnType<typeof probeNames>,
  clockLines: boolean,
  guard: Guard | undefined,
): Insertion[] {
  if (node.type === "ClassDeclaration" || node.type === "ClassExpression") {
    const cls = node as acorn.Class;
    const insertions: Insertion[] = [];
    for (const member of cls.body.body) {
      if (member.type === "MethodDefinition" && member.kind === "constructor")
        insertions.push(functionTwin(source, scratch, member.value, guard));
      if (member.type === "PropertyDefinition" && !member.static && member.value) {
        const copy = oneLine(scratch.slice(member.value.start, member.value.end));
        const { hits, current, clock, lineClock } = names;
        const text = `1 ? ${FIELD_NAME}(${hits}, ${current}, ${clock}, ${clockLines ? lineClock : "null"}, ${fieldProbeId(scratch, member)}, () => (${copy})) : `;
        insertions.push(
          placed(inTwinSpot(source, member.value.start - TWIN_SPOT.length, text), member.value.start, text),
        );
      }
    }
    return insertions;
  }
  return [functionTwin(source, scratch, node as Fn, guard)];
}

/** The id the scratch editor gave a field's probe, kept as a marker comment. */
function fieldProbeId(scratch: MagicString, member: acorn.PropertyDefinition): number {
  const marker = /^\/\*tsprof:(\d+)\*\//.exec(scratch.slice(member.start, member.end));
  return Number(marker![1]);
}

function functionTwin(source: string, scratch: MagicString, fn: Fn, guard: Guard | undefined): Insertion {
  const body = fn.body;
  const async = fn.async ? "async " : "";
  if (body.type !== "BlockStatement") {
    const arrow = afterArrow(source, body);
    const text = ` 1 ? (${async}() =>${oneLine(scratch.slice(arrow, fn.end))})() :`;
    return placed(inTwinSpot(source, arrow, text), arrow, text);
  }
  const start = contentStart(source, body);
  const copy = oneLine(scratch.slice(start, body.end - 1));
  const twin = (params: string) =>
    fn.generator
      ? `return yield* (${async}function* (${params}) {${copy}})${params ? `.call(this, ${params})` : ".apply(this, arguments)"};`
      : guard
        ? `${guard.save} return ((${params}) => {${copy}})(${params});${guard.restore}`
        : `return (${async}(${params}) => {${copy}})(${params});`;
  // On a line of its own when the body's first statement starts a line: V8's diff then sees one
  // new line and every other line unchanged, however long the twin.
  const first = body.body.find((st) => !isDirective(st) && !source.startsWith(CALL_COUNTER_PREFIX, st.start));
  const lineStart = first ? source.lastIndexOf("\n", first.start - 1) + 1 : -1;
  if (first && lineStart > start && /^\s*$/.test(source.slice(lineStart, first.start)))
    return { at: lineStart, text: `${twin(handedParameters(fn).join(", "))}\n`, inSpot: false };
  // Inside a line V8 diffs characters, and a parameter list in the twin could be matched with the
  // function's own, moving where V8 thinks the function starts: this twin captures them instead.
  const text = ` ${twin("")} `;
  return placed(inTwinSpot(source, start, text), start, text);
}

function placed(spot: number | null, otherwise: number, text: string): Insertion {
  return spot === null ? { at: otherwise, text, inSpot: false } : { at: spot, text, inSpot: true };
}

/**
 * Where `text` goes in the twin spot at `spot` (between its two characters; see TWIN_SPOT), or
 * null when there is none (code tsprof did not compile: a package's) or the text holds its
 * characters (a user's string literal can), and the twin then goes where it would otherwise.
 */
function inTwinSpot(source: string, spot: number, text: string): number | null {
  return source.startsWith(TWIN_SPOT, spot) && !text.includes(TWIN_SPOT[0]) ? spot + 1 : null;
}

/**
 * The parameters the twin takes as its own, by the same names and with the values they have when
 * the body starts: variables the twin captured instead would live in a context, and a loop that
 * reads them would pay a context load each time. A body that reads `arguments` keeps capturing
 * them, since in sloppy code `arguments` is bound to the function's own parameters.
 */
function handedParameters(fn: Fn): string[] {
  return readsArguments(fn.body) ? [] : fn.params.flatMap(patternNames);
}

/** Whether code reads the `arguments` of the function it is in (not of a function inside it). */
function readsArguments(node: acorn.AnyNode): boolean {
  let reads = false;
  walk(node, (n) => {
    if (n.type === "Identifier" && n.name === "arguments") reads = true;
    return !reads && (n === node || n.type === "ArrowFunctionExpression" || !n.type.startsWith("Function"));
  });
  return reads;
}

/**
 * Where a body's own statements start: after its directives and its call counter (which the
 * original runs before handing over).
 */
function contentStart(source: string, body: acorn.BlockStatement): number {
  const counter = body.body.find((st) => source.startsWith(CALL_COUNTER_PREFIX, st.start));
  if (counter) return counter.end;
  const directives = body.body.filter(isDirective);
  return directives.length ? directives[directives.length - 1].end : body.start + 1;
}

/** The statements after which a line break can stand for a semicolon. */
const ENDS_WITH_SEMICOLON = new Set([
  "ExpressionStatement",
  "VariableDeclaration",
  "ReturnStatement",
  "ThrowStatement",
  "BreakStatement",
  "ContinueStatement",
  "DoWhileStatement",
  "DebuggerStatement",
  "PropertyDefinition",
]);

/**
 * Makes `node`'s text in `scratch` mean the same on one line: comments go, a semicolon goes
 * where a line break ended a statement, and line breaks inside template literals (and line
 * continuations in strings) become escapes with the same value. What is left of line breaks is
 * whitespace, which `oneLine` turns into spaces.
 */
function flatten(source: string, scratch: MagicString, node: AnyNode, comments: acorn.Comment[]): void {
  for (const c of comments)
    if (node.start <= c.start && c.end <= node.end) scratch.overwrite(c.start, c.end, " ", { contentOnly: true });
  // A copy is inserted text: the twin spots in it become plain spaces (see TWIN_SPOT).
  for (
    let at = source.indexOf(TWIN_SPOT, node.start);
    at !== -1 && at < node.end;
    at = source.indexOf(TWIN_SPOT, at + TWIN_SPOT.length)
  ) {
    for (let i = at; i < at + TWIN_SPOT.length; i++) scratch.overwrite(i, i + 1, " ", { contentOnly: true });
  }
  const visit = (n: AnyNode, parent: AnyNode | null): void => {
    const inLoopHead =
      parent !== null &&
      (parent.type === "ForStatement" || parent.type === "ForInStatement" || parent.type === "ForOfStatement") &&
      n.type === "VariableDeclaration" &&
      (parent as any).body !== n;
    if (ENDS_WITH_SEMICOLON.has(n.type) && !inLoopHead && source[n.end - 1] !== ";") scratch.prependLeft(n.end, ";");
    if (n.type === "TemplateElement")
      escapeBreaks(source, scratch, n.start, n.end, /\r\n|[\r\n\u2028\u2029]/g, (b) =>
        b === "\u2028" ? "\\u2028" : b === "\u2029" ? "\\u2029" : "\\n",
      );
    if (n.type === "Literal" && typeof n.value === "string")
      escapeBreaks(source, scratch, n.start, n.end, /\\(\r\n|[\r\n\u2028\u2029])/g, () => "");
    for (const child of childNodes(n)) visit(child, n);
  };
  visit(node, null);
}

function escapeBreaks(
  source: string,
  scratch: MagicString,
  start: number,
  end: number,
  pattern: RegExp,
  replacement: (found: string) => string,
): void {
  for (const m of source.slice(start, end).matchAll(pattern))
    scratch.overwrite(start + m.index!, start + m.index! + m[0].length, replacement(m[0]), { contentOnly: true });
}

function lineLength(source: string, at: number): number {
  const start = source.lastIndexOf("\n", at - 1) + 1;
  const end = source.indexOf("\n", at);
  return (end === -1 ? source.length : end) - start;
}

function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029]/g, " ");
}

class LineEditor {
  readonly probes: Probe[] = [];
  private nextId = 1;
  /** The functions being visited, innermost last: a `yield` belongs to the last. */
  private readonly functions: Fn[] = [];
  private ownerFunction: AnyNode | null = null;
  /**
   * The loops around the node being visited in its function, innermost last, and the labelled ones
   * by label: a `continue`'s target.
   */
  private readonly loops: AnyNode[] = [];
  private readonly loopLabels = new Map<string, AnyNode>();
  private readonly forOfHeaders = new Map<AnyNode, number>();
  /** The owner's guard, when it goes around the call of the twin (see guardsAroundTwin). */
  twinGuard: Guard | undefined;

  private readonly helpers: ReturnType<typeof helperNames>;

  constructor(
    private readonly js: string,
    private readonly s: MagicString,
    private readonly names: ReturnType<typeof probeNames>,
    private readonly owners: ReadonlySet<AnyNode>,
    private readonly clockLines: boolean,
    slot: number,
  ) {
    this.helpers = helperNames(slot);
  }

  visitOwner(node: OwnerNode): void {
    if (node.type === "ClassDeclaration" || node.type === "ClassExpression")
      return this.visitClass(node as acorn.Class);
    this.ownerFunction = node as AnyNode;
    this.visit(node as AnyNode);
  }

  /** A class: its constructor (clocked like a function owner) and its instance fields' initializers. */
  private visitClass(node: acorn.Class): void {
    for (const member of node.body.body) {
      if (member.type === "MethodDefinition" && member.kind === "constructor") {
        this.ownerFunction = member.value;
        this.visit(member.value);
      } else if (member.type === "PropertyDefinition" && !member.static && member.value) {
        // The twin (see twinInsertions) reads the probe's id back from this mark.
        this.open(member.start, `/*tsprof:${this.newProbe(member.start, member.loc!.start)}*/`);
        this.visit(member.value);
      }
    }
  }

  private visit(node: AnyNode): void {
    if (this.owners.has(node) && node !== this.ownerFunction) return;
    switch (node.type) {
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression": {
        this.guardBody(node);
        this.functions.push(node);
        const outerLoops = this.loops.splice(0);
        this.visitChildren(node);
        this.loops.push(...outerLoops);
        this.functions.pop();
        return;
      }
      case "BlockStatement":
      case "StaticBlock": {
        // A body's statements before its guard (tsprof's own, in a unit's wrapper) run before its call starts.
        const from =
          node === this.functions[this.functions.length - 1]?.body
            ? contentStart(this.js, node as acorn.BlockStatement)
            : node.start;
        for (const statement of node.body)
          if (!isDirective(statement) && statement.start >= from) this.probeStatement(statement as acorn.Statement);
        break;
      }
      case "SwitchCase":
        for (const statement of node.consequent) this.probeStatement(statement);
        break;
      case "IfStatement":
        this.probeNested(node.consequent);
        if (node.alternate) this.probeNested(node.alternate);
        break;
      case "ForStatement":
        this.probeForTest(node);
        this.probeNested(node.body);
        break;
      case "WhileStatement":
        this.probeExpression(node.test, this.newProbe(node.start, node.loc!.start));
        this.probeNested(node.body);
        break;
      case "DoWhileStatement":
        this.probeNested(node.body);
        this.probeExpression(node.test, this.newProbe(node.test.start, node.test.loc!.start));
        break;
      case "ForInStatement":
        this.probeNested(node.body, this.probes.find((p) => p.anchor === node.start)?.id);
        break;
      case "ForOfStatement":
        this.probeForOf(node);
        break;
      case "LabeledStatement":
        this.loopLabels.set(node.label.name, unlabeled(node));
        break;
      case "ContinueStatement":
        this.continueOn(node);
        break;
      case "YieldExpression":
        this.suspendAround(node);
        break;
      case "AwaitExpression":
        this.parkAround(node);
        break;
    }
    const loop = LOOPS.has(node.type);
    if (loop) this.loops.push(node);
    this.visitChildren(node);
    if (loop) this.loops.pop();
  }

  /**
   * `for…of`: the header counts like `for…in`, and the loop is back on its header line at the end
   * of each iteration, as at a `continue` of it, so the time of fetching the next value (a
   * generator's `next`, a user iterator) goes to the `for` line, as line_profiler charges it.
   */
  private probeForOf(loop: acorn.ForOfStatement): void {
    const id = this.probes.find((p) => p.anchor === loop.start)?.id;
    this.probeNested(loop.body, id);
    if (id === undefined) return;
    this.forOfHeaders.set(loop, id);
    // After the body's last statement, which may have no semicolon of its own.
    this.close(loop.body.type === "BlockStatement" ? loop.body.end - 1 : loop.body.end, `;${this.backOnHeader(id)}; `);
  }

  private continueOn(node: acorn.ContinueStatement): void {
    const loop = node.label ? this.loopLabels.get(node.label.name) : this.loops[this.loops.length - 1];
    const id = loop && this.forOfHeaders.get(loop);
    if (id !== undefined) this.open(node.start, `${this.backOnHeader(id)}; `);
  }

  private backOnHeader(id: number): string {
    return this.clockLines ? `${this.helpers.switchTo}(${id})` : `${this.names.current}[0] = ${id}`;
  }

  private visitChildren(node: AnyNode): void {
    for (const child of childNodes(node)) this.visit(child);
  }

  /** A statement in a statement list: the probe goes right before it. */
  private probeStatement(statement: acorn.Statement): void {
    // A label stays right before its loop (`continue outer` needs that): the probe goes before
    // the label and stands for the loop.
    const target = unlabeled(statement);
    if (
      target.type === "EmptyStatement" ||
      hasProbeInTest(target) ||
      this.js.startsWith(CALL_COUNTER_PREFIX, target.start)
    )
      return;
    const id = this.newProbe(target.start, target.loc!.start);
    this.open(statement.start, `${this.probeCode(id)}; `);
  }

  /** A statement in a single-statement position (if branch, loop body): braces make room for probes. */
  private probeNested(statement: acorn.Statement, headerId?: number): void {
    const header = headerId === undefined ? "" : `${this.probeCode(headerId)}; `;
    if (statement.type === "BlockStatement") {
      if (header) this.open(statement.start + 1, ` ${header}`);
      return;
    }
    this.open(statement.start, `{ ${header}`);
    this.probeStatement(statement);
    this.close(statement.end, " }");
  }

  /** `for (init; test; update)`: the header line counts each evaluation of the test. */
  private probeForTest(loop: acorn.ForStatement): void {
    const id = this.newProbe(loop.start, loop.loc!.start);
    if (loop.test) return this.probeExpression(loop.test, id);
    const secondSemicolon = this.js.lastIndexOf(";", loop.update ? loop.update.start : loop.body.start);
    this.open(secondSemicolon, ` (${this.probeCode(id)}, true)`);
  }

  private probeExpression(expression: acorn.Expression, id: number): void {
    this.open(expression.start, `(${this.probeCode(id)}, `);
    this.close(expression.end, ")");
  }

  /**
   * Saves the current statement on entry and restores it on any exit; an expression body becomes
   * a block. The owner's own body also runs its clock.
   */
  private guardBody(fn: Fn): void {
    if (fn === this.ownerFunction && this.guardsAroundTwin(fn)) {
      this.twinGuard = this.guard(fn);
      return;
    }
    const { save, restore } = this.guard(fn);
    const body = fn.body;
    if (body.type === "BlockStatement") {
      this.open(contentStart(this.js, body), ` ${save}`);
      this.close(body.end - 1, restore);
      return;
    }
    const arrow = afterArrow(this.js, body);
    const id = this.newProbe(body.start, body.loc!.start);
    this.open(arrow, ` { ${save} ${this.probeCode(id)}; return (`);
    this.close(fn.end, `);${restore} }`);
  }

  /**
   * Whether the owner's guard goes around the call of its twin, in the original function, rather
   * than inside the twin: V8 optimizes loops in a function with no try block markedly better, and
   * the twin's loops are what a run spends its time in. An async function or a generator keeps the
   * guard inside, where it sees the body finish (not the first await or yield).
   */
  private guardsAroundTwin(fn: Fn): boolean {
    return fn.body.type === "BlockStatement" && !fn.async && !fn.generator;
  }

  /**
   * The save-and-try before a function's body and the finally-restore after it: calls of the
   * owner's helpers with -c, and in an async function (short, for one-line ones: see
   * V8_DIFF_LINE_LIMIT); inline code where a callback in a hot loop would pay for the calls.
   */
  private guard(fn: Fn): Guard {
    const { current } = this.names;
    const { enter: enterNow, exit: exitNow, unpark } = this.helpers;
    const called = this.clockLines || fn.async;
    const enter = called ? [`const ${SAVED} = ${enterNow}();`] : [`const ${SAVED} = ${current}[0];`, this.clockStart()];
    const exit = called ? `${exitNow}(${SAVED});` : `${current}[0] = ${SAVED}; ${this.clockStop()}`;
    if (fn.generator) enter.push(`let ${YIELD_SAVED} = 0, ${YIELD_VALUE};`);
    if (fn.async) enter.push(`let ${AWAIT_SAVED} = 0;`);
    // An await that threw leaves its call counted as awaiting there.
    const unparked = fn.async ? `${AWAIT_SAVED} && ${unpark}(0, ${AWAIT_SAVED}); ` : "";
    return { save: `${enter.join(" ")} try {`, restore: ` } finally { ${unparked}${exit} }` };
  }

  /** The first activation starts the clock, and the time before it goes to no line (as ownerHelpers' `enter`). */
  private clockStart(): string {
    const { current, clock } = this.names;
    return `${current}[1]++ === 0 && (${clock}[${LAST_PROBE_TIME}] = ${clock}[1] = ${NOW_NAME}());`;
  }

  private clockStop(): string {
    const { current, clock } = this.names;
    return `--${current}[1] === 0 && (${clock}[0] += ${NOW_NAME}() - ${clock}[1]);`;
  }

  /** While a generator is suspended at `yield`, it is on no line and its clock does not run. */
  private suspendAround(node: acorn.YieldExpression): void {
    const fn = this.functions[this.functions.length - 1];
    if (!fn?.generator) return;
    const { current } = this.names;
    const { enter, exit, switchTo } = this.helpers;
    const pause = this.clockLines
      ? [`${YIELD_SAVED} = ${current}[0]`, `${exit}(${SAVED})`]
      : [`${YIELD_SAVED} = ${current}[0]`, `${current}[0] = ${SAVED}`, `(${this.clockStop().slice(0, -1)})`];
    const resume = this.clockLines
      ? [`${enter}()`, `${switchTo}(${YIELD_SAVED})`]
      : [`(${this.clockStart().slice(0, -1)})`, `${current}[0] = ${YIELD_SAVED}`];
    this.open(node.start, `(${pause.join(", ")}, ${YIELD_VALUE} = `);
    this.close(node.end, `, ${resume.join(", ")}, ${YIELD_VALUE})`);
  }

  /**
   * While a call awaits, it is not on the stack: the statement goes back to its caller's (as at
   * a `yield`), and the call counts as awaiting on its statement, which the sampler (and -c's
   * clock) charge while no call of the owner is on the stack. Overlapping calls each have their
   * own statement so, where one `current` statement could hold only the last one's.
   */
  private parkAround(node: acorn.AwaitExpression): void {
    const fn = this.functions[this.functions.length - 1];
    if (!fn?.async) return;
    const { park, unpark } = this.helpers;
    this.open(node.start, `${unpark}(`);
    this.close(node.end, `, ${AWAIT_SAVED}, ${AWAIT_SAVED} = 0)`);
    this.open(node.argument.start, `(${AWAIT_SAVED} = ${park}(${AWAIT_SAVED}, ${SAVED}), `);
    this.close(node.argument.end, ")");
  }

  private newProbe(anchor: number, loc: acorn.Position): number {
    const id = this.nextId++;
    this.probes.push({ id, anchor, loc });
    return id;
  }

  private probeCode(id: number): string {
    const { hits, current } = this.names;
    return this.clockLines ? `${this.helpers.tick}(${id})` : `${hits}[${id}]++, ${current}[0] = ${id}`;
  }

  // Openings at one position come out in the order they are made (outer before inner);
  // closings in reverse (inner before outer); closings come before openings at a position.
  private open(at: number, text: string): void {
    this.s.appendRight(at, text);
  }

  private close(at: number, text: string): void {
    this.s.prependLeft(at, text);
  }
}

const LOOPS = new Set(["ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement"]);

function unlabeled(statement: AnyNode): AnyNode {
  while (statement.type === "LabeledStatement") statement = statement.body;
  return statement;
}

function isDirective(statement: AnyNode): boolean {
  return (
    statement.type === "ExpressionStatement" && typeof (statement as acorn.ExpressionStatement).directive === "string"
  );
}

/** Loops whose header probe sits in their test: nothing goes before them. */
function hasProbeInTest(statement: AnyNode): boolean {
  return statement.type === "ForStatement" || statement.type === "WhileStatement";
}

/**
 * The helpers an owner's counting code calls (every probe with -c; an async body's guard and
 * awaits), made for its arrays (helperNames names them);
 * self-contained, as worker-line-hooks.ts sends its source to workers. `charge` gives the time
 * since the owner's last probe to the statement it is on (its current statement, as the sampler
 * would read it), so a callback nested in a line does not count that line's time twice.
 */
export function ownerHelpers(now: () => number, lastProbeTime: number, parked: number) {
  return (hits: Uint32Array, current: Int32Array, clock: Float64Array, lineClock: Float64Array) => {
    const charge = () => {
      const at = now();
      const elapsed = at - clock[lastProbeTime];
      clock[lastProbeTime] = at;
      const awaiting = current[parked];
      if (current[0] !== 0 || awaiting === 0) lineClock[current[0]] += elapsed;
      else
        for (let id = 1; id < lineClock.length; id++)
          if (current[parked + id] !== 0) lineClock[id] += (elapsed * current[parked + id]) / awaiting;
    };
    return {
      /** A probe: the statement `id` runs now. */
      tick: (id: number) => {
        charge();
        hits[id]++;
        current[0] = id;
      },
      /** Back on statement `id` without running it again (a resumed generator, a `for…of` fetching its next value). */
      switchTo: (id: number) => {
        charge();
        current[0] = id;
      },
      /**
       * A body starts (or a generator resumes): the first activation starts the clock, and the time
       * before it goes to no line.
       */
      enter: () => {
        if (current[1]++ === 0) clock[1] = clock[lastProbeTime] = now();
        return current[0];
      },
      /** A body ends (or a generator pauses): back on the caller's statement `saved`. */
      exit: (saved: number) => {
        charge();
        current[0] = saved;
        if (--current[1] === 0) clock[0] += now() - clock[1];
      },
      /**
       * An await starts (after one that threw, `previous`, is let go): the call awaits on its
       * statement, and the caller's statement `saved` runs.
       */
      park: (previous: number, saved: number) => {
        charge();
        if (previous !== 0) (current[parked + previous]--, current[parked]--);
        const on = current[0];
        if (on !== 0) (current[parked + on]++, current[parked]++);
        current[0] = saved;
        return on;
      },
      /** The await on statement `on` is over (with `value`): back on it. */
      unpark: <T>(value: T, on: number): T => {
        charge();
        if (on !== 0) (current[parked + on]--, current[parked]--);
        current[0] = on;
        return value;
      },
    };
  };
}

/**
 * The wrapper a counted field initializer runs in; self-contained, as worker-line-hooks.ts sends
 * its source to workers. With -c it clocks as the counting code does (see ownerHelpers' `charge`):
 * the time since the owner's last probe goes to its current statement.
 */
export function fieldHelper(now: () => number, lastProbeTime: number) {
  const clockToCurrent = (current: Int32Array, clock: Float64Array, lineClock: Float64Array | null, at: number) => {
    if (!lineClock) return;
    lineClock[current[0]] += at - clock[lastProbeTime];
    clock[lastProbeTime] = at;
  };
  return (
    hits: Uint32Array,
    current: Int32Array,
    clock: Float64Array,
    lineClock: Float64Array | null,
    id: number,
    value: () => unknown,
  ) => {
    hits[id]++;
    const started = now();
    if (current[1]++ === 0) clock[1] = clock[lastProbeTime] = started;
    clockToCurrent(current, clock, lineClock, started);
    const saved = current[0];
    current[0] = id;
    try {
      return value();
    } finally {
      const ended = now();
      clockToCurrent(current, clock, lineClock, ended);
      current[0] = saved;
      if (--current[1] === 0) clock[0] += ended - clock[1];
    }
  };
}

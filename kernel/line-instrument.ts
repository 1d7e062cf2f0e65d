/**
 * The line-counting copy of one function that %lprun compiles, and why it looks the way it does:
 *
 * - A probe before every statement (`__tsprof_lh[k]++, __tsprof_lc[0] = k;`): the first counts
 *   exact hits into a Uint32Array, the second tells the line sampler (a worker thread reading
 *   the shared `__tsprof_lc`) which statement the function is on. Both are plain typed
 *   array stores that the JIT keeps cheap; a clock read per statement would cost many times the
 *   few-nanosecond body of a numeric inner loop.
 * - Loop headers count like Python's `for` line: `for (;;)` and `while` probe in their test, so
 *   the header counts test evaluations (iterations + 1); `for…of`/`for…in` probe before the loop
 *   and again at the start of each iteration under the same id, which gives the same total.
 *   `do…while` probes its `do` once per entry and its test once per iteration.
 * - Statements that are not in a block (`if (c) x();`, `else if`, loop bodies) are wrapped in
 *   braces so the probe can go before them; arrow expression bodies become blocks that return
 *   the expression. Labels keep their loop directly behind them; directives stay first.
 * - Every function body (the profiled one and the functions inside it, which share its cell)
 *   saves `__tsprof_lc[0]` on entry and restores it in `finally`, so after a return, a throw or
 *   a recursive call it names the caller's line again (0, "not running", at the top).
 * - The names of the unit's top level that the function uses become properties of an accessor
 *   object (`x` → `__tsprof_v.x`, `{ x }` → `{ x: __tsprof_v.x }`): the copy is compiled away from
 *   its unit (see line-hooks.ts).
 *
 * Nothing inserted contains a line break.
 */
import type * as acorn from "acorn";
import MagicString from "magic-string";
import { childNodes } from "./ast";
import type { FreeReference } from "./free-names";

/** The names the copy expects in scope: its hit counters and its current-statement cell. */
export const HITS_NAME = "__tsprof_lh";
export const CURRENT_NAME = "__tsprof_lc";
const SAVED_NAME = "__tsprof_lp";

export interface Probe {
  id: number;
  /** Where the statement the probe stands for starts in the original JS (ordering on a line). */
  anchor: number;
  /** Its first token's position in the original JS, to map to a source line. */
  loc: acorn.Position;
}

export interface LineInstrumented {
  /** The function's text [start, end) with probes. */
  text: string;
  /** In order of their anchors; several probes can share an id (for…of headers). */
  probes: Probe[];
}

type AnyNode = acorn.AnyNode;
type Fn = acorn.Function;

/**
 * Instruments `js.slice(start, end)`, the text of function `fn` (for a method: from its key).
 * Probe ids are 1, 2, …; 0 in `__tsprof_lc[0]` means "not running".
 */
export function instrumentLines(js: string, fn: Fn, range: { start: number; end: number }, qualified: Qualified = { references: [], via: "" }): LineInstrumented {
  const editor = new LineEditor(js, range.start, range.end);
  editor.visit(fn as AnyNode);
  editor.qualify(qualified);
  return { text: editor.s.toString(), probes: editor.probes.sort((a, b) => a.anchor - b.anchor) };
}

/** References to rewrite as properties of `via` (`x` → `via.x`, `{ x }` → `{ x: via.x }`). */
export interface Qualified {
  references: FreeReference[];
  via: string;
}

class LineEditor {
  readonly s: MagicString;
  readonly probes: Probe[] = [];
  private nextId = 1;

  constructor(
    private readonly js: string,
    private readonly offset: number,
    end: number,
  ) {
    this.s = new MagicString(js.slice(offset, end));
  }

  visit(node: AnyNode): void {
    switch (node.type) {
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        this.guardBody(node);
        break;
      case "BlockStatement":
      case "StaticBlock":
        for (const statement of node.body) if (!isDirective(statement)) this.probeStatement(statement);
        break;
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
      case "ForOfStatement":
        this.probeNested(node.body, this.probes.find((p) => p.anchor === node.start)?.id);
        break;
    }
    for (const child of childNodes(node)) this.visit(child);
  }

  /** A statement in a statement list: the probe goes right before it. */
  private probeStatement(statement: acorn.Statement | acorn.ModuleDeclaration): void {
    // A label stays right before its loop (`continue outer` needs that): the probe goes before
    // the label and stands for the loop.
    let target: AnyNode = statement;
    while (target.type === "LabeledStatement") target = target.body;
    if (target.type === "EmptyStatement" || hasProbeInTest(target)) return;
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

  /** Saves the current statement on entry and restores it on any exit; an expression body becomes a block. */
  private guardBody(fn: Fn): void {
    const save = `const ${SAVED_NAME} = ${CURRENT_NAME}[0]; try {`;
    const restore = ` } finally { ${CURRENT_NAME}[0] = ${SAVED_NAME}; }`;
    const body = fn.body;
    if (body.type === "BlockStatement") {
      const directives = body.body.filter(isDirective);
      this.open(directives.length ? directives[directives.length - 1].end : body.start + 1, ` ${save}`);
      this.close(body.end - 1, restore);
      return;
    }
    const arrow = this.js.lastIndexOf("=>", body.start) + 2;
    const id = this.newProbe(body.start, body.loc!.start);
    this.open(arrow, ` { ${save} ${this.probeCode(id)}; return (`);
    this.close(fn.end, `);${restore} }`);
  }

  /** After the probes, so that a probe before a statement stays before the statement's first name. */
  qualify({ references, via }: Qualified): void {
    for (const { node, shorthand } of references) this.open(node.start, shorthand ? `${node.name}: ${via}.` : `${via}.`);
  }

  private newProbe(anchor: number, loc: acorn.Position): number {
    const id = this.nextId++;
    this.probes.push({ id, anchor, loc });
    return id;
  }

  private probeCode(id: number): string {
    return `${HITS_NAME}[${id}]++, ${CURRENT_NAME}[0] = ${id}`;
  }

  // Openings at one position come out in the order they are made (outer before inner);
  // closings in reverse (inner before outer); closings come before openings at a position.
  private open(at: number, text: string): void {
    this.s.appendRight(at - this.offset, text);
  }

  private close(at: number, text: string): void {
    this.s.prependLeft(at - this.offset, text);
  }
}

function isDirective(statement: AnyNode): boolean {
  return statement.type === "ExpressionStatement" && typeof (statement as acorn.ExpressionStatement).directive === "string";
}

/** Loops whose header probe sits in their test: nothing goes before them. */
function hasProbeInTest(statement: AnyNode): boolean {
  return statement.type === "ForStatement" || statement.type === "WhileStatement";
}

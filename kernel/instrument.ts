/**
 * What tsprof adds to every cell's JavaScript before it runs, and why:
 *
 * - A call counter at the entry of every function (`__tsprof_c[i]++`). V8's sampler has no call
 *   counts and its precise coverage only counts functions compiled after it started, so exact
 *   ncalls for %prun come from these counters. They are always on: one increment per call, into
 *   a Uint32Array (measured: a Float64Array increment made tiny inlined calls 3.3× slower, a
 *   Uint32Array one costs about 5%). One more counter, after the functions' (index
 *   `topLevelCounter`), counts runs of the unit's top level: cProfile's `<module>` row.
 * - A scope hook (`__tsprof_u.scope`): a strict-mode closure that evaluates code inside the cell's
 *   own scope. %lprun uses it to compile an instrumented copy of a function where the original was
 *   defined (so it sees the same names) and to rebind the function's name, which is what reaches
 *   callers in the same cell: they hold the binding, not `exports`.
 * - Top-level `const` becomes `let`, so the hook can rebind an arrow function held in a const.
 *   The cell was already type-checked as written, so no code can tell the difference.
 *
 * Nothing here adds or removes a line break, so executed lines stay the compiled lines.
 */
import v8 from "node:v8";
import * as acorn from "acorn";
import MagicString from "magic-string";

/**
 * V8 gives a function its feedback vector only after a few calls, so a counter at the entry of a
 * function called once (a cell's `main()` with a hot loop) runs before there is feedback to
 * record; TurboFan then compiles it as never run, deopts there, and the loop can stay in
 * worse code: measured on a 5M-call loop, 4 ms without counters, 13–37 ms with them in most runs.
 * With feedback vectors allocated from the first call it is 4 ms, the same as tslab. Setting the
 * flag now affects the functions created from now on: all the cells'.
 */
v8.setFlagsFromString("--no-lazy-feedback-allocation");

export interface FunctionSite {
  /** Index of the function's counter in its unit. */
  index: number;
  /** "matmul", "Net.forward", "<anonymous>". */
  name: string;
  /** Start and end offsets of the function in the uninstrumented JS. */
  start: number;
  end: number;
  /** Offset of the function body (after any directive prologue) where a counter goes. */
  bodyStart: number;
  /** Defined inside another function: its free variables may not be visible from the cell scope. */
  nested: boolean;
  /** The top-level binding holding it (`function matmul` or `let f = () => …`), if any. */
  binding: string | null;
  /** Method syntax (`forward(x) { … }`), which is not an expression on its own. */
  isMethod: boolean;
  node: acorn.Function;
  /** The function's text as it runs (with its counter): what `Function.prototype.toString` returns. */
  executedText: string;
  /** Where the function starts and ends in the executed code (1-based line, 0-based column). */
  executedStart: { line: number; column: number };
  executedEnd: { line: number; column: number };
}

export const PARSE_OPTIONS: acorn.Options = {
  ecmaVersion: "latest",
  sourceType: "script",
  allowReturnOutsideFunction: true,
  allowAwaitOutsideFunction: true,
  allowHashBang: true,
  locations: true,
};

type AnyNode = acorn.AnyNode;

/** Every function in `js`, in source order, with a display name and where its binding lives. */
export function findFunctions(program: acorn.Program): FunctionSite[] {
  const sites: FunctionSite[] = [];
  const visit = (node: AnyNode, parents: AnyNode[], fnDepth: number): void => {
    const isFn = node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression";
    if (isFn) sites.push(describeFunction(node as acorn.Function, parents, fnDepth > 0, sites.length, program));
    for (const child of childNodes(node)) visit(child, [...parents, node], fnDepth + (isFn ? 1 : 0));
  };
  visit(program, [], 0);
  return sites;
}

export function childNodes(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const v of value) if (v && typeof v.type === "string") out.push(v);
    } else if (value && typeof value === "object" && typeof (value as AnyNode).type === "string") {
      out.push(value as AnyNode);
    }
  }
  return out;
}

function describeFunction(fn: acorn.Function, parents: AnyNode[], nested: boolean, index: number, program: acorn.Program): FunctionSite {
  const parent = parents[parents.length - 1];
  const body = fn.body;
  let bodyStart = body.start;
  if (body.type === "BlockStatement") {
    const directives = body.body.filter((s) => s.type === "ExpressionStatement" && (s as any).directive !== undefined);
    bodyStart = directives.length ? directives[directives.length - 1].end : body.start + 1;
  }
  const isMethod = parent?.type === "MethodDefinition" || (parent?.type === "Property" && (parent.method || parent.kind !== "init"));
  return {
    index,
    name: nameOf(fn, parents),
    start: isMethod ? parent.start : fn.start,
    end: fn.end,
    bodyStart,
    nested,
    binding: topLevelBinding(fn, parent, parents, program),
    isMethod,
    node: fn,
    executedText: "",
    executedStart: { line: 0, column: 0 },
    executedEnd: { line: 0, column: 0 },
  };
}

function topLevelBinding(fn: acorn.Function, parent: AnyNode | undefined, parents: AnyNode[], program: acorn.Program): string | null {
  if (fn.type === "FunctionDeclaration" && parent === program && fn.id) return fn.id.name;
  const declaration = parents[parents.length - 2];
  if (parent?.type === "VariableDeclarator" && parent.id.type === "Identifier" && declaration?.type === "VariableDeclaration" && parents[parents.length - 3] === program) {
    return parent.id.name;
  }
  return null;
}

function nameOf(fn: acorn.Function, parents: AnyNode[]): string {
  const parent = parents[parents.length - 1];
  if (fn.type === "FunctionDeclaration" && fn.id) return fn.id.name;
  if (parent?.type === "MethodDefinition" || parent?.type === "PropertyDefinition") {
    const cls = parents[parents.length - 3];
    const className = cls && "id" in cls && cls.id && cls.id.type === "Identifier" ? cls.id.name : classNameFromBinding(parents);
    const key = keyName(parent.key);
    const prefix = parent.type === "MethodDefinition" && (parent.kind === "get" || parent.kind === "set") ? `${parent.kind} ` : "";
    return `${className}.${prefix}${key}`;
  }
  if (parent?.type === "Property") {
    const owner = parents[parents.length - 3];
    const ownerName = owner?.type === "VariableDeclarator" && owner.id.type === "Identifier" ? `${owner.id.name}.` : "";
    return ownerName + keyName(parent.key);
  }
  if (fn.type === "FunctionExpression" && fn.id) return fn.id.name;
  if (parent?.type === "VariableDeclarator" && parent.id.type === "Identifier") return parent.id.name;
  if (parent?.type === "AssignmentExpression") return expressionName(parent.left) ?? "<anonymous>";
  return "<anonymous>";
}

function classNameFromBinding(parents: AnyNode[]): string {
  const holder = parents[parents.length - 4];
  return holder?.type === "VariableDeclarator" && holder.id.type === "Identifier" ? holder.id.name : "<class>";
}

function keyName(key: AnyNode): string {
  if (key.type === "Identifier") return key.name;
  if (key.type === "PrivateIdentifier") return `#${key.name}`;
  if (key.type === "Literal") return String(key.value);
  return "[computed]";
}

function expressionName(node: AnyNode): string | null {
  if (node.type === "Identifier") return node.name;
  if (node.type === "MemberExpression" && !node.computed) {
    const object = expressionName(node.object);
    const property = keyName(node.property);
    if (object === "exports") return property;
    return object ? `${object}.${property}` : property;
  }
  return null;
}

/** Index of the counter of a unit's top-level code: after its functions' counters. */
export function topLevelCounter(sites: readonly FunctionSite[]): number {
  return sites.length;
}

/**
 * Inserts the entry counters, the scope hook and const→let into a unit's JS (see the file comment).
 * `wrapper` encloses a cell's code in the function the executor calls (modules get Node's own).
 */
export function instrumentUnit(js: string, program: acorn.Program, sites: FunctionSite[], unitId: number, wrapper: { head: string; tail: string } | null): MagicString {
  const s = new MagicString(js);
  s.prepend(`const __tsprof_u = __tsprof__.unit(${unitId}), __tsprof_c = __tsprof_u.calls; __tsprof_c[${topLevelCounter(sites)}]++; __tsprof_u.scope = function (__tsprof_code) { "use strict"; return eval(__tsprof_code); }; `);
  for (const site of sites) insertEntryCounter(s, site, `__tsprof_c[${site.index}]++`);
  for (const statement of program.body) {
    if (statement.type === "VariableDeclaration" && statement.kind === "const") s.overwrite(statement.start, statement.start + 5, "let  ");
  }
  for (const site of sites) site.executedText = s.slice(site.start, site.end);
  if (wrapper) s.prepend(wrapper.head).append(wrapper.tail);
  return s;
}

/** Puts `counter` where the function's body starts: a statement in a block, a comma in an arrow. */
export function insertEntryCounter(s: MagicString, site: Pick<FunctionSite, "node" | "bodyStart">, counter: string): void {
  const body = site.node.body;
  if (body.type === "BlockStatement") {
    s.appendLeft(site.bodyStart, ` ${counter};`);
  } else {
    s.appendLeft(body.start, `(${counter}, `);
    s.appendLeft(body.end, ")");
  }
}

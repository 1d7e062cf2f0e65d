/**
 * What tsprof adds to every cell's (and local module's) JavaScript before it runs, and why:
 *
 * - A call counter at the entry of every function (`__tsprof_k.active && __tsprof_c[i]++`). V8's
 *   sampler has no call counts and its precise coverage only counts functions compiled after it
 *   started, so exact ncalls for %prun come from these counters. They count only while %prun
 *   runs (`UnitRegistry.countCalls`). An increment on every call made tiny inlined calls
 *   much slower than under tslab (the loop carries the counter through memory; README,
 *   Benchmarks); the check
 *   of one field that does not change inside the loop costs nothing measurable, even after
 *   %prun has flipped it. One more counter, after the functions' (index `topLevelCounter`),
 *   counts runs of the unit's top level: cProfile's `<module>` row.
 *
 * Nothing here adds or removes a line break, so executed lines stay the compiled lines.
 */
import v8 from "node:v8";
import * as acorn from "acorn";
import MagicString from "magic-string";
import { childNodes, patternNames, walk } from "./ast";

/**
 * V8 gives a function its feedback vector only after a few calls, so a counter at the entry of a
 * function called once (a cell's `main()` with a hot loop) runs before there is feedback to
 * record; TurboFan then compiles it as never run, deopts there, and the loop can stay in
 * worse code: a loop of tiny calls measured several times slower with counters than without.
 * With feedback vectors allocated from the first call it runs as fast as under tslab. Setting the
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
  /** Defined inside another function. */
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

/** Top-level declared names and how: "const", "let", "var", "function", "class" (a `var` in a top-level block or loop is top-level too). */
export function topLevelDeclarations(program: acorn.Program): Map<string, string> {
  const names = new Map<string, string>();
  for (const statement of program.body) {
    if (statement.type === "VariableDeclaration") for (const d of statement.declarations) for (const name of patternNames(d.id)) names.set(name, statement.kind);
    if ((statement.type === "FunctionDeclaration" || statement.type === "ClassDeclaration") && statement.id) names.set(statement.id.name, statement.type === "ClassDeclaration" ? "class" : "function");
  }
  walk(program, (node) => {
    if (node.type === "VariableDeclaration" && node.kind === "var") for (const d of node.declarations) for (const name of patternNames(d.id)) names.set(name, "var");
    return !(node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression" || node.type === "ClassBody");
  });
  return names;
}

/**
 * Inserts the counters into a unit's JS (see the file comment). `wrapper` encloses a cell's code in the function the executor calls
 * (modules get Node's own).
 */
export function instrumentUnit(js: string, program: acorn.Program, sites: FunctionSite[], unitId: number, wrapper: { head: string; tail: string } | null): MagicString {
  const s = new MagicString(js);
  s.prepend(`const __tsprof_u = __tsprof__.unit(${unitId}), __tsprof_c = __tsprof_u.calls, __tsprof_k = __tsprof__.counting; ${counterCode(topLevelCounter(sites))}; `);
  for (const site of sites) insertEntry(s, site);
  for (const site of sites) site.executedText = s.slice(site.start, site.end);
  if (wrapper) s.prepend(wrapper.head).append(wrapper.tail);
  return s;
}

/** How every call counter statement starts: %lprun's probes leave these statements out. */
export const CALL_COUNTER_PREFIX = "(__tsprof_k.active && ";

function counterCode(index: number): string {
  return `${CALL_COUNTER_PREFIX}__tsprof_c[${index}]++)`;
}

/** Puts the counter where the function's body starts: a statement in a block, a comma expression around an arrow's expression. */
function insertEntry(s: MagicString, site: FunctionSite): void {
  const counter = counterCode(site.index);
  const body = site.node.body;
  if (body.type === "BlockStatement") {
    s.appendLeft(site.bodyStart, ` ${counter};`);
  } else {
    s.appendLeft(body.start, `(${counter}, `);
    s.appendLeft(body.end, ")");
  }
}

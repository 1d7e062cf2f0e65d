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
 * - Right after the counter, a hand-over to %lprun's copy of the function when there is one
 *   (`if (__tsprof_u.profiled !== null && …) return copy.call(this, a, b)`), so that every call
 *   reaches the copy — by name from the same cell, through `exports` from later cells, as a
 *   method, as a stored callback — with nothing of the user's rebound. While nothing is profiled
 *   the check reads one field that never changes, which V8 folds away (measured: no cost over the
 *   counter alone).
 * - Accessors for the unit's top-level names that its functions use (`__tsprof_u.scope`): %lprun
 *   compiles its copy away from the unit and reaches those names through them. Read accessors
 *   are closures that only read; write accessors exist only for names some code already assigns.
 *   An earlier design evaluated code inside the cell's scope instead (a direct `eval`, with
 *   top-level `const` turned into `let` to be rebindable), but then V8 must assume any top-level
 *   binding may change, and calls through them stopped being inlined: tiny calls in unprofiled
 *   cells got clearly slower.
 *
 * Nothing here adds or removes a line break, so executed lines stay the compiled lines.
 */
import v8 from "node:v8";
import * as acorn from "acorn";
import MagicString from "magic-string";
import { childNodes, hasOwnFunctionContext, walk } from "./ast";
import { freeReferences, patternNames } from "./free-names";

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
  /** Defined inside another function: its free variables may not be visible from the cell scope. */
  nested: boolean;
  /** The top-level binding holding it (`function matmul` or `let f = () => …`), if any. */
  binding: string | null;
  /** Method syntax (`forward(x) { … }`), which is not an expression on its own. */
  isMethod: boolean;
  /** The call that hands an entered call to the function's %lprun copy; null when calls cannot be handed on (see `forwardingCall`). */
  forward: string | null;
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
    forward: forwardingCall(fn, parent, index),
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

/** Where %lprun's copies are while they are swapped in: `__tsprof_u.profiled[i]` for function i. */
const PROFILED = "__tsprof_u.profiled";

/**
 * The expression that hands a call of the function to its %lprun copy, with the same `this` and
 * arguments. Null when a call cannot be handed on: a constructor must build its own object, an
 * arrow in a class field has an instance as `this`, which a copy compiled elsewhere cannot, and an
 * arrow whose destructured parameters have computed keys cannot rebuild its arguments (below).
 */
function forwardingCall(fn: acorn.Function, parent: AnyNode | undefined, index: number): string | null {
  if (parent?.type === "MethodDefinition" && parent.kind === "constructor") return null;
  const copy = `${PROFILED}[${index}]`;
  if (fn.type === "ArrowFunctionExpression") {
    const args = rebuiltArguments(fn.params);
    return args === null || parent?.type === "PropertyDefinition" ? null : `${copy}(${args})`;
  }
  const params = forwardedParameters(fn.params);
  let call: string;
  if (params === null || usesOwnArguments(fn)) {
    call = `${copy}.apply(this, arguments)`;
  } else {
    // Naming `arguments` would make V8 build it on every call (measured: matmul clearly slower), so the parameters are passed on.
    call = `${copy}.call(${["this", params].filter(Boolean).join(", ")})`;
  }
  return fn.generator ? `yield* ${call}` : call;
}

/** `a, b, ...rest` for parameters that are names (with or without defaults); null if one is destructured. */
function forwardedParameters(params: acorn.Pattern[]): string | null {
  const names: string[] = [];
  for (const p of params) {
    if (p.type === "Identifier") names.push(p.name);
    else if (p.type === "AssignmentPattern" && p.left.type === "Identifier") names.push(p.left.name);
    else if (p.type === "RestElement" && p.argument.type === "Identifier") names.push(`...${p.argument.name}`);
    else return null;
  }
  return names.join(", ");
}

/**
 * An arrow has no `arguments`: once its parameters are destructured, the objects and arrays it was
 * called with are gone. Its copy has the same parameters, so it is given objects and arrays rebuilt
 * from the bound names (`({ w, h: [a, b] }) =>` passes `{ w: w, h: [a, b] }`), which destructure to
 * the same values. Null when a key is computed: rebuilding would evaluate it a second time.
 */
function rebuiltArguments(params: acorn.Pattern[]): string | null {
  const parts = params.map(rebuiltPattern);
  return parts.includes(null) ? null : parts.join(", ");
}

function rebuiltPattern(pattern: acorn.Pattern): string | null {
  switch (pattern.type) {
    case "Identifier":
      return pattern.name;
    // The default has been applied: the copy receives the value it gave.
    case "AssignmentPattern":
      return rebuiltPattern(pattern.left);
    case "RestElement": {
      const argument = rebuiltPattern(pattern.argument);
      return argument === null ? null : `...${argument}`;
    }
    case "ArrayPattern": {
      const elements = pattern.elements.map((e) => (e ? rebuiltPattern(e) : ""));
      return elements.includes(null) ? null : `[${elements.join(", ")}]`;
    }
    case "ObjectPattern": {
      const properties = pattern.properties.map((p) => {
        if (p.type === "RestElement") return rebuiltPattern(p);
        if (p.computed) return null;
        const value = rebuiltPattern(p.value);
        return value === null ? null : `${p.key.type === "Literal" ? p.key.raw : keyName(p.key)}: ${value}`;
      });
      return properties.includes(null) ? null : `{ ${properties.join(", ")} }`;
    }
    default:
      return null;
  }
}

function usesOwnArguments(fn: acorn.Function): boolean {
  let found = false;
  walk(fn.body, (node) => {
    if (node.type === "Identifier" && node.name === "arguments") found = true;
    return !hasOwnFunctionContext(node);
  });
  return found;
}

/** Names every unit's top level has besides its declarations: the parameters of the function around it (a cell's or Node's module wrapper). */
const WRAPPER_NAMES = ["exports", "require", "module", "__filename", "__dirname"];

/**
 * `__tsprof_u.scope = { read: { a: () => a, … }, write: { b: (v) => { b = v; } } }` for the
 * top-level names the unit's functions use, plus the names that hold its functions (to find
 * them), and writers only for names some code assigns (see the file comment).
 */
function scopeAccessors(program: acorn.Program, sites: FunctionSite[]): string {
  const declared = topLevelDeclarations(program);
  const candidates = new Set([...declared.keys(), ...WRAPPER_NAMES]);
  const read = new Set<string>();
  for (const site of sites) {
    if (site.nested) continue;
    for (const reference of freeReferences(site.node, candidates)) read.add(reference.node.name);
    if (site.binding) read.add(site.binding);
  }
  const assigned = assignedNames(program);
  const write = [...read].filter((name) => assigned.has(name) && declared.get(name) !== "const");
  const readers = [...read].map((name) => `${name}: () => ${name}`);
  const writers = write.map((name) => `${name}: (__tsprof_x) => { ${name} = __tsprof_x; }`);
  return `__tsprof_u.scope = { read: { ${readers.join(", ")} }, write: { ${writers.join(", ")} } };`;
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

/** Every name assigned anywhere in the program (whatever it is bound to there: a superset is enough). */
function assignedNames(program: acorn.Program): Set<string> {
  const names = new Set<string>();
  const target = (node: AnyNode) => {
    for (const name of patternNames(node as acorn.Pattern)) names.add(name);
  };
  walk(program, (node) => {
    if (node.type === "AssignmentExpression") target(node.left);
    if (node.type === "UpdateExpression") target(node.argument);
    if ((node.type === "ForInStatement" || node.type === "ForOfStatement") && node.left.type !== "VariableDeclaration") target(node.left);
  });
  return names;
}

/**
 * Inserts the counters, the hand-overs to %lprun's copies and the scope accessors into a unit's
 * JS (see the file comment). `wrapper` encloses a cell's code in the function the executor calls
 * (modules get Node's own).
 */
export function instrumentUnit(js: string, program: acorn.Program, sites: FunctionSite[], unitId: number, wrapper: { head: string; tail: string } | null): MagicString {
  const s = new MagicString(js);
  s.prepend(`const __tsprof_u = __tsprof__.unit(${unitId}), __tsprof_c = __tsprof_u.calls, __tsprof_k = __tsprof__.counting; ${counterCode(topLevelCounter(sites))}; ${scopeAccessors(program, sites)} `);
  for (const site of sites) insertEntry(s, site);
  for (const site of sites) site.executedText = s.slice(site.start, site.end);
  if (wrapper) s.prepend(wrapper.head).append(wrapper.tail);
  return s;
}

function counterCode(index: number): string {
  return `(__tsprof_k.active && __tsprof_c[${index}]++)`;
}

/** Puts the counter and the hand-over where the function's body starts: statements in a block, a conditional around an arrow's expression. */
function insertEntry(s: MagicString, site: FunctionSite): void {
  const counter = counterCode(site.index);
  const profiled = `${PROFILED} !== null && ${PROFILED}[${site.index}] !== undefined`;
  const body = site.node.body;
  if (body.type === "BlockStatement") {
    s.appendLeft(site.bodyStart, ` ${counter};${site.forward ? ` if (${profiled}) return ${site.forward};` : ""}`);
  } else if (site.forward) {
    s.appendLeft(body.start, `(${counter}, ${profiled} ? ${site.forward} : (`);
    s.appendLeft(body.end, "))");
  } else {
    s.appendLeft(body.start, `(${counter}, `);
    s.appendLeft(body.end, ")");
  }
}

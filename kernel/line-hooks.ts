/**
 * %lprun's kernel side: compiles a line-counting copy of each chosen function where the original
 * was defined (inside its cell's or module's scope, through the unit's scope hook, so it sees the
 * same names) and swaps it in wherever calls reach the original — the top-level binding (what
 * callers in the same cell or module use), every `exports` entry holding it (what later cells
 * use) and, for methods, the property of the object that holds it — then puts the originals back.
 */
import path from "node:path";
import * as acorn from "acorn";
import { MagicError, type LineInstrumentation, type LineProbes, type ProbedFunction, type ResolvedFunction } from "../magics/context";
import type { Executor } from "./executor";
import { childNodes, PARSE_OPTIONS, type FunctionSite } from "./instrument";
import { CURRENT_NAME, HITS_NAME, instrumentLines, type LineInstrumented } from "./line-instrument";
import { baseSourceLine, functionRef, type Unit } from "./units";

type AnyNode = acorn.AnyNode;

/** Somewhere a function is reached from: read it, or put another function there. */
interface Place {
  get(): unknown;
  set(value: unknown): void;
}

interface Prepared {
  target: ResolvedFunction;
  unit: Unit;
  site: FunctionSite;
  /** The object whose own property holds the function (`-f obj.method`), if named that way. */
  holder: { object: object; key: string } | null;
  instrumented: LineInstrumented;
  /** The line of the unit's JS where the copied text starts. */
  jsLine: number;
  firstLine: number;
  lastLine: number;
}

/** A compiled copy and its counters, kept while the original lives so the JIT's work is kept too. */
interface Copy {
  fn: Function;
  hits: Uint32Array;
  current: Int32Array;
}

const copies = new WeakMap<Function, Copy>();

export function lineInstrumentation(executor: Executor, evaluate: (code: string) => Promise<unknown>, cwd: string): LineInstrumentation {
  return {
    instrument: (functions) => instrument(executor, evaluate, functions),
    moduleFunctions: (module) => moduleFunctions(executor, cwd, module),
  };
}

async function instrument(executor: Executor, evaluate: (code: string) => Promise<unknown>, functions: ResolvedFunction[]): Promise<LineProbes> {
  const targets = functions.filter((f, i) => functions.findIndex((g) => g.fn === f.fn) === i);
  const prepared: Prepared[] = [];
  for (const target of targets) prepared.push(await prepare(executor, evaluate, target));
  const swaps = prepared.map((p) => {
    const copy = copyOf(executor, p);
    copy.hits.fill(0);
    const places = placesOf(p);
    if (places.length === 0) {
      throw new MagicError(`%lprun found no place where calls reach ${p.target.expression}: it is not held by a top-level name, an export or an object property. Name it as the cell that defined it does (-f name, -f Class.prototype.method or -f obj.method).`);
    }
    return { original: p.target.fn, copy, places };
  });
  return {
    functions: prepared.map((p, i) => describe(p, swaps[i].copy)),
    swapIn() {
      for (const { copy, places } of swaps) for (const place of places) place.set(copy.fn);
    },
    restore() {
      // Only where a copy still is: a statement that reassigned the name keeps its own value.
      for (const { original, copy, places } of [...swaps].reverse()) for (const place of places) if (place.get() === copy.fn) place.set(original);
    },
  };
}

async function prepare(executor: Executor, evaluate: (code: string) => Promise<unknown>, target: ResolvedFunction): Promise<Prepared> {
  const { expression, fn } = target;
  const found = locate(executor, fn);
  if (!found) throw notFound(expression, fn);
  const { unit, site } = found;
  const ancestors = ancestorsOf(acorn.parse(unit.baseJs, PARSE_OPTIONS), site.node);
  refuseUnreachable(expression, unit, site, ancestors);
  const parent = ancestors[ancestors.length - 1];
  const start = parent?.type === "MethodDefinition" && parent.static ? site.start + "static".length : site.start;
  const holder = await findHolder(evaluate, expression, fn);
  if (site.isMethod && !holder && usesSuper(site.node)) {
    throw new MagicError(`${expression} uses super, so %lprun needs the object the method lives on: name it as -f Class.prototype.method, -f Class.method or -f obj.method.`);
  }
  const instrumented = instrumentLines(unit.baseJs, site.node, { start, end: site.end });
  const startLoc = parent && site.isMethod ? parent.loc!.start : site.node.loc!.start;
  const endLoc = site.node.loc!.end;
  const firstLine = baseSourceLine(unit, startLoc.line, startLoc.column) ?? 1;
  const lastLine = Math.max(firstLine, baseSourceLine(unit, endLoc.line, Math.max(0, endLoc.column - 1)) ?? firstLine);
  const jsLine = unit.baseJs.slice(0, start).split("\n").length;
  return { target, unit, site, holder, instrumented, jsLine, firstLine, lastLine };
}

/**
 * Where `fn` was defined. The same text can be in several units (a cell run twice): prefer the
 * one whose top-level name still holds this very function, else the latest.
 */
function locate(executor: Executor, fn: Function): { unit: Unit; site: FunctionSite } | null {
  const text = Function.prototype.toString.call(fn);
  const candidates: { unit: Unit; site: FunctionSite }[] = [];
  const units = executor.units.all();
  for (let u = units.length - 1; u >= 0; u--) {
    for (const site of units[u].functions) if (text.length > 0 && site.executedText.endsWith(text)) candidates.push({ unit: units[u], site });
  }
  return candidates.find((c) => c.site.binding !== null && readScope(c.unit, c.site.binding) === fn) ?? candidates[0] ?? null;
}

function notFound(expression: string, fn: Function): MagicError {
  const text = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}$/.test(text)) {
    return new MagicError(`${expression} is a native function (${fn.name || "anonymous"}): it has no source code, so %lprun has no lines to count. Profile a notebook function that calls it.`);
  }
  if (text.startsWith("class")) {
    return new MagicError(`${expression} is a class: %lprun profiles functions and methods. Use -f ${expression}.prototype.METHOD, or -f ${expression}.METHOD for a static method.`);
  }
  return new MagicError(`%lprun could not find the source of ${expression}: it was not defined in a cell or a local .ts module of this notebook (functions from packages are not line-profiled).`);
}

/** Functions that a copy compiled in the unit's top-level scope would not see the same names from. */
function refuseUnreachable(expression: string, unit: Unit, site: FunctionSite, ancestors: AnyNode[]): void {
  const enclosing = [...ancestors].reverse().find(isFunctionNode);
  if (site.nested && enclosing) {
    const outer = unit.functions.find((s) => s.node.start === enclosing.start && s.node.end === enclosing.end);
    throw new MagicError(`${expression} is defined inside the function ${outer?.name ?? "<anonymous>"} (${unit.file}), so %lprun cannot compile a copy of it where it lives: its local variables belong to each call. Profile the enclosing function instead (-f ${outer?.name ?? "…"}); lines of functions defined inside it are counted too.`);
  }
  if (ancestors.some(opensScope)) {
    throw new MagicError(`${expression} is defined inside a block, loop, switch, catch or named class expression of ${unit.file}, so %lprun cannot compile a copy of it where it lives. Move it to the top level of the cell or module to profile it.`);
  }
  const privateNames = privateNamesUsed(site.node);
  if (privateNames.length) {
    throw new MagicError(`${expression} uses private class members (${privateNames.join(", ")}), which only code inside the class body can reach, so %lprun cannot profile a copy of it.`);
  }
}

function isFunctionNode(node: AnyNode): boolean {
  return node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression";
}

function opensScope(node: AnyNode): boolean {
  switch (node.type) {
    case "BlockStatement":
    case "StaticBlock":
    case "ForStatement":
    case "ForInStatement":
    case "ForOfStatement":
    case "SwitchStatement":
    case "CatchClause":
      return true;
    case "ClassExpression":
      return node.id !== null && node.id !== undefined;
    default:
      return false;
  }
}

/** Nodes from the program down to `target` (exclusive), found by position. */
function ancestorsOf(program: acorn.Program, target: acorn.Function): AnyNode[] {
  const path: AnyNode[] = [];
  let node: AnyNode = program;
  for (;;) {
    const child: AnyNode | undefined = childNodes(node).find((c) => c.start <= target.start && target.end <= c.end);
    if (!child || (child.start === target.start && child.end === target.end && child.type === target.type)) return path.concat(node);
    path.push(node);
    node = child;
  }
}

function walk(node: AnyNode, visit: (node: AnyNode) => boolean | void): void {
  if (visit(node) === false) return;
  for (const child of childNodes(node)) walk(child, visit);
}

/** `super` of the method itself (arrows inside share it; nested functions and classes have their own). */
function usesSuper(fn: acorn.Function): boolean {
  let found = false;
  walk(fn.body, (node) => {
    if (node.type === "Super") found = true;
    return !(node.type === "FunctionExpression" || node.type === "FunctionDeclaration" || node.type === "ClassBody");
  });
  return found;
}

/** `#x` names used but not declared inside the function (a class declared inside may have its own). */
function privateNamesUsed(fn: acorn.Function): string[] {
  const used = new Set<string>();
  const declared = new Set<string>();
  walk(fn as AnyNode, (node) => {
    if ((node.type === "PropertyDefinition" || node.type === "MethodDefinition") && node.key.type === "PrivateIdentifier") declared.add(node.key.name);
    if (node.type === "MemberExpression" && node.property.type === "PrivateIdentifier") used.add(node.property.name);
    if (node.type === "BinaryExpression" && node.left.type === "PrivateIdentifier") used.add(node.left.name);
  });
  return [...used].filter((n) => !declared.has(n)).map((n) => `#${n}`);
}

/**
 * For `-f net.forward` / `-f Net.prototype.forward` / `-f Net.create`: the object on the
 * expression's prototype chain whose own property holds the function.
 */
async function findHolder(evaluate: (code: string) => Promise<unknown>, expression: string, fn: Function): Promise<{ object: object; key: string } | null> {
  const member = /^([\s\S]+)(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*(["'])(.*?)\3\s*\])$/.exec(expression.trim());
  if (!member) return null;
  const key = member[2] ?? member[4];
  let object: unknown;
  try {
    object = await evaluate(member[1]);
  } catch {
    return null;
  }
  for (let o = object; o !== null && (typeof o === "object" || typeof o === "function"); o = Object.getPrototypeOf(o)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, key);
    if (descriptor) return descriptor.value === fn ? { object: o as object, key } : null;
  }
  return null;
}

/** The copy of a function, compiled inside its unit's scope with its counters as closure variables. */
function copyOf(executor: Executor, p: Prepared): Copy {
  const cached = copies.get(p.target.fn);
  if (cached) return cached;
  const scope = p.unit.runtime.scope;
  if (!scope) throw new MagicError(`%lprun cannot reach the scope of ${p.unit.file}: it has not run yet.`);
  const hits = new Uint32Array(new SharedArrayBuffer(Uint32Array.BYTES_PER_ELEMENT * (p.instrumented.probes.length + 1)));
  const current = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const body = p.site.isMethod ? `({ ${p.instrumented.text} })` : `(${p.instrumented.text})`;
  let made: unknown;
  try {
    made = (scope(copySource(executor, p, `(function (${HITS_NAME}, ${CURRENT_NAME}) { return ${body}; })`)) as Function)(hits, current);
  } catch (e) {
    throw new MagicError(`%lprun could not compile its line-counting copy of ${p.target.expression}: ${(e as Error)?.message ?? e}`);
  }
  let fn = made as Function;
  if (p.site.isMethod) {
    const literal = made as object;
    // `super` in a method looks up the prototype of the object it was defined on.
    if (p.holder) Object.setPrototypeOf(literal, Object.getPrototypeOf(p.holder.object));
    fn = Object.values(Object.getOwnPropertyDescriptors(literal))[0].value;
  }
  const original = p.target.fn;
  Object.defineProperty(fn, "name", { value: original.name, configurable: true });
  if (Object.hasOwn(original, "prototype") && Object.hasOwn(fn, "prototype")) (fn as any).prototype = (original as any).prototype;
  const copy = { fn, hits, current };
  copies.set(original, copy);
  return copy;
}

/**
 * The copy's code laid out on the lines its original has in the unit's script, under a script
 * URL that maps back through the unit: an error thrown in the copy names the cell's line.
 */
function copySource(executor: Executor, p: Prepared, code: string): string {
  const url = `tsprof-lprun:${p.unit.id}`;
  executor.addScriptAlias(url, p.unit);
  return `${"\n".repeat(p.jsLine - 1)}${code}\n//# sourceURL=${url}`;
}

/** Every place the original is reached from now (see the file comment). */
function placesOf(p: Prepared): Place[] {
  const fn = p.target.fn;
  const places: Place[] = [];
  const binding = p.site.binding;
  if (binding !== null && readScope(p.unit, binding) === fn) {
    const assign = p.unit.runtime.scope!(`(__tsprof_value) => { ${binding} = __tsprof_value; }`) as (v: unknown) => void;
    places.push({ get: () => readScope(p.unit, binding), set: assign });
  }
  const seen = new Map<object, Set<string>>();
  const property = (object: object, key: string) => {
    if (seen.get(object)?.has(key)) return;
    seen.set(object, (seen.get(object) ?? new Set()).add(key));
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    if (!descriptor || descriptor.value !== fn || !(descriptor.writable || descriptor.configurable)) return;
    places.push({ get: () => (object as any)[key], set: (value) => Object.defineProperty(object, key, { ...descriptor, value }) });
  };
  if (p.holder) property(p.holder.object, p.holder.key);
  const exportObjects = new Set([readScope(p.unit, "exports"), (globalThis as any).__tsprof__?.exports]);
  for (const exports of exportObjects) {
    if (exports && typeof exports === "object") for (const key of Object.keys(exports)) property(exports, key);
  }
  return places;
}

function readScope(unit: Unit, name: string): unknown {
  try {
    return unit.runtime.scope?.(name);
  } catch {
    return undefined; // not declared there, or still in its temporal dead zone
  }
}

function describe(p: Prepared, copy: Copy): ProbedFunction {
  const sourceLines = p.unit.source.split("\n");
  const lines: string[] = [];
  for (let line = p.firstLine; line <= p.lastLine; line++) lines.push(sourceLines[line - p.unit.firstLine] ?? "");
  const probes = p.instrumented.probes.flatMap((probe) => {
    const line = baseSourceLine(p.unit, probe.loc.line, probe.loc.column);
    return line === null ? [] : [{ id: probe.id, line }];
  });
  return { ref: { ...functionRef(p.unit, p.site), line: p.firstLine }, lines, probes, hits: copy.hits, current: copy.current };
}

function moduleFunctions(executor: Executor, cwd: string, module: string): ResolvedFunction[] {
  const wanted = withoutExtension(path.resolve(cwd, module));
  const unit = [...executor.units.all()].reverse().find((u) => u.category === "module" && withoutExtension(path.resolve(cwd, u.file)) === wanted);
  if (!unit) {
    throw new MagicError(`%lprun -m ${module}: no local module of that name has been imported yet. Import it in a cell first; -m takes the path you import (like ./lib).`);
  }
  const found: ResolvedFunction[] = [];
  for (const site of unit.functions) {
    if (site.nested || site.binding === null) continue;
    const fn = readScope(unit, site.binding);
    if (typeof fn === "function") found.push({ expression: site.binding, fn, ref: functionRef(unit, site) });
  }
  if (found.length === 0) throw new MagicError(`%lprun -m ${module}: ${unit.file} has no top-level functions to profile.`);
  return found;
}

function withoutExtension(file: string): string {
  return file.replace(/\.(ts|tsx|js|mjs|cjs)$/, "");
}

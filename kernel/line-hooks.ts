/**
 * %lprun's kernel side: compiles a line-counting copy of each chosen function from its unit's JS
 * and hands it every call of the original. Each function's entry passes its calls on to
 * `runtime.profiled[i]` while that is set (see instrument.ts), so callers reach the copy however
 * they hold the function — by name in the same cell, through `exports` from later cells, as a
 * method, as a stored callback — and nothing the user defined is rebound. The copy is compiled
 * outside its unit and reaches the unit's top-level names through the unit's accessors.
 * Clearing `runtime.profiled[i]` puts things back.
 */
import path from "node:path";
import vm from "node:vm";
import * as acorn from "acorn";
import { MagicError, type LineInstrumentation, type LineProbes, type ProbedFunction, type ResolvedFunction } from "../magics/context";
import type { Executor } from "./executor";
import { childNodes, hasOwnFunctionContext, walk } from "./ast";
import { freeReferences } from "./free-names";
import { PARSE_OPTIONS, type FunctionSite } from "./instrument";
import { CURRENT_NAME, HITS_NAME, instrumentLines, type LineInstrumented } from "./line-instrument";
import { baseSourceLine, functionRef, type Unit } from "./units";

type AnyNode = acorn.AnyNode;

/** The name the copy reaches its unit's top-level names through. */
const SCOPE_NAME = "__tsprof_v";

interface Prepared {
  target: ResolvedFunction;
  unit: Unit;
  site: FunctionSite;
  /** For a method that uses `super`: the object holding it, whose prototype `super` looks in. */
  holder: object | null;
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
    return { runtime: p.unit.runtime, index: p.site.index, copy };
  });
  return {
    functions: prepared.map((p, i) => describe(p, swaps[i].copy)),
    swapIn() {
      for (const { runtime, index, copy } of swaps) (runtime.profiled ??= [])[index] = copy.fn;
    },
    restore() {
      for (const { runtime, index } of swaps) {
        if (!runtime.profiled) continue;
        runtime.profiled[index] = undefined;
        if (runtime.profiled.every((f) => f === undefined)) runtime.profiled = null;
      }
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
  if (site.forward === null) throw cannotHandOver(expression, site, parent);
  const scope = unit.runtime.scope;
  if (!scope) throw new MagicError(`%lprun cannot reach the top-level names of ${unit.file}: it has not run yet.`);
  const needsHolder = site.isMethod && usesSuper(site.node);
  const holder = needsHolder ? await findHolder(evaluate, expression, fn) : null;
  if (needsHolder && !holder) {
    throw new MagicError(`${expression} uses super, so %lprun needs the object the method lives on: name it as -f Class.prototype.method, -f Class.method or -f obj.method.`);
  }
  const start = parent?.type === "MethodDefinition" && parent.static ? site.start + "static".length : site.start;
  const references = freeReferences(site.node, new Set(Object.keys(scope.read)));
  const instrumented = instrumentLines(unit.baseJs, site.node, { start, end: site.end }, { references, via: SCOPE_NAME });
  const startLoc = parent && site.isMethod ? parent.loc!.start : site.node.loc!.start;
  const endLoc = site.node.loc!.end;
  const firstLine = baseSourceLine(unit, startLoc.line, startLoc.column) ?? 1;
  const lastLine = Math.max(firstLine, baseSourceLine(unit, endLoc.line, Math.max(0, endLoc.column - 1)) ?? firstLine);
  const jsLine = unit.baseJs.slice(0, start).split("\n").length;
  return { target, unit, site, holder, instrumented, jsLine, firstLine, lastLine };
}

function cannotHandOver(expression: string, site: FunctionSite, parent: AnyNode | undefined): MagicError {
  const what =
    parent?.type === "MethodDefinition" && parent.kind === "constructor"
      ? "is a class constructor, which must build its own object"
      : parent?.type === "PropertyDefinition"
        ? "is an arrow function in a class field, whose `this` (the instance) a copy cannot have"
        : "is an arrow function whose destructured parameters have computed keys, so its arguments cannot be rebuilt to pass them on";
  return new MagicError(`${expression} (${site.name}) ${what}, so %lprun cannot hand its calls to a line-counting copy. Profile a function that calls it, or make it a function with plain parameters.`);
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

/** Functions whose copy could not see the names the original sees: the enclosing call's, a block's, a class body's. */
function refuseUnreachable(expression: string, unit: Unit, site: FunctionSite, ancestors: AnyNode[]): void {
  const enclosing = [...ancestors].reverse().find(isFunctionNode);
  if (site.nested && enclosing) {
    const outer = unit.functions.find((s) => s.node.start === enclosing.start && s.node.end === enclosing.end);
    throw new MagicError(`${expression} is defined inside the function ${outer?.name ?? "<anonymous>"} (${unit.file}), so %lprun cannot compile a copy of it: its local variables belong to each call. Profile the enclosing function instead (-f ${outer?.name ?? "…"}); lines of functions defined inside it are counted too.`);
  }
  if (ancestors.some(opensScope)) {
    throw new MagicError(`${expression} is defined inside a block, loop, switch, catch or named class expression of ${unit.file}, so %lprun cannot compile a copy that sees its names. Move it to the top level of the cell or module to profile it.`);
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

/** `super` of the method itself (arrows inside share it; nested functions and classes have their own). */
function usesSuper(fn: acorn.Function): boolean {
  let found = false;
  walk(fn.body, (node) => {
    if (node.type === "Super") found = true;
    return !hasOwnFunctionContext(node);
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
async function findHolder(evaluate: (code: string) => Promise<unknown>, expression: string, fn: Function): Promise<object | null> {
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
    if (descriptor) return descriptor.value === fn ? (o as object) : null;
  }
  return null;
}

/** The copy of a function, compiled with its counters and its unit's accessors as parameters. */
function copyOf(executor: Executor, p: Prepared): Copy {
  const cached = copies.get(p.target.fn);
  if (cached) return cached;
  const hits = new Uint32Array(new SharedArrayBuffer(Uint32Array.BYTES_PER_ELEMENT * (p.instrumented.probes.length + 1)));
  const current = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const strict = /^\s*["']use strict["']/.test(p.unit.baseJs) ? '"use strict"; ' : "";
  const body = p.site.isMethod ? `({ ${p.instrumented.text} })` : `(${p.instrumented.text})`;
  // On the lines its original has in the unit's script, under a URL that maps back through the
  // unit: an error thrown in the copy names the cell's line.
  const filename = `tsprof-lprun:${p.unit.id}`;
  executor.addScriptAlias(filename, p.unit);
  let made: unknown;
  try {
    const compile = vm.compileFunction(`${strict}return ${body};`, [HITS_NAME, CURRENT_NAME, SCOPE_NAME], { filename, lineOffset: p.jsLine - 1 });
    made = compile(hits, current, accessorsOf(p.unit));
  } catch (e) {
    throw new MagicError(`%lprun could not compile its line-counting copy of ${p.target.expression}: ${(e as Error)?.message ?? e}`);
  }
  let fn = made as Function;
  if (p.site.isMethod) {
    const literal = made as object;
    // `super` in a method looks up the prototype of the object it was defined on.
    if (p.holder) Object.setPrototypeOf(literal, Object.getPrototypeOf(p.holder));
    fn = Object.values(Object.getOwnPropertyDescriptors(literal))[0].value;
  }
  const original = p.target.fn;
  Object.defineProperty(fn, "name", { value: original.name, configurable: true });
  if (Object.hasOwn(original, "prototype") && Object.hasOwn(fn, "prototype")) (fn as any).prototype = (original as any).prototype;
  const copy = { fn, hits, current };
  copies.set(original, copy);
  return copy;
}

const accessorObjects = new WeakMap<Unit, object>();

/** One object per unit whose properties read and write the unit's top-level names (`x` in a copy is `__tsprof_v.x`). */
function accessorsOf(unit: Unit): object {
  const cached = accessorObjects.get(unit);
  if (cached) return cached;
  const { read, write } = unit.runtime.scope!;
  const accessors = {};
  for (const name of Object.keys(read)) {
    const set =
      write[name] ??
      (() => {
        throw new TypeError(`Assignment to constant variable ${name}.`);
      });
    Object.defineProperty(accessors, name, { get: read[name], set, enumerable: true });
  }
  accessorObjects.set(unit, accessors);
  return accessors;
}

function readScope(unit: Unit, name: string): unknown {
  try {
    return unit.runtime.scope?.read[name]?.();
  } catch {
    return undefined; // still in its temporal dead zone
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

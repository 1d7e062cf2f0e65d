/**
 * What `tsprof lprun` counts, found before the script runs: its own functions in its compiled code by
 * where they are defined, a package's once the package is loaded.
 * See docs/how-it-works.md, "The command line".
 */
import path from "node:path";
import * as acorn from "acorn";
import { UsageError } from "../../magics/core/context";
import { PARSE_OPTIONS } from "../instrument/functions";
import { childNodes, isFunctionNode, walk } from "../instrument/ast";
import type { Unit } from "../exec/units";
import type { ScriptUnits } from "./script-units";

export interface PackageTarget {
  /** As the user wrote it: `ml-matrix:Matrix.prototype.mmul`. */
  expression: string;
  /** The package (or any specifier the script could import), resolved from the script. */
  specifier: string;
  /** The property path from its exports. */
  path: string[];
}

export interface ScriptTargets {
  /** Per compiled unit, the offsets (in its executed code) of the functions and classes to count. */
  compiled: Map<Unit, number[]>;
  packages: PackageTarget[];
}

type AnyNode = acorn.AnyNode;

/** -f and -m as the command line gives them; with neither, the functions marked with `profile`. */
export function scriptTargets(
  units: ScriptUnits,
  entry: string,
  functions: string[],
  modules: string[],
  cwd: string,
): ScriptTargets {
  const targets: ScriptTargets = { compiled: new Map(), packages: [] };
  const add = (unit: Unit, starts: number[]) =>
    targets.compiled.set(unit, [...(targets.compiled.get(unit) ?? []), ...starts]);
  for (const expression of functions) {
    const at = expression.lastIndexOf(":");
    const [where, name] = at > 0 ? [expression.slice(0, at), expression.slice(at + 1)] : [null, expression];
    if (where !== null && !isLocal(where)) {
      targets.packages.push({ expression, specifier: where, path: name.split(".") });
      continue;
    }
    const unit = where === null ? units.unitOf(entry)! : localUnit(units, where, cwd, expression);
    add(unit, [definitionOf(unit, name, expression)]);
  }
  for (const module of modules) {
    const unit = localUnit(units, module, cwd, `-m ${module}`);
    const starts = topLevelFunctions(unit);
    if (starts.length === 0) throw new UsageError(`-m ${module}: ${unit.file} has no top-level functions to profile.`);
    add(unit, starts);
  }
  if (functions.length === 0 && modules.length === 0) {
    for (const { unit, compiled } of units.files())
      if (compiled.markers.length > 0) add(unit, markedStarts(unit, compiled.markers));
    if (targets.compiled.size === 0)
      throw new UsageError(
        'tsprof lprun needs a function to profile: -f NAME (repeatable), -m FILE, or functions marked with `profile` from "tsprof" in the script.',
      );
  }
  return targets;
}

function isLocal(where: string): boolean {
  return where.startsWith(".") || path.isAbsolute(where);
}

function localUnit(units: ScriptUnits, where: string, cwd: string, expression: string): Unit {
  const unit = units.unitOf(path.resolve(cwd, where));
  if (!unit)
    throw new UsageError(
      `${expression}: ${where} is not one of the script's files (the script does not import it, or it is not there).`,
    );
  return unit;
}

/**
 * `name`, `Class.prototype.method`, `Class.staticMethod` or `object.method`, by their definitions
 * at the top level of the unit.
 */
function definitionOf(unit: Unit, name: string, expression: string): number {
  const [head, ...rest] = name.split(".");
  const top = topLevelValue(program(unit), head);
  if (!top)
    throw new UsageError(
      `${expression} is not a function: ${unit.file} defines no function, class or object named ${head} at its top level.`,
    );
  const found = rest.reduce<AnyNode | null>(
    (node, key, i) => (node ? member(node, key, rest[i - 1] === "prototype") : null),
    top,
  );
  if (!found || found.type === "ObjectExpression")
    throw new UsageError(
      `${expression} is not a function defined in ${unit.file} (tsprof finds a script's functions where they are defined: a top-level function, Class.prototype.method, Class.staticMethod, object.method).`,
    );
  return found.start;
}

/** What a top-level name is bound to: a function, a class, or an object literal. */
function topLevelValue(js: acorn.Program, name: string): AnyNode | null {
  for (const statement of js.body) {
    const declaration =
      statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration"
        ? statement.declaration
        : statement;
    if (!declaration) continue;
    if (
      (declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration") &&
      declaration.id?.name === name
    )
      return declaration;
    if (declaration.type !== "VariableDeclaration") continue;
    for (const d of declaration.declarations) {
      if (d.id.type !== "Identifier" || d.id.name !== name || !d.init) continue;
      return isDefinition(d.init) ? d.init : namedClassIn(d.init, name);
    }
  }
  return null;
}

/**
 * A class made inside an initializer: TypeScript emits a decorated class as `let Net = (() => { …
 * return class Net { … } })()`.
 */
function namedClassIn(init: AnyNode, name: string): AnyNode | null {
  let found: AnyNode | null = null;
  walk(init, (node) => {
    if (!found && (node.type === "ClassExpression" || node.type === "ClassDeclaration") && node.id?.name === name)
      found = node;
    return !found;
  });
  return found;
}

function isDefinition(node: AnyNode): boolean {
  return ["FunctionExpression", "ArrowFunctionExpression", "ClassExpression", "ObjectExpression"].includes(node.type);
}

/**
 * `key` of a class (its prototype's when `onPrototype`, else its statics) or of an object literal;
 * "prototype" itself stays on the class.
 */
function member(node: AnyNode, key: string, onPrototype: boolean): AnyNode | null {
  if (key === "prototype") return node.type === "ClassDeclaration" || node.type === "ClassExpression" ? node : null;
  if (node.type === "ClassDeclaration" || node.type === "ClassExpression") {
    const method = node.body.body.find(
      (m) =>
        m.type === "MethodDefinition" && m.kind !== "constructor" && m.static === !onPrototype && keyOf(m.key) === key,
    );
    return method?.type === "MethodDefinition" ? method.value : null;
  }
  if (node.type === "ObjectExpression") {
    const property = node.properties.find((p) => p.type === "Property" && keyOf(p.key) === key);
    return property?.type === "Property" && isDefinition(property.value) ? property.value : null;
  }
  return null;
}

function keyOf(key: AnyNode): string | null {
  return key.type === "Identifier" ? key.name : key.type === "Literal" ? String(key.value) : null;
}

function topLevelFunctions(unit: Unit): number[] {
  const js = program(unit);
  return js.body.flatMap((s) => {
    const declaration =
      s.type === "ExportNamedDeclaration" || s.type === "ExportDefaultDeclaration" ? s.declaration : s;
    if (declaration?.type === "FunctionDeclaration") return [declaration.start];
    if (declaration?.type !== "VariableDeclaration") return [];
    return declaration.declarations.flatMap((d) =>
      d.init && (d.init.type === "FunctionExpression" || d.init.type === "ArrowFunctionExpression")
        ? [d.init.start]
        : [],
    );
  });
}

/**
 * The functions and classes whose first line (a method's name, a function's first token, a
 * class's `class`) is a marked one, matched through the unit's source map; on a line with
 * several, the one of the marked name.
 */
function markedStarts(unit: Unit, markers: { line: number; name: string }[]): number[] {
  const candidates: { start: number; line: number | null; name: string }[] = [];
  const visit = (node: AnyNode, parent: AnyNode | null): void => {
    if (node.type === "ClassDeclaration" || node.type === "ClassExpression")
      candidates.push({ start: node.start, line: lineOf(unit, node), name: node.id?.name ?? "" });
    if (isFunctionNode(node)) {
      const head =
        parent?.type === "MethodDefinition" || (parent?.type === "Property" && parent.method) ? parent.key : node;
      const name = head !== node ? keyOf(head) : node.type !== "ArrowFunctionExpression" ? node.id?.name : null;
      candidates.push({ start: node.start, line: lineOf(unit, head), name: name ?? "" });
    }
    for (const child of childNodes(node)) visit(child, node);
  };
  visit(program(unit), null);
  return markers.flatMap((marker) => {
    const onLine = candidates.filter((c) => c.line === marker.line);
    const chosen = onLine.find((c) => c.name === marker.name) ?? onLine[0];
    return chosen ? [chosen.start] : [];
  });
}

function lineOf(unit: Unit, node: AnyNode): number | null {
  return unit.toSourceLine(node.loc!.start.line, node.loc!.start.column);
}

function program(unit: Unit): acorn.Program {
  return acorn.parse(unit.code, PARSE_OPTIONS);
}

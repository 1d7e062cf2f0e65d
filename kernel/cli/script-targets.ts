/**
 * What `tsprof lprun` counts, found before the script runs: its own functions in its compiled code,
 * where they are defined or through what a top-level name holds (script-values.ts follows the
 * names), a package's once the package is loaded. See docs/how-it-works.md, "The command line".
 */
import path from "node:path";
import * as acorn from "acorn";
import { UsageError } from "../../magics/core/context";
import { PARSE_OPTIONS } from "../instrument/functions";
import { childNodes, isFunctionNode } from "../instrument/ast";
import type { Unit } from "../exec/units";
import type { ScriptUnits } from "./script-units";
import { keyOf, ScriptValues, type Accessor, type ScriptValue } from "./script-values";

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
  /** What the output says of a -f name: a closure's shared code, a bound function's target. */
  notes: string[];
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
  const targets: ScriptTargets = { compiled: new Map(), packages: [], notes: [] };
  const add = (unit: Unit, starts: number[]) =>
    targets.compiled.set(unit, [...(targets.compiled.get(unit) ?? []), ...starts]);
  const values = new ScriptValues(units);
  for (const expression of functions) {
    // A package's or a file's name ends at the last colon before any call (a descriptor's quoted key may hold one).
    const call = expression.indexOf("(");
    const at = expression.lastIndexOf(":", call < 0 ? expression.length : call);
    const [where, name] = at > 0 ? [expression.slice(0, at), expression.slice(at + 1)] : [null, expression];
    if (where !== null && !isLocal(where)) {
      targets.packages.push({ expression, specifier: where, path: name.split(".") });
      continue;
    }
    const unit = where === null ? units.unitOf(entry)! : localUnit(units, where, cwd, expression);
    const found = definitionOf(values, unit, name, expression);
    if ("specifier" in found) targets.packages.push(found);
    else (add(found.unit, [found.start]), targets.notes.push(...found.notes));
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
 * A getter or setter as %lprun's -f names one in a notebook: `Object.getOwnPropertyDescriptor(G.prototype, 'v').get`.
 */
const DESCRIPTOR = /^Object\.getOwnPropertyDescriptor\(\s*([\w$.]+)\s*,\s*(["'])([^"']+)\2\s*\)\.(get|set)$/;

/**
 * Where `name` is defined: the start of a function or class the script's code binds it to, or a
 * package's value; refused in one line when it is none, or not known before the script runs.
 */
function definitionOf(
  values: ScriptValues,
  unit: Unit,
  name: string,
  expression: string,
): { unit: Unit; start: number; notes: string[] } | PackageTarget {
  const descriptor = DESCRIPTOR.exec(name);
  const names = descriptor ? [...descriptor[1].split("."), descriptor[3]] : name.split(".");
  const { value, notes } = values.follow(unit, names, descriptor?.[4] as Accessor | undefined);
  if (value.kind === "package") return { expression, specifier: value.specifier, path: value.path };
  if (value.kind === "unknown" && value.absent) throw new UsageError(`${expression} is not a function: ${value.why}.`);
  if (value.kind === "unknown")
    throw new UsageError(
      `${expression}: tsprof cannot tell which function this is before the script runs: ${value.why} (it follows the script's code from definitions, new Class(), a factory's returned function, .bind and imports).`,
    );
  if (value.kind !== "definition" || value.node.type === "ObjectExpression")
    throw new UsageError(`${expression} is not a function: in ${unit.file} it is ${describe(value)}.`);
  return { unit: value.unit, start: value.node.start, notes: notes.map((n) => `-f ${expression}: ${n}.`) };
}

function describe(value: ScriptValue): string {
  if (value.kind === "module") return `the module ${value.unit.file}`;
  if (value.kind === "instance") return value.prototypeOnly ? "a class's prototype" : "an instance of a class";
  return "an object literal";
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

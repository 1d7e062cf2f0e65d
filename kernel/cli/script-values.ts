/**
 * What a name of a script stands for, read from its compiled code before it runs: definitions,
 * `new Class()`, a factory's returned function, `.bind()`, aliases and imports; anything else says
 * why it is known only at run time. See docs/how-it-works.md, "The command line".
 */
import path from "node:path";
import * as acorn from "acorn";
import { PARSE_OPTIONS } from "../instrument/functions";
import { isFunctionNode, patternNames, walk } from "../instrument/ast";
import type { Unit } from "../exec/units";
import type { ScriptUnits } from "./script-units";
import { sourceCandidates } from "./source-paths";

type AnyNode = acorn.AnyNode;

export type ScriptValue =
  /** A function, class or object literal written in `unit`. */
  | { kind: "definition"; unit: Unit; node: AnyNode }
  /** An object `new` made of a class of the script, or that class's prototype. */
  | { kind: "instance"; unit: Unit; node: AnyNode; prototypeOnly: boolean }
  /** A value of a package: its exports' path. */
  | { kind: "package"; specifier: string; path: string[] }
  /** Another file's exports. */
  | { kind: "module"; unit: Unit }
  /**
   * Not known before the script runs (`why` says what the code holds there), or `absent`: the code holds no function
   * there.
   */
  | { kind: "unknown"; why: string; absent?: boolean };

export type Accessor = "get" | "set";

/** What a path from it went through that the output should say (a closure's shared code, a bound function's target). */
export interface Followed {
  value: ScriptValue;
  notes: string[];
}

/** Steps one name can take through other names and calls: beyond, a cycle or code too dynamic to follow. */
const MAX_STEPS = 50;

export class ScriptValues {
  private readonly programs = new Map<Unit, acorn.Program>();
  private steps = 0;

  constructor(private readonly units: ScriptUnits) {}

  /** `head.key.key…` from a top-level name of `unit`; `accessor` picks the last key's getter or setter. */
  follow(unit: Unit, names: string[], accessor?: Accessor): Followed {
    this.steps = 0;
    const notes: string[] = [];
    let value = this.binding(unit, this.program(unit).body, names[0], notes);
    names
      .slice(1)
      .forEach((key, i) => (value = this.member(value, key, notes, i === names.length - 2 ? accessor : undefined)));
    return { value, notes };
  }

  program(unit: Unit): acorn.Program {
    let js = this.programs.get(unit);
    if (!js) this.programs.set(unit, (js = acorn.parse(unit.code, PARSE_OPTIONS)));
    return js;
  }

  /** What `name` is bound to among `statements` (a function's body, then the file's top level). */
  private binding(unit: Unit, statements: AnyNode[], name: string, notes: string[], outer?: AnyNode[]): ScriptValue {
    for (const statement of statements) {
      const found = this.declared(unit, declarationOf(statement), name, notes);
      if (found) return found;
    }
    if (outer) return this.binding(unit, outer, name, notes);
    return {
      kind: "unknown",
      why: `${unit.file} defines no function, class or object named ${name} at its top level`,
      absent: true,
    };
  }

  private declared(unit: Unit, declaration: AnyNode | null, name: string, notes: string[]): ScriptValue | null {
    if (!declaration) return null;
    if (
      (declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration") &&
      declaration.id?.name === name
    )
      return { kind: "definition", unit, node: declaration };
    if (declaration.type === "ImportDeclaration") return this.imported(unit, declaration, name);
    if (declaration.type !== "VariableDeclaration") return null;
    const d = declaration.declarations.find((d) => patternNames(d.id).includes(name));
    if (!d) return null;
    if (d.id.type !== "Identifier") return d.init ? this.destructured(unit, d.id, d.init, name, notes) : null;
    if (!d.init)
      return { kind: "unknown", why: `${name} is declared without a value, and assigned as the script runs` };
    // TypeScript emits a decorated class as `let Net = (() => { … return class Net { … } })()`.
    const decorated = namedClassIn(d.init, name);
    return decorated ? { kind: "definition", unit, node: decorated } : this.evaluate(unit, d.init, notes);
  }

  /** `const { Matrix } = require("ml-matrix")`: a property of what the initializer gives. */
  private destructured(unit: Unit, pattern: acorn.Pattern, init: AnyNode, name: string, notes: string[]): ScriptValue {
    const property =
      pattern.type === "ObjectPattern"
        ? pattern.properties.find(
            (p) => p.type === "Property" && p.value.type === "Identifier" && p.value.name === name,
          )
        : undefined;
    const key = property?.type === "Property" ? keyOf(property.key) : null;
    if (key === null) return { kind: "unknown", why: `${name} is destructured from ${source(unit, init)}` };
    return this.member(this.evaluate(unit, init, notes), key, notes);
  }

  private imported(unit: Unit, declaration: acorn.ImportDeclaration, name: string): ScriptValue | null {
    const specifier = declaration.specifiers.find((s) => s.local.name === name);
    if (!specifier) return null;
    const from = this.source(unit, String(declaration.source.value));
    if (specifier.type !== "ImportSpecifier") return from;
    const key = specifier.imported.type === "Identifier" ? specifier.imported.name : String(specifier.imported.value);
    return this.member(from, key, []);
  }

  /** A module the unit imports or requires: another file of the script's, or a package. */
  private source(unit: Unit, specifier: string): ScriptValue {
    if (!specifier.startsWith(".") && !path.isAbsolute(specifier)) return { kind: "package", specifier, path: [] };
    const base = path.resolve(path.dirname(path.resolve(unit.file)), specifier);
    for (const file of [base, ...sourceCandidates(base)]) {
      const found = this.units.unitOf(file);
      if (found) return { kind: "module", unit: found };
    }
    return { kind: "unknown", why: `${specifier} is not one of the script's files` };
  }

  private evaluate(unit: Unit, node: AnyNode, notes: string[], scope?: AnyNode[]): ScriptValue {
    if (++this.steps > MAX_STEPS) return { kind: "unknown", why: "the names refer to each other in a cycle" };
    if (isDefinition(node)) return { kind: "definition", unit, node };
    switch (node.type) {
      case "Identifier":
        return this.binding(unit, scope ?? this.program(unit).body, node.name, notes, scope && this.program(unit).body);
      case "MemberExpression":
        return node.computed && node.property.type !== "Literal"
          ? { kind: "unknown", why: `${source(unit, node)} is a computed property` }
          : this.member(this.evaluate(unit, node.object, notes, scope), keyOf(node.property) ?? "", notes);
      case "NewExpression":
        return this.instanceOf(this.evaluate(unit, node.callee, notes, scope), unit, node);
      case "CallExpression":
        return this.called(unit, node, notes, scope);
      case "Literal":
      case "TemplateLiteral":
      case "ArrayExpression":
        return { kind: "unknown", why: `it is ${source(unit, node)}`, absent: true };
      default:
        return { kind: "unknown", why: `${source(unit, node)} is computed as the script runs` };
    }
  }

  private instanceOf(made: ScriptValue, unit: Unit, node: AnyNode): ScriptValue {
    if (made.kind === "package") return { ...made, path: [...made.path, "prototype"] };
    if (made.kind === "definition" && isClass(made.node)) return { ...made, kind: "instance", prototypeOnly: false };
    return made.kind === "unknown"
      ? made
      : { kind: "unknown", why: `${source(unit, node)} makes no class of the script` };
  }

  /**
   * `f.bind(…)` stands for f; a factory's call for the function (or object) its returns give, when they all give one.
   */
  private called(unit: Unit, node: acorn.CallExpression, notes: string[], scope?: AnyNode[]): ScriptValue {
    const { callee } = node;
    if (callee.type === "MemberExpression" && keyOf(callee.property) === "bind") {
      notes.push(`${source(unit, node)} is a bound function: the function it calls is profiled`);
      return this.evaluate(unit, callee.object, notes, scope);
    }
    if (callee.type === "Identifier" && callee.name === "require" && node.arguments[0]?.type === "Literal")
      return this.source(unit, String(node.arguments[0].value));
    const factory = this.evaluate(unit, callee, notes, scope);
    const fn = factory.kind === "definition" && isFunctionNode(factory.node) ? factory.node : null;
    if (!fn || factory.kind !== "definition")
      return factory.kind === "unknown"
        ? factory
        : { kind: "unknown", why: `${source(unit, node)} calls no function of the script` };
    const returned = returnedValues(fn).map((r) => this.evaluate(factory.unit, r, notes, bodyOf(fn)));
    const [first] = returned;
    if (!first || returned.some((r) => r.kind !== "definition" || r.node !== (first as { node: AnyNode }).node))
      return {
        kind: "unknown",
        why: `${source(unit, node)} returns a value tsprof cannot follow before the script runs`,
      };
    notes.push(
      `${source(unit, node)} returns a closure: every closure of that function is counted (tsprof counts a script's function by its code)`,
    );
    return first;
  }

  private member(value: ScriptValue, key: string, notes: string[], accessor?: Accessor): ScriptValue {
    switch (value.kind) {
      case "unknown":
        return value;
      case "package":
        return { ...value, path: [...value.path, key] };
      case "module":
        return this.binding(value.unit, this.program(value.unit).body, key, notes);
      case "instance":
        return this.instanceMember(value, key, accessor);
      case "definition":
        return this.definitionMember(value, key, accessor);
    }
  }

  private definitionMember(
    value: Extract<ScriptValue, { kind: "definition" }>,
    key: string,
    accessor?: Accessor,
  ): ScriptValue {
    const { unit, node } = value;
    if (isClass(node)) {
      if (key === "prototype") return { kind: "instance", unit, node, prototypeOnly: true };
      const method = classMember(node, key, true, accessor);
      return method ? { kind: "definition", unit, node: method } : this.missing(value, key);
    }
    if (node.type === "ObjectExpression") {
      const property = node.properties.find(
        (p) => p.type === "Property" && keyOf(p.key) === key && (!accessor || p.kind === accessor),
      );
      if (property?.type === "Property" && isDefinition(property.value))
        return { kind: "definition", unit, node: property.value };
    }
    return this.missing(value, key);
  }

  /**
   * A method of the class or of a class it extends; an instance's own functions too (fields, `this.f = …` in the
   * constructor).
   */
  private instanceMember(
    value: Extract<ScriptValue, { kind: "instance" }>,
    key: string,
    accessor?: Accessor,
  ): ScriptValue {
    let at: { unit: Unit; node: AnyNode } | null = value;
    while (at) {
      const own =
        classMember(at.node, key, false, accessor) ?? (value.prototypeOnly ? null : instanceFunction(at.node, key));
      if (own) return { kind: "definition", unit: at.unit, node: own };
      const base: ScriptValue | null =
        isClass(at.node) && at.node.superClass ? this.evaluate(at.unit, at.node.superClass, []) : null;
      if (base?.kind === "package") return { ...base, path: [...base.path, "prototype", key] };
      at = base?.kind === "definition" && isClass(base.node) ? base : null;
    }
    return this.missing(value, key);
  }

  private missing(value: { unit: Unit; node: AnyNode }, key: string): ScriptValue {
    const inherits = isClass(value.node) && value.node.superClass ? ", nor do the classes it extends" : "";
    return {
      kind: "unknown",
      why: `${nameOf(value.node)} in ${value.unit.file} defines no function ${key}${inherits}`,
      absent: true,
    };
  }
}

function declarationOf(statement: AnyNode): AnyNode | null {
  return statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration"
    ? (statement.declaration ?? null)
    : statement;
}

function isDefinition(node: AnyNode): boolean {
  return ["FunctionExpression", "ArrowFunctionExpression", "ClassExpression", "ObjectExpression"].includes(node.type);
}

function isClass(node: AnyNode): node is acorn.ClassDeclaration | acorn.ClassExpression {
  return node.type === "ClassDeclaration" || node.type === "ClassExpression";
}

/** A method of a class's prototype, or a static one; an accessor's getter (or, asked, its setter). */
function classMember(node: AnyNode, key: string, statics: boolean, accessor?: Accessor): AnyNode | null {
  if (!isClass(node)) return null;
  const methods = node.body.body.filter(
    (m): m is acorn.MethodDefinition =>
      m.type === "MethodDefinition" &&
      m.kind !== "constructor" &&
      m.static === statics &&
      keyOf(m.key) === key &&
      (!accessor || m.kind === accessor),
  );
  return (methods.find((m) => m.kind === "get") ?? methods[0])?.value ?? null;
}

/** An instance's own function: a field's (`run = () => …`) or one the constructor assigns (`this.run = function …`). */
function instanceFunction(node: AnyNode, key: string): AnyNode | null {
  if (!isClass(node)) return null;
  for (const m of node.body.body) {
    if (m.type === "PropertyDefinition" && !m.static && keyOf(m.key) === key && m.value && isFunctionNode(m.value))
      return m.value;
    if (m.type === "MethodDefinition" && m.kind === "constructor") {
      let found: AnyNode | null = null;
      walk(m.value.body, (n) => {
        if (
          !found &&
          n.type === "AssignmentExpression" &&
          n.left.type === "MemberExpression" &&
          n.left.object.type === "ThisExpression" &&
          keyOf(n.left.property) === key &&
          isFunctionNode(n.right)
        )
          found = n.right;
        return !found;
      });
      if (found) return found;
    }
  }
  return null;
}

/** What a function's returns give (an arrow's expression body; not its nested functions' returns). */
function returnedValues(fn: acorn.Function): AnyNode[] {
  if (fn.body.type !== "BlockStatement") return [fn.body];
  const out: AnyNode[] = [];
  walk(fn.body, (n) => {
    if (n !== fn.body && (isFunctionNode(n) || isClass(n))) return false;
    if (n.type === "ReturnStatement" && n.argument) out.push(n.argument);
  });
  return out;
}

function bodyOf(fn: acorn.Function): AnyNode[] {
  return fn.body.type === "BlockStatement" ? fn.body.body : [];
}

/** What holds a member, for messages: a class by its name, or an object literal. */
function nameOf(node: AnyNode): string {
  if (isClass(node)) return node.id ? node.id.name : "the class";
  return node.type === "ObjectExpression" ? "the object literal" : "the function";
}

export function keyOf(key: AnyNode): string | null {
  return key.type === "Identifier" ? key.name : key.type === "Literal" ? String(key.value) : null;
}

/** The code of a node, shortened for a one-line message. */
function source(unit: Unit, node: AnyNode): string {
  const text = unit.code.slice(node.start, node.end).replace(/\s+/g, " ");
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** A class made inside an initializer (a decorated class's emit). */
function namedClassIn(init: AnyNode, name: string): AnyNode | null {
  let found: AnyNode | null = null;
  walk(init, (node) => {
    if (!found && isClass(node) && node.id?.name === name) found = node;
    return !found;
  });
  return found;
}

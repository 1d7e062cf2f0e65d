/**
 * Which identifiers in a function refer to names bound outside it: a small scope analysis for
 * %lprun's copies, which are compiled away from their unit and reach the unit's top-level
 * names through accessors instead (see line-hooks.ts).
 *
 * Scopes follow the language: parameters and `var` (and, as sloppy code does, functions declared
 * in blocks) belong to the function; `let`, `const`, `class` and function declarations to their
 * block, `for` head or `switch`; a catch parameter to its clause; a named function or class
 * expression's name to itself. Identifiers in declarations are bindings, not references; keys,
 * member names, labels and `new.target` are neither.
 */
import type * as acorn from "acorn";
import { childNodes } from "./ast";

type AnyNode = acorn.AnyNode;
type Pattern = acorn.Pattern;

export interface FreeReference {
  node: acorn.Identifier;
  /** `{ x }` in an object literal or pattern: the reference is also the property's key. */
  shorthand: boolean;
}

/** References inside `fn` to any of `names` that no declaration inside `fn` shadows, in source order. */
export function freeReferences(fn: acorn.Function, names: ReadonlySet<string>): FreeReference[] {
  const found: FreeReference[] = [];
  const walker = new ScopeWalker(names, found);
  walker.visit(fn as AnyNode, []);
  return found.sort((a, b) => a.node.start - b.node.start);
}

type Scopes = ReadonlySet<string>[];

class ScopeWalker {
  constructor(
    private readonly names: ReadonlySet<string>,
    private readonly found: FreeReference[],
  ) {}

  visit(node: AnyNode | null | undefined, scopes: Scopes): void {
    if (!node) return;
    switch (node.type) {
      case "Identifier":
        return this.reference(node, false, scopes);
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        return this.visitFunction(node, scopes);
      case "ClassDeclaration":
      case "ClassExpression": {
        const inner = node.type === "ClassExpression" && node.id ? [...scopes, new Set([node.id.name])] : scopes;
        this.visit(node.superClass, inner);
        return this.visit(node.body, inner);
      }
      case "MemberExpression":
        this.visit(node.object, scopes);
        if (node.computed) this.visit(node.property, scopes);
        return;
      case "Property":
        if (node.computed) this.visit(node.key, scopes);
        if (node.shorthand) return this.visitShorthand(node.value, scopes);
        return this.visit(node.value, scopes);
      case "MethodDefinition":
      case "PropertyDefinition":
        if (node.computed) this.visit(node.key, scopes);
        return this.visit(node.value, scopes);
      case "LabeledStatement":
        return this.visit(node.body, scopes);
      case "BreakStatement":
      case "ContinueStatement":
      case "MetaProperty":
        return;
      case "VariableDeclaration":
        for (const declarator of node.declarations) {
          this.visitBindingPattern(declarator.id, scopes);
          this.visit(declarator.init, scopes);
        }
        return;
      case "BlockStatement":
      case "StaticBlock":
        return this.visitList(node.body, [...scopes, lexicalNames(node.body)]);
      case "SwitchStatement": {
        this.visit(node.discriminant, scopes);
        const inner = [...scopes, lexicalNames(node.cases.flatMap((c) => c.consequent))];
        for (const c of node.cases) {
          this.visit(c.test, inner);
          this.visitList(c.consequent, inner);
        }
        return;
      }
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement": {
        const head = node.type === "ForStatement" ? node.init : node.left;
        const inner = head?.type === "VariableDeclaration" && head.kind !== "var" ? [...scopes, boundNames(head)] : scopes;
        for (const child of childNodes(node)) this.visit(child, inner);
        return;
      }
      case "CatchClause": {
        const inner = node.param ? [...scopes, new Set(patternNames(node.param))] : scopes;
        if (node.param) this.visitBindingPattern(node.param, inner);
        return this.visit(node.body, inner);
      }
      default:
        for (const child of childNodes(node)) this.visit(child, scopes);
    }
  }

  private visitList(nodes: AnyNode[], scopes: Scopes): void {
    for (const n of nodes) this.visit(n, scopes);
  }

  private visitFunction(fn: acorn.Function, scopes: Scopes): void {
    const own = new Set<string>();
    if (fn.type === "FunctionExpression" && fn.id) own.add(fn.id.name);
    for (const param of fn.params) for (const name of patternNames(param)) own.add(name);
    if (fn.type !== "ArrowFunctionExpression") own.add("arguments");
    if (fn.body.type === "BlockStatement") for (const name of varNames(fn.body)) own.add(name);
    const inner = [...scopes, own];
    for (const param of fn.params) this.visitBindingPattern(param, inner);
    if (fn.body.type === "BlockStatement") this.visitList(fn.body.body, [...inner, lexicalNames(fn.body.body)]);
    else this.visit(fn.body, inner);
  }

  /** A pattern that declares names: only its defaults and computed keys hold references. */
  private visitBindingPattern(pattern: Pattern, scopes: Scopes): void {
    switch (pattern.type) {
      case "Identifier":
        return;
      case "AssignmentPattern":
        this.visitBindingPattern(pattern.left, scopes);
        return this.visit(pattern.right, scopes);
      case "RestElement":
        return this.visitBindingPattern(pattern.argument, scopes);
      case "ArrayPattern":
        for (const element of pattern.elements) if (element) this.visitBindingPattern(element, scopes);
        return;
      case "ObjectPattern":
        for (const property of pattern.properties) {
          if (property.type === "RestElement") this.visitBindingPattern(property.argument, scopes);
          else {
            if (property.computed) this.visit(property.key, scopes);
            this.visitBindingPattern(property.value, scopes);
          }
        }
        return;
      default:
        // A member expression can only be an assignment target, never declared.
        return this.visit(pattern, scopes);
    }
  }

  /** `{ x }` or, in an assignment pattern, `{ x = 1 }`. */
  private visitShorthand(value: AnyNode, scopes: Scopes): void {
    if (value.type === "Identifier") return this.reference(value, true, scopes);
    if (value.type === "AssignmentPattern" && value.left.type === "Identifier") {
      this.reference(value.left, true, scopes);
      return this.visit(value.right, scopes);
    }
    this.visit(value, scopes);
  }

  private reference(node: acorn.Identifier, shorthand: boolean, scopes: Scopes): void {
    if (this.names.has(node.name) && !scopes.some((scope) => scope.has(node.name))) this.found.push({ node, shorthand });
  }
}

/** Names a pattern declares. */
export function patternNames(pattern: Pattern): string[] {
  switch (pattern.type) {
    case "Identifier":
      return [pattern.name];
    case "AssignmentPattern":
      return patternNames(pattern.left);
    case "RestElement":
      return patternNames(pattern.argument);
    case "ArrayPattern":
      return pattern.elements.flatMap((e) => (e ? patternNames(e) : []));
    case "ObjectPattern":
      return pattern.properties.flatMap((p) => (p.type === "RestElement" ? patternNames(p.argument) : patternNames(p.value)));
    default:
      return [];
  }
}

function boundNames(declaration: acorn.VariableDeclaration): Set<string> {
  return new Set(declaration.declarations.flatMap((d) => patternNames(d.id)));
}

/** The block-scoped declarations directly in a statement list. */
function lexicalNames(statements: AnyNode[]): Set<string> {
  const names = new Set<string>();
  for (const s of statements) {
    if (s.type === "VariableDeclaration" && s.kind !== "var") for (const n of boundNames(s)) names.add(n);
    if ((s.type === "FunctionDeclaration" || s.type === "ClassDeclaration") && s.id) names.add(s.id.name);
  }
  return names;
}

/** `var` declarations and nested function declarations of a function body, not crossing into inner functions. */
function varNames(body: acorn.BlockStatement): Set<string> {
  const names = new Set<string>();
  const walk = (node: AnyNode, topLevel: boolean): void => {
    if (node.type === "VariableDeclaration" && node.kind === "var") for (const n of boundNames(node)) names.add(n);
    if (node.type === "FunctionDeclaration") {
      // Sloppy code also gives a function declared in a block a binding in the function.
      if (node.id && !topLevel) names.add(node.id.name);
      return;
    }
    if (node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression" || node.type === "ClassDeclaration" || node.type === "ClassExpression") return;
    for (const child of childNodes(node)) walk(child, false);
  };
  for (const statement of body.body) walk(statement, true);
  return names;
}

/**
 * A unit's functions as the profilers name them (where each is, its display name, the top-level
 * binding holding it): what the call counters, %lprun and the locator all start from.
 */
import type * as acorn from "acorn";
import { childNodes, isFunctionNode } from "./ast";

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
  // ES modules too (a script `tsprof prun` runs): their import and export declarations parse in this mode.
  allowImportExportEverywhere: true,
  allowHashBang: true,
  locations: true,
};

type AnyNode = acorn.AnyNode;

/** Every function in `js`, in source order, with a display name and where its binding lives. */
export function findFunctions(program: acorn.Program): FunctionSite[] {
  const sites: FunctionSite[] = [];
  const visit = (node: AnyNode, parents: AnyNode[], fnDepth: number): void => {
    const isFn = isFunctionNode(node);
    if (isFn) sites.push(describeFunction(node, parents, fnDepth > 0, sites.length, program));
    for (const child of childNodes(node)) visit(child, [...parents, node], fnDepth + (isFn ? 1 : 0));
  };
  visit(program, [], 0);
  return sites;
}

function describeFunction(
  fn: acorn.Function,
  parents: AnyNode[],
  nested: boolean,
  index: number,
  program: acorn.Program,
): FunctionSite {
  const parent = parents[parents.length - 1];
  const body = fn.body;
  let bodyStart = body.start;
  if (body.type === "BlockStatement") {
    const directives = body.body.filter((s) => s.type === "ExpressionStatement" && (s as any).directive !== undefined);
    bodyStart = directives.length ? directives[directives.length - 1].end : body.start + 1;
  }
  const isMethod =
    parent?.type === "MethodDefinition" || (parent?.type === "Property" && (parent.method || parent.kind !== "init"));
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

function topLevelBinding(
  fn: acorn.Function,
  parent: AnyNode | undefined,
  parents: AnyNode[],
  program: acorn.Program,
): string | null {
  if (fn.type === "FunctionDeclaration" && parent === program && fn.id) return fn.id.name;
  const declaration = parents[parents.length - 2];
  if (
    parent?.type === "VariableDeclarator" &&
    parent.id.type === "Identifier" &&
    declaration?.type === "VariableDeclaration" &&
    parents[parents.length - 3] === program
  ) {
    return parent.id.name;
  }
  return null;
}

function nameOf(fn: acorn.Function, parents: AnyNode[]): string {
  const parent = parents[parents.length - 1];
  if (fn.type === "FunctionDeclaration" && fn.id) return fn.id.name;
  if (parent?.type === "MethodDefinition" || parent?.type === "PropertyDefinition") {
    const cls = parents[parents.length - 3];
    const className =
      cls && "id" in cls && cls.id && cls.id.type === "Identifier" ? cls.id.name : classNameFromBinding(parents);
    const key = keyName(parent.key);
    const prefix =
      parent.type === "MethodDefinition" && (parent.kind === "get" || parent.kind === "set") ? `${parent.kind} ` : "";
    return `${className}.${prefix}${key}`;
  }
  if (parent?.type === "Property") {
    const owner = boundName(parents[parents.length - 3]);
    return (owner ? `${owner}.` : "") + keyName(parent.key);
  }
  if (fn.type === "FunctionExpression" && fn.id) return fn.id.name;
  if (parent?.type === "VariableDeclarator" && parent.id.type === "Identifier") return parent.id.name;
  if (parent?.type === "AssignmentExpression") return expressionName(parent.left) ?? "<anonymous>";
  return "<anonymous>";
}

function classNameFromBinding(parents: AnyNode[]): string {
  return boundName(parents[parents.length - 4]) ?? "<class>";
}

/** The name a declaration or a cell's top-level assignment (`const k = …`, which runs as `k = …`) gives its value. */
function boundName(holder: AnyNode | undefined): string | null {
  if (holder?.type === "VariableDeclarator" && holder.id.type === "Identifier") return holder.id.name;
  if (holder?.type === "AssignmentExpression" && holder.left.type === "Identifier") return holder.left.name;
  return null;
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

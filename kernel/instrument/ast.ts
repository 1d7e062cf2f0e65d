/** Walking acorn's syntax trees without a visitor per node type. */
import * as acorn from "acorn";

type AnyNode = acorn.AnyNode;

/** A node's child nodes, in the order of its fields. */
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

/** Visits `node` and its descendants, depth first; `visit` returning false skips a node's children. */
export function walk(node: AnyNode, visit: (node: AnyNode) => boolean | void): void {
  if (visit(node) === false) return;
  for (const child of childNodes(node)) walk(child, visit);
}

/** A function of any kind: declaration, expression, arrow. */
export function isFunctionNode(
  node: AnyNode,
): node is acorn.FunctionDeclaration | acorn.FunctionExpression | acorn.ArrowFunctionExpression {
  return (
    node.type === "FunctionDeclaration" || node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression"
  );
}

/**
 * Where an arrow function with an expression body has its `=>` end: the counter's, the twin's and
 * the twin spot's place.
 */
export function afterArrow(js: string, body: acorn.Node): number {
  return js.lastIndexOf("=>", body.start) + 2;
}

/** Names a pattern declares. */
export function patternNames(pattern: acorn.Pattern): string[] {
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
      return pattern.properties.flatMap((p) =>
        p.type === "RestElement" ? patternNames(p.argument) : patternNames(p.value),
      );
    default:
      return [];
  }
}

/**
 * Offset of the `)` that closes the `(` at `open`, read with acorn's tokenizer (strings, templates
 * and regexes hold parentheses too).
 */
export function closingParenthesis(text: string, open: number): number {
  let depth = 0;
  for (const token of acorn.tokenizer(text.slice(open), { ecmaVersion: "latest" })) {
    if (token.type === acorn.tokTypes.parenL) depth++;
    else if (token.type === acorn.tokTypes.parenR && --depth === 0) return open + token.start;
  }
  throw new Error(`tsprof: no closing parenthesis for the one at ${open}`);
}

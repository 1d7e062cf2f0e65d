/**
 * A cell's JavaScript (the converter's ES module) as the body of a script whose top-level names
 * are the notebook's own bindings: every declaration becomes an assignment to a script-scope
 * `let` the executor declares once (docs/how-it-works.md, "The execution model").
 */
import * as acorn from "acorn";
import MagicString from "magic-string";
import { childNodes, isFunctionNode, patternNames, walk } from "../instrument/ast";

export interface CellScript {
  /** The body: the cell's statements, no line added or removed. */
  code: string;
  /** From `code` back to the converter's output. */
  map: object;
  /** Every top-level name the cell binds, in order: the executor declares those it has not yet. */
  names: string[];
  /** The cell ends with an expression, which the body returns. */
  hasValue: boolean;
  /** The body awaits at its top level, so it runs as an async function. */
  isAsync: boolean;
}

type AnyNode = acorn.AnyNode;
type Statement = acorn.Statement | acorn.ModuleDeclaration;

/**
 * The converter's module read as a script that may import and export: a module's parse would
 * refuse an export list naming an ambient `declare const` (TypeScript keeps it there), and the
 * list goes anyway.
 */
const MODULE_OPTIONS: acorn.Options = {
  ecmaVersion: "latest",
  sourceType: "script",
  allowImportExportEverywhere: true,
  allowAwaitOutsideFunction: true,
  allowHashBang: true,
};

/** The script body of a cell compiled to `js` (see the file comment). */
export function cellScript(js: string): CellScript {
  const program = acorn.parse(js, MODULE_OPTIONS);
  const s = new MagicString(js);
  const names: string[] = [];
  const bind = (found: string[]) => names.push(...found.filter((n) => !names.includes(n)));
  const statements = program.body as Statement[];
  const firstStatement = statements.find((st) => !isExportList(st));
  for (const statement of statements) {
    const declaration = withoutExport(s, statement);
    if (!declaration) continue;
    if (declaration.type === "ImportDeclaration") bind(rewriteImport(s, declaration));
    else if (declaration.type === "VariableDeclaration") bind(assignDeclarators(s, js, declaration, true));
    else if (declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration") {
      bind([
        assignNamed(s, declaration as acorn.FunctionDeclaration | acorn.ClassDeclaration, program, firstStatement),
      ]);
    } else bind(assignNestedVars(s, js, declaration));
  }
  const last = [...statements].reverse().find((st) => !isExportList(st));
  const hasValue = last?.type === "ExpressionStatement";
  if (hasValue) s.prependRight(last.start, "return ");
  return {
    code: s.toString(),
    map: s.generateMap({ hires: true }),
    names,
    hasValue,
    isAsync: awaitsAtTopLevel(program),
  };
}

/** `export {…}` (the converter adds one naming the cell's locals) and `export * from`. */
function isExportList(statement: Statement): boolean {
  return (
    (statement.type === "ExportNamedDeclaration" && !statement.declaration) || statement.type === "ExportAllDeclaration"
  );
}

/** The statement without its `export` (an export list goes whole); null when nothing is left. */
function withoutExport(s: MagicString, statement: Statement): AnyNode | null {
  if (isExportList(statement)) {
    s.remove(statement.start, statement.end);
    return null;
  }
  if (statement.type === "ExportNamedDeclaration" || statement.type === "ExportDefaultDeclaration") {
    const inner = statement.declaration!;
    s.remove(statement.start, inner.start);
    return inner as AnyNode;
  }
  return statement as AnyNode;
}

/**
 * `import d, { a as b } from "m"` → `[d, b] = __tsprof__.imports(require("m"), ["default", "a"]);`
 * (CommonJS interop as TypeScript's esModuleInterop).
 */
function rewriteImport(s: MagicString, node: acorn.ImportDeclaration): string[] {
  const source = JSON.stringify(node.source.value);
  if (node.specifiers.length === 0) {
    s.overwrite(node.start, node.end, `require(${source});`);
    return [];
  }
  const locals = node.specifiers.map((sp) => sp.local.name);
  const keys = node.specifiers.map((sp) =>
    sp.type === "ImportDefaultSpecifier" ? "default" : sp.type === "ImportNamespaceSpecifier" ? "*" : importedName(sp),
  );
  s.overwrite(
    node.start,
    node.end,
    `;[${locals.join(", ")}] = __tsprof__.imports(require(${source}), ${JSON.stringify(keys)});`,
  );
  return locals;
}

function importedName(specifier: acorn.ImportSpecifier): string {
  return specifier.imported.type === "Identifier" ? specifier.imported.name : String(specifier.imported.value);
}

/**
 * `const a = 1, { b } = o;` → `(a = 1, { b } = o);`, and `let x;` → `(x = void 0);` (a cell run
 * again starts its names afresh). In a `for` head only the keyword goes.
 */
function assignDeclarators(s: MagicString, js: string, node: acorn.VariableDeclaration, statement: boolean): string[] {
  if (statement) for (const d of node.declarations) if (!d.init) s.appendLeft(d.id.end, " = void 0");
  const keywordEnd = node.start + node.kind.length;
  if (!statement) {
    s.remove(node.start, js[keywordEnd] === " " ? keywordEnd + 1 : keywordEnd);
    return node.declarations.flatMap((d) => patternNames(d.id));
  }
  s.overwrite(node.start, keywordEnd, "(");
  s.appendLeft(js[node.end - 1] === ";" ? node.end - 1 : node.end, ")");
  return node.declarations.flatMap((d) => patternNames(d.id));
}

/**
 * `function f() {}` → `f = function f() {};` and `class C {}` → `C = class C {};`. A function
 * that code before it names moves to the top, where a declaration's hoisting would have put it.
 */
function assignNamed(
  s: MagicString,
  node: acorn.FunctionDeclaration | acorn.ClassDeclaration,
  program: acorn.Program,
  first: Statement | undefined,
): string {
  const name = node.id!.name;
  s.prependRight(node.start, `${name} = `);
  s.appendLeft(node.end, ";");
  if (
    node.type === "FunctionDeclaration" &&
    first &&
    first.start < node.start &&
    namedBefore(program, name, node.start)
  )
    s.move(node.start, node.end, first.start);
  return name;
}

function namedBefore(program: acorn.Program, name: string, position: number): boolean {
  let found = false;
  walk(program as AnyNode, (n) => {
    if (found || n.start >= position) return false;
    if (n.type === "Identifier" && n.name === name) found = true;
    return !found;
  });
  return found;
}

/** `var` anywhere outside functions declares a top-level name: `if (c) { var x = 1; }`, `for (var i = 0;;)`. */
function assignNestedVars(s: MagicString, js: string, statement: AnyNode): string[] {
  const names: string[] = [];
  const visit = (node: AnyNode, parent: AnyNode | null): boolean => {
    if (isFunctionNode(node) || node.type === "ClassBody") return false;
    if (node.type === "VariableDeclaration" && node.kind === "var") {
      const inHead =
        parent !== null &&
        (parent.type === "ForStatement" || parent.type === "ForInStatement" || parent.type === "ForOfStatement") &&
        parent.body !== node;
      names.push(...assignDeclarators(s, js, node, !inHead));
      return false;
    }
    return true;
  };
  walkWithParent(statement, null, visit);
  return names;
}

function walkWithParent(
  node: AnyNode,
  parent: AnyNode | null,
  visit: (node: AnyNode, parent: AnyNode | null) => boolean,
): void {
  if (visit(node, parent)) for (const child of childNodes(node)) walkWithParent(child, node, visit);
}

/** An `await` (or `for await`) outside every function: the body must run as an async function. */
function awaitsAtTopLevel(program: acorn.Program): boolean {
  let found = false;
  walk(program as AnyNode, (n) => {
    if (found || isFunctionNode(n) || n.type === "ClassBody") return false;
    if (n.type === "AwaitExpression" || (n.type === "ForOfStatement" && n.await)) found = true;
    return !found;
  });
  return found;
}

/**
 * A cell that declares nothing (`one()`, a loop on notebook names), checked and emitted with the program
 * and checker the last compile left; other cells, and any with a diagnostic, go to the converter.
 * See docs/how-it-works.md, "The compiler thread".
 */
import {
  typescript as ts,
  type CellConverter,
  type CompilerOptions,
  type ConvertResult,
  type LastProgram,
  type TypeScriptDiagnostic as Diagnostic,
  type Node,
  type Program,
  type SourceFile,
} from "./tslab-compiler";

/** TypeScript's internals used here: the binder, and what parsing and binding record on a file. */
type Internals = { bindSourceFile(file: SourceFile, options: CompilerOptions): void };
type BoundFile = SourceFile & {
  parseDiagnostics: readonly unknown[];
  bindDiagnostics: readonly unknown[];
  commentDirectives?: readonly unknown[];
  checkJsDirective?: unknown;
  locals?: ReadonlyMap<unknown, unknown>;
  moduleAugmentations: readonly unknown[];
};

/** Top-level statements that bind no name of the file's (a `var` inside them shows in its locals). */
const PLAIN_STATEMENTS = new Set<number>(
  (
    [
      "ExpressionStatement",
      "IfStatement",
      "ForStatement",
      "ForInStatement",
      "ForOfStatement",
      "WhileStatement",
      "DoStatement",
      "Block",
      "SwitchStatement",
      "TryStatement",
      "LabeledStatement",
      "ThrowStatement",
      "EmptyStatement",
    ] as const
  ).map((kind) => ts.SyntaxKind[kind]),
);

/**
 * The checker keeps what it learned of every cell it checked until its program goes: after this many
 * plain cells, one goes to the converter, whose new program lets the old one go.
 */
export const PLAIN_CELLS_PER_PROGRAM = 100;
const plainCellsServed = new WeakMap<Program, number>();

/** The converter's result for a plain cell, or null where the converter must compile it. */
export function convertPlainCell(converter: CellConverter, prevDecl: string, src: string): ConvertResult | null {
  const serving = servingProgram(converter, prevDecl);
  if (!serving) return null;
  const { program, decls, srcFilename, srcPrefix } = serving;
  const served = plainCellsServed.get(program) ?? 0;
  if (served >= PLAIN_CELLS_PER_PROGRAM) return null;
  const options = program.getCompilerOptions();
  const cell = ts.createSourceFile(srcFilename, srcPrefix + src, options.target!, true) as BoundFile;
  (ts as unknown as Internals).bindSourceFile(cell, options);
  if (!isPlain(cell)) return null;
  // As the converter does: names resolve through the declarations' file.
  (cell as { parent?: Node }).parent = decls;
  const checker = program.getTypeChecker() as ReturnType<typeof program.getTypeChecker> & {
    getDiagnostics(file: SourceFile): readonly Diagnostic[];
    getGlobalDiagnostics(): readonly Diagnostic[];
  };
  // Under the cell's file name: the last cell's diagnostics, had it any, come too, and send it the converter's way.
  const diagnostics = [
    ...checker.getDiagnostics(cell),
    ...checker.getGlobalDiagnostics(),
    ...program.getOptionsDiagnostics(),
  ];
  // The converter drops those of no file (the deprecation of an option tslab sets).
  if (diagnostics.some((diagnostic) => diagnostic.file)) return null;
  let output: string | undefined;
  program.emit(cell, (fileName, data) => {
    if (fileName.endsWith(".js")) output = data;
  });
  if (output === undefined) return null;
  plainCellsServed.set(program, served + 1);
  return { output, declOutput: prevDecl, diagnostics: [], hasToplevelAwait: false };
}

/**
 * The last program, with its declarations' file, if it can check a plain cell that sees `prevDecl`:
 * the same text, and a last cell that bound nothing (the converter edits the declarations' tree in
 * place to drop what a cell declares again, and a `declare global` is in this program's globals,
 * not the next one's).
 */
function servingProgram(converter: CellConverter, prevDecl: string): (LastProgram & { decls: SourceFile }) | null {
  const last = converter.lastProgram();
  const { program, declFilename, srcFilename, srcPrefix } = last;
  const decls = program.getSourceFile(declFilename);
  if (!decls || decls.text !== srcPrefix + prevDecl || hasOtherSources(program, srcFilename)) return null;
  const lastCell = program.getSourceFile(srcFilename) as BoundFile | undefined;
  if (!lastCell || (lastCell.locals?.size ?? 0) > 0 || lastCell.moduleAugmentations.length > 0) return null;
  return { ...last, decls };
}

/**
 * While the kernel is idle: after a cell that declared names, the converter compiles an empty cell
 * on the declarations there are now, so that the next plain cell finds a program that serves it.
 */
export function prepareForPlainCells(converter: CellConverter, prevDecl: string): void {
  if (!servingProgram(converter, prevDecl)) converter.convert(prevDecl, "");
}

/** Local modules (a cell imported a .ts file): their outputs and dependencies are the converter's. */
function hasOtherSources(program: Program, srcFilename: string): boolean {
  return program
    .getSourceFiles()
    .some(
      (file) =>
        file.fileName !== srcFilename &&
        !file.isDeclarationFile &&
        /\.(ts|tsx|js|jsx|mjs|cjs|mts|cts)$/.test(file.fileName),
    );
}

/** Parsed and bound with nothing the checker or the program would treat apart from plain code. */
function isPlain(file: BoundFile): boolean {
  if (file.parseDiagnostics.length || file.bindDiagnostics.length || file.commentDirectives?.length) return false;
  if (file.checkJsDirective || file.referencedFiles.length || file.typeReferenceDirectives.length) return false;
  if (file.libReferenceDirectives.length || (file.locals?.size ?? 0) > 0) return false;
  const [prefix, ...statements] = file.statements;
  if (!prefix || !ts.isExportDeclaration(prefix)) return false;
  return statements.every(
    (statement) => PLAIN_STATEMENTS.has(statement.kind) && !reachesModulesOrDecorators(statement),
  );
}

/** `import(…)`, `import.meta` and decorators depend on the program's module resolution and emit helpers. */
function reachesModulesOrDecorators(node: Node): boolean {
  if (ts.isDecorator(node) || ts.isMetaProperty(node) || ts.isImportTypeNode(node)) return true;
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) return true;
  return ts.forEachChild(node, (child) => reachesModulesOrDecorators(child) || undefined) ?? false;
}

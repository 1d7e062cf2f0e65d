/**
 * Compiles a script and the local files it imports as one TypeScript program, in memory with source
 * maps, in a worker thread of its own; also finds the functions marked with `profile`.
 * See docs/how-it-works.md, "The command line".
 */
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { tslabRequire, TS_MODULE } from "../exec/tslab-modules";
import type { CompileRequest, CompileResult, CompiledFile, MarkedFunction } from "./compile";

import type {
  ClassDeclaration,
  CompilerOptions,
  Node,
  SourceFile,
  TypeScript,
} from "../compiler-thread/tslab-compiler";
const ts: TypeScript = tslabRequire(TS_MODULE);

/** Node's types for scripts whose folder has none, as cells get them (tslab-compiler.ts): tsprof's own @types. */
const TSPROF_TYPE_ROOT = path.dirname(path.dirname(require.resolve("@types/node/package.json")));

/** Where emitted files would go; nothing is written there (emit goes to memory). */
const VIRTUAL_OUT_DIR = path.join(path.sep, "__tsprof_out__");
/** Diagnostics about where output files would be written (over an input .js; outside rootDir): none is written. */
const ABOUT_OUTPUT_FILES = [5055, 6059];

function compile({ entry, markerTypes }: CompileRequest): CompileResult {
  const options = compilerOptions(path.dirname(entry), markerTypes);
  const program = ts.createProgram([entry], options);
  const local = program
    .getSourceFiles()
    .filter((f) => !f.isDeclarationFile && !f.fileName.split(/[\\/]/).includes("node_modules"));
  const outputs = new Map<string, { js?: string; map?: object }>();
  const emitted = program.emit(undefined, (fileName, text, _bom, _onError, sources) => {
    const source = sources?.[0]?.fileName;
    if (!source) return;
    const output = outputs.get(source) ?? {};
    if (fileName.endsWith(".map")) output.map = JSON.parse(text);
    else output.js = text.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
    outputs.set(source, output);
  });
  const files: CompiledFile[] = local.flatMap((sourceFile) => {
    const output = outputs.get(sourceFile.fileName);
    if (output?.js === undefined) return [];
    const format = sourceFile.impliedNodeFormat === ts.ModuleKind.ESNext ? "module" : "commonjs";
    return [
      {
        file: path.resolve(sourceFile.fileName),
        source: sourceFile.text,
        js: output.js,
        map: output.map ?? null,
        format,
        markers: markedFunctions(sourceFile),
      },
    ];
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].filter(
    (d) => !ABOUT_OUTPUT_FILES.includes(d.code),
  );
  const host = {
    getCanonicalFileName: (f: string) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => "\n",
  };
  return { files, diagnostics: diagnostics.map((d) => ts.formatDiagnostic(d, host).trimEnd()) };
}

/**
 * The script's tsconfig.json (if any), with what running it needs: Node's module rules, source
 * maps, JS allowed, `tsprof` typed.
 */
function compilerOptions(dir: string, markerTypes: string) {
  const configFile = ts.findConfigFile(dir, ts.sys.fileExists);
  let base: CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
  };
  if (configFile) {
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (!read.error) base = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configFile)).options;
  }
  return {
    ...base,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowJs: true,
    checkJs: base.checkJs ?? false,
    sourceMap: true,
    inlineSourceMap: false,
    inlineSources: false,
    declaration: false,
    declarationMap: false,
    emitDeclarationOnly: false,
    composite: false,
    incremental: false,
    noEmit: false,
    noEmitOnError: false,
    outDir: VIRTUAL_OUT_DIR,
    rootDir: undefined,
    paths: { ...base.paths, tsprof: [markerTypes] },
    typeRoots: typeRootsWithNode(base, dir),
  };
}

function typeRootsWithNode(options: CompilerOptions, dir: string): string[] {
  const roots =
    ts.getEffectiveTypeRoots(options, { directoryExists: ts.sys.directoryExists, getCurrentDirectory: () => dir }) ??
    [];
  const hasNode = roots.some((root) => ts.sys.fileExists(path.join(root, "node", "package.json")));
  return hasNode ? [...roots] : [...roots, TSPROF_TYPE_ROOT];
}

/**
 * The functions a file marks with `profile` from "tsprof": `@profile` on a method (or a class),
 * `profile(function …)`, `profile((…) => …)`, or `profile(name)` of a function declared in the file.
 */
function markedFunctions(file: SourceFile): MarkedFunction[] {
  const { names, namespaces } = markerBindings(file);
  if (names.size === 0 && namespaces.size === 0) return [];
  const isMarker = (e: Node): boolean =>
    (ts.isIdentifier(e) && names.has(e.text)) ||
    (ts.isPropertyAccessExpression(e) &&
      e.name.text === "profile" &&
      ts.isIdentifier(e.expression) &&
      namespaces.has(e.expression.text));
  const declared = new Map<string, Node>();
  for (const statement of file.statements)
    if (ts.isFunctionDeclaration(statement) && statement.name) declared.set(statement.name.text, statement);
  const marked: MarkedFunction[] = [];
  const mark = (node: Node, head: Node) =>
    marked.push({ line: file.getLineAndCharacterOfPosition(head.getStart(file)).line + 1, name: nameOf(node) });
  const visit = (node: Node): void => {
    if (
      (ts.isMethodDeclaration(node) || ts.isAccessor(node) || ts.isClassDeclaration(node)) &&
      ts.canHaveDecorators(node)
    ) {
      if (ts.getDecorators(node)?.some((d) => isMarker(d.expression)))
        mark(node, ts.isClassDeclaration(node) ? classHead(node) : node.name);
    }
    if (ts.isCallExpression(node) && isMarker(node.expression) && node.arguments.length > 0) {
      const arg = node.arguments[0];
      if (ts.isFunctionExpression(arg) || ts.isArrowFunction(arg)) mark(arg, arg);
      else if (ts.isIdentifier(arg) && declared.has(arg.text)) mark(declared.get(arg.text)!, declared.get(arg.text)!);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return marked;
}

/** A declaration's first line without its decorators: `class` (or `export class`). */
function classHead(node: ClassDeclaration): Node {
  return node.modifiers?.find((m) => !ts.isDecorator(m)) ?? node.name ?? node;
}

function nameOf(node: Node): string {
  const named = node as { name?: Node };
  return named.name && ts.isIdentifier(named.name) ? named.name.text : "<anonymous>";
}

/**
 * The names `profile` has in this file: imported (`import { profile as p }`), or a namespace
 * (`import * as t`, `const t = require("tsprof")`).
 */
function markerBindings(file: SourceFile): { names: Set<string>; namespaces: Set<string> } {
  const names = new Set<string>();
  const namespaces = new Set<string>();
  const isTsprof = (e: Node | undefined) => !!e && ts.isStringLiteral(e) && e.text === "tsprof";
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) && isTsprof(statement.moduleSpecifier)) {
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings))
        for (const e of bindings.elements) if ((e.propertyName ?? e.name).text === "profile") names.add(e.name.text);
    }
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const init = declaration.initializer;
      if (
        !init ||
        !ts.isCallExpression(init) ||
        !ts.isIdentifier(init.expression) ||
        init.expression.text !== "require" ||
        !isTsprof(init.arguments[0])
      )
        continue;
      if (ts.isIdentifier(declaration.name)) namespaces.add(declaration.name.text);
      else if (ts.isObjectBindingPattern(declaration.name)) {
        for (const e of declaration.name.elements)
          if (
            ts.isIdentifier(e.name) &&
            ((e.propertyName as { text?: string } | undefined)?.text ?? e.name.text) === "profile"
          )
            names.add(e.name.text);
      }
    }
  }
  return { names, namespaces };
}

parentPort!.postMessage(compile(workerData as CompileRequest));

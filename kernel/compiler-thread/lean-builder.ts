/**
 * The program tslab's converter watches, without TypeScript's builder until a cell's local
 * modules need one. See docs/how-it-works.md, "The compiler thread".
 */
import type {
  CompilerHost,
  CompilerOptions,
  EmitAndSemanticDiagnosticsBuilderProgram,
  Program,
  ProjectReference,
  TypeScript,
  TypeScriptDiagnostic,
} from "./tslab-compiler";

/** The builder as the watch program reads it (`getProgramOrUndefined` is TypeScript's internal API). */
type Builder = EmitAndSemanticDiagnosticsBuilderProgram & { getProgramOrUndefined(): Program | undefined };

/** The sources tslab takes from a cell's dependencies (its getAllSrcDependencies). */
const isSource = (fileName: string) =>
  fileName.endsWith(".js") || (fileName.endsWith(".ts") && !fileName.endsWith(".d.ts"));

/**
 * A `CreateProgram` for `createWatchCompilerHost` (with `ts`, tslab's TypeScript), in place of the default builder's.
 */
export const leanBuilderProgram =
  (ts: TypeScript) =>
  (
    rootNames: readonly string[] | undefined,
    options: CompilerOptions | undefined,
    host: CompilerHost | undefined,
    oldBuilder: Builder | undefined,
    configFileParsingDiagnostics?: readonly TypeScriptDiagnostic[],
    projectReferences?: readonly ProjectReference[],
  ): Builder => {
    const program = ts.createProgram({
      rootNames: rootNames ?? [],
      options: options ?? {},
      host,
      oldProgram: oldBuilder?.getProgramOrUndefined(),
      configFileParsingDiagnostics,
      projectReferences,
    });
    // Made now, as the builder made it: tslab gives the cell's file a parent once the program is
    // there, and the checker must bind the files before that (completion fails otherwise).
    program.getTypeChecker();
    let builder: Builder | undefined;
    return leanBuilder(
      program,
      () =>
        (builder ??= ts.createEmitAndSemanticDiagnosticsBuilderProgram(
          program,
          host!,
          undefined,
          configFileParsingDiagnostics,
        ) as Builder),
    );
  };

/**
 * What tslab and the watch program ask of a builder, answered from `program`; the rest from the builder `full` makes.
 */
function leanBuilder(program: Program, full: () => Builder): Builder {
  const lean: Partial<Builder> = {
    getProgram: () => program,
    getProgramOrUndefined: () => program,
    getSourceFile: (fileName) => program.getSourceFile(fileName),
    // The builder's emit of one file is the program's, but for the state it keeps for the next emit of all.
    emit: (file, ...rest) => (file ? program.emit(file, ...rest) : full().emit(file, ...rest)),
    getAllDependencies: (file) =>
      program.getSourceFiles().some((other) => other !== file && isSource(other.fileName))
        ? full().getAllDependencies(file)
        : [file.fileName],
  };
  return new Proxy(lean as Builder, {
    get: (target, key: keyof Builder) => target[key] ?? bound(full(), key),
  });
}

function bound(builder: Builder, key: keyof Builder): unknown {
  const value = builder[key];
  return typeof value === "function" ? value.bind(builder) : value;
}

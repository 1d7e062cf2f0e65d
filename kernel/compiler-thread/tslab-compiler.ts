/**
 * tslab's compiler as the compiler thread loads it: its converter, its cell metadata parser and its
 * TypeScript (for the syntax checks that must agree with the converter), the converter patched for
 * source maps and speed. See docs/how-it-works.md, "The compiler thread".
 */
import fs from "node:fs";
import path from "node:path";
import type * as ConverterModule from "tslab/dist/converter";
import type * as MetadataModule from "tslab/dist/metadata";
import { loadTslabModule, tslabRequire, TS_MODULE } from "../exec/tslab-modules";
import { takeInlineSourceMap, withInlineSourceMap } from "../exec/inline-source-map";
import { decodedMappings, TraceMap } from "@jridgewell/trace-mapping";
import { leanBuilderProgram } from "./lean-builder";
import type { Program } from "@tslab/typescript-for-tslab";

/** @jridgewell/remapping's own .d.cts does not parse under TypeScript 5.9 (`export = function`). */
const remapping: (map: unknown, loader: (file: string) => unknown) => unknown = require("@jridgewell/remapping");

export type TypeScript = typeof import("@tslab/typescript-for-tslab");
export type {
  ClassDeclaration,
  CompilerHost,
  CompilerOptions,
  Diagnostic as TypeScriptDiagnostic,
  EmitAndSemanticDiagnosticsBuilderProgram,
  Node,
  Program,
  ProjectReference,
  Scanner,
  SourceFile,
  Statement,
  SyntaxKind,
} from "@tslab/typescript-for-tslab";
export type { Converter, ConvertResult, CompletionInfo, Diagnostic } from "tslab/dist/converter";
export type { CodeMetadata } from "tslab/dist/metadata";
/** tslab's TypeScript, for syntax checks that must agree with the converter. */
export const typescript: TypeScript = tslabRequire(TS_MODULE);
const ts = typescript;

/** Cells import the kernel's public API as "tsprof"; its types come from this package. */
const TYPE_PATHS = { tsprof: [path.join(__dirname, "..", "public.d.ts")] };

/**
 * Node's types (console, Buffer, …) for cells whose folder has none. tslab falls back to
 * tslab/node_modules/@types, which a global install does not have: npm hoists it next to tsprof.
 */
const TSPROF_TYPE_ROOT = path.dirname(path.dirname(require.resolve("@types/node/package.json")));

function withNodeTypes(typeRoots: string[] | undefined): string[] {
  const roots = typeRoots ?? [];
  return roots.some((root) => fs.existsSync(path.join(root, "node", "package.json")))
    ? roots
    : [...roots, TSPROF_TYPE_ROOT];
}

/**
 * The second stage turns JavaScript that is already checked (the first stage's ES module) into
 * CommonJS, yet TypeScript 5.0's transpileModule type-checks it first, with no lib, so that every
 * global is an error whose suggestions are costly: most of the stage's time, and tslab's own
 * converter pays it on every cell. A file marked `no-default-lib` is skipped by the checker under
 * `skipDefaultLibCheck`; the emit is the same once the directive's own line is taken out (a
 * unit test compares the two).
 */
export const WITHOUT_TYPE_CHECK = '/// <reference no-default-lib="true"/>\n';

/**
 * The second stage's output and map without the directive, which TypeScript keeps as a comment of
 * the first statement.
 */
function withoutDirective({ code, map }: { code: string; map: any | null }): { code: string; map: any | null } {
  const lines = code.split("\n");
  const at = lines.indexOf(WITHOUT_TYPE_CHECK.trimEnd());
  if (at < 0) return { code, map };
  lines.splice(at, 1);
  // Decoded, the other lines' segments keep their positions when one line goes (encoded, they are
  // relative to the line before).
  const mappings = map ? decodedMappings(new TraceMap(map)).filter((_, line) => line !== at) : null;
  return { code: lines.join("\n"), map: map && { ...map, mappings } };
}

function sourceMappedTypeScript(): TypeScript {
  const patched: any = { ...ts };
  patched.createWatchCompilerHost = (
    rootFiles: string[],
    options: any,
    system: unknown,
    _: unknown,
    ...rest: unknown[]
  ) =>
    (ts.createWatchCompilerHost as any)(
      rootFiles,
      {
        ...options,
        inlineSourceMap: true,
        inlineSources: false,
        paths: TYPE_PATHS,
        typeRoots: withNodeTypes(options.typeRoots),
      },
      system,
      leanBuilderProgram(ts),
      ...rest,
    );
  patched.transpileModule = (input: string, transpileOptions: any) => {
    const first = takeInlineSourceMap(input);
    const out = ts.transpileModule(WITHOUT_TYPE_CHECK + first.code, {
      ...transpileOptions,
      compilerOptions: { ...transpileOptions.compilerOptions, inlineSourceMap: true, skipDefaultLibCheck: true },
    });
    const second = withoutDirective(takeInlineSourceMap(out.outputText));
    if (!first.map || !second.map) return { ...out, outputText: second.code };
    // The second stage's input had the directive's line above the first stage's output.
    const shifted = { ...first.map, mappings: ";" + first.map.mappings };
    const composed = remapping(second.map, (file) => (file === second.map.sources[0] ? shifted : null));
    return { ...out, outputText: withInlineSourceMap(second.code, composed) };
  };
  return patched;
}

/**
 * tslab rewrites every name from an earlier cell to `exports.NAME` and the cell's last expression
 * to an exported variable, then turns the ES module into CommonJS. Cells run here as scripts whose
 * names are the notebook's bindings (cell-script.ts), so the ES module comes back as TypeScript
 * emitted it: no name rewritten, no second stage.
 */
function withModuleOutput(converterSource: string): string {
  const rewrites = "                node = ts.visitEachChild(node, wrapPrevIdentifier, nullTransformationContext);\n";
  const withoutRewrites = replacedInConverter(
    converterSource,
    rewrites,
    "its after() transformer was not found",
    "                return node;\n",
  );
  return replacedInConverter(
    withoutRewrites,
    "output: esModuleToCommonJSModule(output, transpileTarget),",
    "its CommonJS output stage was not found",
    "output,",
  );
}

/**
 * tslab's convert updates its program twice a cell: once to learn the cell's top-level names (its
 * source file's `locals`), again with `export { those names }` added, and each update makes a new
 * type checker over the whole program (lib and @types included): about half of a cell's compile.
 * The names come from binding the cell's file alone (the same text, `srcPrefix` included, so the
 * same locals); the program is then updated once, with the export already there. TypeScript keys
 * locals by their escaped name (`__a` is `___a`): exported so, a name starting with two
 * underscores was not found, in tslab's converter too.
 */
function withOneProgramUpdate(converterSource: string): string {
  const twice = `        updateContent(prevDecl, src);
        let declsFile = builder.getSourceFile(declFilename);
        let srcFile = builder.getSourceFile(srcFilename);
        const locals = srcFile.locals;
        const keys = new Set();
        if (locals) {
            locals.forEach((_, key) => {
                keys.add(key);
            });
        }
        if (keys.size > 0) {
            // Export all local variables.
            // TODO: Disallow "export" in the input.
            const suffix = "\\nexport {" + Array.from(keys).join(", ") + "}";
            updateContent(prevDecl, src + suffix);
            declsFile = builder.getSourceFile(declFilename);
            srcFile = builder.getSourceFile(srcFilename);
        }
`;
  return replacedInConverter(
    converterSource,
    twice,
    "its two program updates in convert() were not found",
    `        const alone = ts.createSourceFile(srcFilename, srcPrefix + src, transpileTarget);
        ts.bindSourceFile(alone, {});
        const keys = new Set(alone.locals ? Array.from(alone.locals.keys(), ts.unescapeLeadingUnderscores) : []);
        updateContent(prevDecl, keys.size > 0 ? src + "\\nexport {" + Array.from(keys).join(", ") + "}" : src);
        let declsFile = builder.getSourceFile(declFilename);
        let srcFile = builder.getSourceFile(srcFilename);
`,
  );
}

/** The program a converter's last update left, and the names of its files (plain-cells.ts reads them). */
export interface LastProgram {
  program: Program;
  declFilename: string;
  srcFilename: string;
  /** What the converter puts before a cell's and the declarations' text. */
  srcPrefix: string;
}

export type CellConverter = ConverterModule.Converter & { lastProgram(): LastProgram };

function withLastProgram(converterSource: string): string {
  return replacedInConverter(
    converterSource,
    "        addModule,\n    };\n",
    "the converter object createConverter() returns was not found",
    "        addModule,\n        lastProgram: () => ({ program: builder.getProgram(), declFilename, srcFilename, srcPrefix }),\n    };\n",
  );
}

/** `converterSource` with `found` replaced; an error naming what is `missing` if tslab's source no longer has it. */
function replacedInConverter(converterSource: string, found: string, missing: string, replacement: string): string {
  if (!converterSource.includes(found))
    throw new Error(`tslab's converter has changed: ${missing} (tsprof pins tslab 1.0.22)`);
  return converterSource.replace(found, replacement);
}

export const converter: Omit<typeof ConverterModule, "createConverter"> & {
  createConverter(options?: ConverterModule.ConverterOptions): CellConverter;
} = loadTslabModule("converter", { [TS_MODULE]: sourceMappedTypeScript() }, (source) =>
  withLastProgram(withOneProgramUpdate(withModuleOutput(source))),
);
export const metadata: typeof MetadataModule = tslabRequire("./metadata");

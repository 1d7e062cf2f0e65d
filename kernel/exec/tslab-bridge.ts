/**
 * The one place where tsprof reaches into tslab (pinned to 1.0.22 in package.json).
 *
 * Reused as they are: tslab's converter (TypeScript → JS per cell, with declarations carried from
 * cell to cell, completion, inspection, `isCompleteCode`), its cell metadata parser, its quick-info
 * printer and its public `display` API.
 *
 * Patched: the converter compiles in two stages (TypeScript emits an ES module, then
 * `ts.transpileModule` turns it into CommonJS) and keeps no source map of either, so profiles
 * could not name the cell's TypeScript lines. The profilers need that map, so we load tslab's
 * converter module with a copy of its TypeScript namespace whose `createWatchCompilerHost` adds
 * `inlineSourceMap` to the first stage and whose `transpileModule` maps the second stage and
 * composes the two maps. TypeScript's own exports are non-configurable getters, so the copy is
 * handed to the converter through its `require` rather than patched in place.
 *
 * Fixed: a shorthand property naming an earlier cell's variable (see withShorthandPropertiesRewritten).
 *
 * Also here: where tslab's `display` API writes (its protocol module's `lastWriteDisplayData`),
 * which files are tslab's (its frames are the kernel's, not the user's), and tslab's types.
 */
import fs from "node:fs";
import Module from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type * as ConverterModule from "tslab/dist/converter";
import type * as MetadataModule from "tslab/dist/metadata";
import type * as InspectModule from "tslab/dist/inspect";
import type * as JupyterModule from "tslab/dist/jupyter";

/** @jridgewell/remapping's own .d.cts does not parse under TypeScript 5.9 (`export = function`). */
const remapping: (map: unknown, loader: (file: string) => unknown) => unknown = require("@jridgewell/remapping");

const tslabDist = path.dirname(require.resolve("tslab/dist/converter"));
const tslabRequire = Module.createRequire(path.join(tslabDist, "converter.js"));
const TS_MODULE = "@tslab/typescript-for-tslab";
export type TypeScript = typeof import("@tslab/typescript-for-tslab");
export type { Diagnostic } from "tslab/dist/converter";
export type { Scanner, Statement, SyntaxKind } from "@tslab/typescript-for-tslab";
const ts: TypeScript = tslabRequire(TS_MODULE);

/** Cells import the kernel's public API as "tsprof"; its types come from this package. */
const TYPE_PATHS = { tsprof: [path.join(__dirname, "..", "public.d.ts")] };

/**
 * Node's types (console, Buffer, …) for cells whose folder has none. tslab falls back to
 * tslab/node_modules/@types, which a global install does not have: npm hoists it next to tsprof.
 */
const TSPROF_TYPE_ROOT = path.dirname(path.dirname(require.resolve("@types/node/package.json")));

function withNodeTypes(typeRoots: string[] | undefined): string[] {
  const roots = typeRoots ?? [];
  return roots.some((root) => fs.existsSync(path.join(root, "node", "package.json"))) ? roots : [...roots, TSPROF_TYPE_ROOT];
}

const SOURCE_MAP_COMMENT = /\n?\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/** Splits JS with an inline source map comment into the code and the decoded map. */
export function takeInlineSourceMap(js: string): { code: string; map: any | null } {
  const m = SOURCE_MAP_COMMENT.exec(js);
  if (!m) return { code: js, map: null };
  return { code: js.slice(0, m.index), map: JSON.parse(Buffer.from(m[1], "base64").toString("utf8")) };
}

function withInlineMap(code: string, map: unknown): string {
  return `${code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}`;
}

function sourceMappedTypeScript(): TypeScript {
  const patched: any = { ...ts };
  patched.createWatchCompilerHost = (rootFiles: string[], options: any, ...rest: unknown[]) =>
    (ts.createWatchCompilerHost as any)(rootFiles, { ...options, inlineSourceMap: true, inlineSources: false, paths: TYPE_PATHS, typeRoots: withNodeTypes(options.typeRoots) }, ...rest);
  patched.transpileModule = (input: string, transpileOptions: any) => {
    const first = takeInlineSourceMap(input);
    const out = ts.transpileModule(first.code, {
      ...transpileOptions,
      compilerOptions: { ...transpileOptions.compilerOptions, inlineSourceMap: true },
    });
    const second = takeInlineSourceMap(out.outputText);
    if (!first.map || !second.map) return { ...out, outputText: second.code };
    const composed = remapping(second.map, (file) => (file === second.map.sources[0] ? first.map : null));
    return { ...out, outputText: withInlineMap(second.code, composed) };
  };
  return patched;
}

/**
 * tslab rewrites a name from an earlier cell to `exports.NAME`, but not inside a shorthand
 * property: `{ memory }` stays as it is and fails at run time ("memory is not defined"), because
 * the checker's symbol at that identifier is the property's. This adds the missing case to its
 * `wrapPrevIdentifier` visitor: `{ memory }` becomes `{ memory: exports.memory }`.
 */
function withShorthandPropertiesRewritten(converterSource: string): string {
  const anchor = "function wrapPrevIdentifier(node) {";
  if (!converterSource.includes(anchor)) throw new Error(`tslab's converter has changed: "${anchor}" not found (tsprof pins tslab 1.0.22)`);
  return converterSource.replace(
    anchor,
    `${anchor}
            if (ts.isShorthandPropertyAssignment(node)) {
                const value = checker.getShorthandAssignmentValueSymbol(node);
                const fromEarlierCell = ((value && value.declarations) || []).some((d) => d.getSourceFile() === declsFile);
                if (!fromEarlierCell) return node;
                const target = ts.factory.createPropertyAccessExpression(ts.factory.createIdentifier("exports"), node.name.text);
                // In a destructuring assignment, ({ x = 1 } = o) keeps its default: ({ x: exports.x = 1 } = o).
                const init = node.objectAssignmentInitializer;
                return ts.factory.createPropertyAssignment(node.name.text, init ? ts.factory.createAssignment(target, init) : target);
            }`,
  );
}

function loadConverter(): typeof ConverterModule {
  const filename = path.join(tslabDist, "converter.js");
  const mod = new Module(filename, module);
  mod.filename = filename;
  mod.paths = (Module as any)._nodeModulePaths(tslabDist);
  const patchedTs = sourceMappedTypeScript();
  const requireWithPatchedTs = (id: string) => (id === TS_MODULE ? patchedTs : tslabRequire(id));
  mod.require = Object.assign(requireWithPatchedTs, tslabRequire) as NodeJS.Require;
  (mod as any)._compile(withShorthandPropertiesRewritten(fs.readFileSync(filename, "utf8")), filename);
  return mod.exports;
}

export const converter = loadConverter();
export const metadata: typeof MetadataModule = tslabRequire("./metadata");
export const quickInfo: typeof InspectModule = tslabRequire("./inspect");
/** tslab's protocol module: its `lastWriteDisplayData` is where tslab's `display` API writes. */
const tslabJupyter: typeof JupyterModule = tslabRequire("./jupyter");
type DisplayWriter = (data: { data: unknown; metadata: unknown; transient: unknown }, update: boolean) => void;

/** Sends what tslab's `display` API (and tsprof's, through it) shows to `write`. */
export function routeDisplayData(write: DisplayWriter): void {
  tslabJupyter.lastWriteDisplayData = write as typeof tslabJupyter.lastWriteDisplayData;
}

/** Shows a display_data message the way tslab's `display` API does. */
export function writeDisplayData(data: { data: unknown; metadata: unknown; transient: unknown }): void {
  tslabJupyter.lastWriteDisplayData?.(data as any, false);
}

/** tslab's package and its TypeScript's, as directories. */
const TSLAB_DIRECTORIES = [path.dirname(tslabDist), path.dirname(path.dirname(tslabRequire.resolve(TS_MODULE)))];

/** Whether a file (a path or a file: URL, as stacks and profiles give them) is tslab's code. */
export function isTslabCode(fileOrUrl: string): boolean {
  const file = fileOrUrl.startsWith("file:") ? fileURLToPath(fileOrUrl) : fileOrUrl;
  return TSLAB_DIRECTORIES.some((dir) => file.startsWith(dir + path.sep));
}
/** The module a cell gets for `import * as tslab from "tslab"`. */
export const tslabPublic = tslabRequire("./public");
export const typescriptVersion: string = ts.version;
/** tslab's TypeScript, for syntax checks that must agree with the converter. */
export const typescript: TypeScript = ts;

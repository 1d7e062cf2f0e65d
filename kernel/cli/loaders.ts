/**
 * Makes Node load a script's files as tsprof compiled them: CommonJS through Module's extension
 * handlers, ES modules through esm-hooks.ts; `tsprof` gives the marker (marker.ts).
 * See docs/how-it-works.md, "The command line".
 */
import Module, { register } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PACKAGE_PREFIX, type HooksData } from "./esm-hooks";
import { sourceCandidates } from "./source-paths";

export interface LoadedFile {
  code: string;
  format: "module" | "commonjs";
}

export { PACKAGE_PREFIX };

const MARKER = path.join(__dirname, "..", "marker.js");
const TYPESCRIPT_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts"];

/**
 * From now on, the files in `files` (absolute paths) load as their code there; `entry` (a file URL)
 * is where packages are resolved from.
 */
export function installLoaders(files: Map<string, LoadedFile>, entry: string): void {
  installCommonJs(files);
  // The hooks run in a thread of Node's, started on register: only for scripts that have ES modules.
  if (![...files.values()].some((f) => f.format === "module")) return;
  const data: HooksData = {
    files: [...files].map(([file, loaded]) => [pathToFileURL(file).href, loaded]),
    marker: pathToFileURL(MARKER).href,
    entry,
  };
  register(pathToFileURL(path.join(__dirname, "esm-hooks.js")).href, {
    parentURL: pathToFileURL(__filename).href,
    data,
  });
}

function installCommonJs(files: Map<string, LoadedFile>): void {
  const extensions = (Module as any)._extensions as Record<string, (module: any, filename: string) => void>;
  for (const ext of [...TYPESCRIPT_EXTENSIONS, ".js", ".cjs"]) {
    const original = extensions[ext];
    extensions[ext] = (module, filename) => {
      const loaded = files.get(filename);
      if (loaded) return module._compile(loaded.code, filename);
      if (original) return original(module, filename);
      throw new Error(
        `tsprof compiled the files the script imports, and ${filename} is not one of them (a path computed at run time?): import it statically.`,
      );
    };
  }
  const resolveFilename = (Module as any)._resolveFilename;
  (Module as any)._resolveFilename = function (
    request: string,
    parent: { filename?: string } | undefined,
    ...rest: unknown[]
  ) {
    if (request === "tsprof") return MARKER;
    try {
      return resolveFilename.call(this, request, parent, ...rest);
    } catch (e) {
      const relative = /^\.{1,2}\//.test(request) && parent?.filename;
      const found =
        relative && sourceCandidates(path.resolve(path.dirname(parent.filename!), request)).find((f) => files.has(f));
      if (found) return found;
      throw e;
    }
  };
}

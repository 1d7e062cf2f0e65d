/**
 * Where tslab and its TypeScript are, and how tsprof loads one of tslab's modules with some of its
 * `require`s answered by tsprof: both bridges (the main thread's, tslab-bridge.ts, and the
 * compiler thread's, tslab-compiler.ts) load tslab's modules this way.
 */
import fs from "node:fs";
import Module from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const tslabDist = path.dirname(require.resolve("tslab/dist/converter"));
export const tslabRequire = Module.createRequire(path.join(tslabDist, "converter.js"));
export const TS_MODULE = "@tslab/typescript-for-tslab";
const typescriptDir = path.dirname(tslabRequire.resolve(`${TS_MODULE}/package.json`));

/** tslab's TypeScript version, read without loading TypeScript. */
export const typescriptVersion: string = JSON.parse(
  fs.readFileSync(path.join(typescriptDir, "package.json"), "utf8"),
).version;

/**
 * Compiles tslab's `dist/<name>.js` as a module of its own, whose `require(id)` gives
 * `replacements[id]` where there is one, and `edit` applied to its source.
 */
export function loadTslabModule<T>(
  name: string,
  replacements: Record<string, unknown>,
  edit: (source: string) => string = (s) => s,
): T {
  const filename = path.join(tslabDist, `${name}.js`);
  const mod = new Module(filename, module);
  mod.filename = filename;
  mod.paths = (Module as any)._nodeModulePaths(tslabDist);
  const replacedRequire = (id: string) => (id in replacements ? replacements[id] : tslabRequire(id));
  mod.require = Object.assign(replacedRequire, tslabRequire) as NodeJS.Require;
  (mod as any)._compile(edit(fs.readFileSync(filename, "utf8")), filename);
  return mod.exports;
}

/** tslab's package and its TypeScript's, as directories. */
const TSLAB_DIRECTORIES = [path.dirname(tslabDist), typescriptDir];

/** Whether a file (a path or a file: URL, as stacks and profiles give them) is tslab's code. */
export function isTslabCode(fileOrUrl: string): boolean {
  const file = fileOrUrl.startsWith("file:") ? fileURLToPath(fileOrUrl) : fileOrUrl;
  return TSLAB_DIRECTORIES.some((dir) => file.startsWith(dir + path.sep));
}

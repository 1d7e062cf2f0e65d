/**
 * How a script names its TypeScript files: TypeScript's own rule imports `./lib.ts` as
 * `./lib.js` (or `./lib.mjs` for `lib.mts`), and code written for bundlers leaves the extension
 * out. Node's resolution finds neither; both loaders (loaders.ts, esm-hooks.ts) try these.
 */
const SWAPPED: Record<string, string[]> = {
  ".js": [".ts", ".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
  ".jsx": [".tsx"],
};
const ADDED = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/**
 * The files a specifier that Node did not find may mean, most likely first (`wanted` is absolute,
 * as resolved against its importer).
 */
export function sourceCandidates(wanted: string): string[] {
  const ext = /\.[cm]?jsx?$/.exec(wanted)?.[0];
  const swapped = ext ? SWAPPED[ext].map((e) => wanted.slice(0, -ext.length) + e) : [];
  return [...swapped, ...ADDED.map((e) => wanted + e), ...ADDED.map((e) => `${wanted}/index${e}`)];
}

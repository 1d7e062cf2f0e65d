/**
 * Node's module hooks (module.register) for a script `tsprof` runs, in Node's hooks thread: ES modules
 * load as compiled, CommonJS ones go to loaders.ts, `tsprof` is the marker.
 * See docs/how-it-works.md, "The command line".
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { sourceCandidates } from "./source-paths";

export interface HooksData {
  /** File URL → the code to run and the format Node loads it in. */
  files: [string, { code: string; format: "module" | "commonjs" }][];
  /** The file URL of marker.js. */
  marker: string;
  /** The script's file URL: `PACKAGE_PREFIX + name` resolves `name` from there. */
  entry: string;
}

/**
 * `import(PACKAGE_PREFIX + name)` gives what the script gets from `import … from name`: the same
 * module, as the script resolves it.
 */
export const PACKAGE_PREFIX = "tsprof-package:";

type Resolved = { url: string; format?: string; shortCircuit?: boolean };
type NextResolve = (specifier: string, context: { parentURL?: string }) => Promise<Resolved>;
type Loaded = { format: string; source?: string | Buffer | null; shortCircuit?: boolean };
type NextLoad = (url: string, context: object) => Promise<Loaded>;

let files = new Map<string, { code: string; format: "module" | "commonjs" }>();
let marker = "";
let entry = "";

export function initialize(data: HooksData): void {
  files = new Map(data.files);
  marker = data.marker;
  entry = data.entry;
}

export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  next: NextResolve,
): Promise<Resolved> {
  if (specifier === "tsprof") return { url: marker, shortCircuit: true };
  if (specifier.startsWith(PACKAGE_PREFIX))
    return next(specifier.slice(PACKAGE_PREFIX.length), { ...context, parentURL: entry });
  try {
    return await next(specifier, context);
  } catch (e) {
    const relative = /^\.{1,2}\//.test(specifier) && context.parentURL?.startsWith("file:");
    const wanted = relative ? fileURLToPath(new URL(specifier, context.parentURL)) : null;
    const found =
      wanted &&
      sourceCandidates(wanted)
        .map((f) => pathToFileURL(f).href)
        .find((url) => files.has(url));
    if (found) return { url: found, shortCircuit: true };
    throw e;
  }
}

export async function load(url: string, context: object, next: NextLoad): Promise<Loaded> {
  const file = files.get(url);
  if (!file) return next(url, context);
  return { format: file.format, source: file.code, shortCircuit: true };
}

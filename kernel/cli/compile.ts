/**
 * The script's TypeScript (or JavaScript), compiled before it runs, by compile-worker.ts in a
 * thread that ends once it answered. The time this takes is the command's compile time, apart
 * from the run the profilers measure.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";

export interface CompileRequest {
  entry: string;
  /** The declarations of `import { profile } from "tsprof"`, for scripts that do not have tsprof installed. */
  markerTypes: string;
}

/** A function marked with tsprof's `profile`: the TypeScript line its head is on, and its name. */
export interface MarkedFunction {
  line: number;
  name: string;
}

export interface CompiledFile {
  /** The source file, absolute. */
  file: string;
  source: string;
  js: string;
  /** From `js` to `source`. */
  map: object | null;
  /** As Node loads the file: by its extension and the nearest package.json's "type". */
  format: "module" | "commonjs";
  markers: MarkedFunction[];
}

export interface CompileResult {
  files: CompiledFile[];
  /** Type errors and other diagnostics, formatted as tsc prints them. */
  diagnostics: string[];
}

/** The entry's program; rejects if the compiler thread fails (not for type errors: those are diagnostics). */
export function compileScript(entry: string): Promise<CompileResult> {
  const request: CompileRequest = { entry, markerTypes: path.join(__dirname, "..", "marker.d.ts") };
  const worker = new Worker(path.join(__dirname, "compile-worker.js"), { workerData: request });
  return new Promise((resolve, reject) => {
    worker.once("message", (result: CompileResult) => {
      // Once the thread is gone: until then its port is active, and the run's end (run-script.ts)
      // would count it as tsprof's own, so that one pending in the script, a dynamic import's, was not seen.
      worker.terminate().then(() => resolve(result), reject);
    });
    worker.once("error", reject);
  });
}

/**
 * A worker's frames in the user's terms: a file's by the file (relative to the notebook's folder) and
 * line, an `eval: true` string's by `<worker N eval>` and its line; Node's start-up of the thread is
 * dropped. See docs/how-it-works.md, "Threads".
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedFrame, V8Frame } from "../../core/context";
import type { FunctionCategory } from "../../model/profile";

/** Where Node runs a worker's `eval: true` string. */
const EVAL_URL = "[worker eval]";
/**
 * Node's wrapper around that string, and the scripts tsprof itself runs in the worker
 * (magics/measure/samplers/worker-sampler.ts).
 */
const NOT_THE_USERS = /^(\[worker eval\]-wrapper|tsprof:)/;

/**
 * Samples taken while tsprof's own script ran in the worker (reading its CPU time at its end) are
 * not the worker's work.
 */
export function isProbeFrame(frame: V8Frame): boolean {
  return frame.url === PROBE_URL;
}

export const PROBE_URL = "tsprof:worker-probe";

export function workerFrameResolver(threadId: number, cwd: string): (frame: V8Frame) => ResolvedFrame | null {
  return (frame) => {
    const { url, functionName } = frame;
    // V8's own frames, and native functions by name (`{runInContext}`, as the main thread shows `{Worker}`).
    if (url === "")
      return functionName
        ? { ref: { name: functionName, file: "", line: 0, category: "runtime" }, counter: null }
        : null;
    if (url.startsWith("node:internal/") || NOT_THE_USERS.test(url)) return null;
    const { file, category } = place(url, threadId, cwd);
    const topLevel = functionName === "" && frame.lineNumber <= 1 && frame.columnNumber <= 1;
    const line = Math.max(1, frame.lineNumber);
    return {
      ref: { name: topLevel ? "<module>" : functionName || `<anonymous>@${file}:${line}`, file, line, category },
      counter: null,
    };
  };
}

function place(url: string, threadId: number, cwd: string): { file: string; category: FunctionCategory } {
  if (url === EVAL_URL) return { file: `<worker ${threadId} eval>`, category: "module" };
  if (url.startsWith("node:")) return { file: url, category: "node" };
  if (!url.startsWith("file:")) return { file: url, category: "library" };
  const file = path.relative(cwd, fileURLToPath(url));
  return { file, category: file.split(path.sep).includes("node_modules") ? "library" : "module" };
}

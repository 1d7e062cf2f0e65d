/**
 * The compiler thread (compiler-thread.ts), called synchronously from the main thread through synckit.
 * The thread starts when this module loads. See docs/how-it-works.md, "The compiler thread".
 */
import path from "node:path";
import { createSyncFn } from "synckit";
import type { CompilerService } from "../compiler-thread/compiler-thread";

/**
 * A thread that died (out of memory) never answers: past this the call throws, so the cell gets
 * an error instead of the kernel hanging. No compile of a cell comes near it.
 */
const ANSWER_DEADLINE_MS = 5 * 60 * 1000;

const call: (method: string, args: unknown[]) => unknown = createSyncFn(
  path.join(__dirname, "..", "compiler-thread", "compiler-thread.js"),
  {
    timeout: ANSWER_DEADLINE_MS,
  },
);

export const compiler: CompilerService = new Proxy({} as CompilerService, {
  get:
    (_, method: string) =>
    (...args: unknown[]) =>
      call(method, args),
});

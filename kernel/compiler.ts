/**
 * The compiler thread (compiler-thread.ts), called synchronously from the main thread: each call
 * posts its arguments to the thread and blocks until the answer comes back (synckit's
 * `Atomics.wait` on a shared buffer), so compiling a cell keeps the synchronous shape it had when
 * the converter ran here. The thread starts when this module loads, so TypeScript loads while the
 * kernel connects.
 */
import path from "node:path";
import { createSyncFn } from "synckit";
import type { CompilerService } from "./compiler-thread";

const call: (method: string, args: unknown[]) => unknown = createSyncFn(path.join(__dirname, "compiler-thread.js"));

export const compiler: CompilerService = new Proxy({} as CompilerService, {
  get: (_, method: string) => (...args: unknown[]) => call(method, args),
});

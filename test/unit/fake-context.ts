/**
 * A MagicContext for unit tests of magics: `evaluate` runs plain JavaScript in this process
 * (compile errors are thrown before anything runs, as the kernel's are), and everything the
 * magic shows is recorded.
 */
import vm from "node:vm";
import type { EvaluateOptions, MagicContext, MimeBundle } from "../../magics/core/context";

export interface Recorded {
  printed: string[];
  displayed: MimeBundle[];
  results: unknown[];
  evaluated: string[];
  /** Calls of `callInterruptibly`. */
  interruptibleCalls: number;
  /** Simulates SIGINT: calls the listeners the magic registered. */
  interrupt(): void;
}

export function fakeContext(): { ctx: MagicContext; recorded: Recorded } {
  const listeners = new Set<() => void>();
  const recorded: Recorded = {
    printed: [],
    displayed: [],
    results: [],
    evaluated: [],
    interruptibleCalls: 0,
    interrupt: () => listeners.forEach((l) => l()),
  };
  const ctx: Partial<MagicContext> = {
    display: (bundle) => recorded.displayed.push(bundle),
    print: (text) => recorded.printed.push(text),
    page: (text) => recorded.printed.push(text),
    setResult: (value) => recorded.results.push(value),
    executionCount: 1,
    cwd: process.cwd(),
    onInterrupt(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    callInterruptibly(fn) {
      recorded.interruptibleCalls++;
      return fn();
    },
    async evaluate(code: string, options: EvaluateOptions = {}) {
      recorded.evaluated.push(code);
      const script = new vm.Script(code, { filename: "<cell 1>" });
      let value: unknown;
      const execute = async () => {
        value = script.runInThisContext();
      };
      await (options.measure ? options.measure(execute) : execute());
      return value;
    },
  };
  return { ctx: ctx as MagicContext, recorded };
}

/** A kernel session for benchmarks: the kernel's executor, `evaluate` as magics get it, and a timer for one statement. */
import { Executor } from "../../kernel/exec/executor";
import type { EvaluateOptions } from "../../magics/core/context";

export function benchSession(rootDir = process.cwd()) {
  const executor = new Executor(rootDir, {});
  let cells = 0;
  const evaluate = async (code: string, options: EvaluateOptions = {}) =>
    (await executor.run(code, { file: `<cell ${++cells}>`, line: 1, ...options })).value;
  /** Seconds the statement's compiled code takes to run (its compilation not included). */
  const timeStatement = async (statement: string): Promise<number> => {
    let seconds = 0;
    await evaluate(statement, {
      measure: async (execute) => {
        const start = process.hrtime.bigint();
        const value = await execute();
        seconds = Number(process.hrtime.bigint() - start) / 1e9;
        return value;
      },
    });
    return seconds;
  };
  return { executor, evaluate, timeStatement, close: () => executor.close() };
}

/**
 * Runs one cell: its TypeScript parts through the executor and its magics through the registry,
 * in order, giving each magic a MagicContext bound to this cell's output.
 */
import type {
  EvaluateOptions,
  MagicContext,
  MimeBundle,
  ProfilingHooks,
  ResolvedFunction,
} from "../../magics/core/context";
import { UsageError } from "../../magics/core/context";
import { helpText, parseMagicArgs, type MagicRegistry } from "../../magics/core/registry";
import type { MagicPart } from "../compiler-thread/split";
import { compiler } from "./compiler";
import { splitWithoutMagics } from "./magic-lines";
import type { Executor } from "./executor";
import { InterruptedError } from "./errors";
import { locateFunction } from "./locate";
import { profilingHooks } from "./frames";
import { lineInstrumentation, restorePending } from "../line-profiler/line-hooks";

/** Where a cell's results go (the kernel sends them on IOPub, or as reply payload). */
export interface CellOutput {
  stream(name: "stdout" | "stderr", text: string): void;
  display(bundle: MimeBundle): void;
  /** Text for the front end's pager (IPython's `?` help). */
  page(text: string): void;
  result(value: unknown): void;
  clear(wait: boolean): void;
}

/** `name` or `name.key.key…`: read straight from the cells' top-level values. */
const NAME_PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export class CellRunner {
  private readonly interruptListeners = new Set<() => void>();
  private readonly profiling: ProfilingHooks;

  constructor(
    private readonly executor: Executor,
    private readonly registry: MagicRegistry,
    private readonly cwd: string,
  ) {
    this.profiling = profilingHooks(executor, cwd);
  }

  /** Runs the cell; throws what the cell threw (the kernel turns it into an error reply). */
  async run(code: string, executionCount: number, output: CellOutput): Promise<void> {
    const file = `<cell ${executionCount}>`;
    const parts = splitWithoutMagics(code) ?? compiler.splitCell(code);
    for (const [i, part] of parts.entries()) {
      const isLast = i === parts.length - 1;
      if (part.kind === "code") {
        const { value, hasValue } = await this.executor.run(part.code, { file, line: part.line });
        if (hasValue && isLast && value !== undefined) output.result(value);
      } else if (part.assign) {
        await this.runAssignedMagic(part, this.context(file, part.line, executionCount, output));
      } else {
        await this.runMagic(part, this.context(file, part.line, executionCount, output));
      }
    }
  }

  /**
   * `t = %timeit -o f()`: the magic's value (undefined if it has none) goes to `t` instead of the
   * cell's output, as in IPython.
   */
  private async runAssignedMagic(part: MagicPart, ctx: MagicContext): Promise<void> {
    let value: unknown;
    await this.runMagic(part, { ...ctx, setResult: (v) => (value = v) });
    const slot = globalThis as { __tsprof_magic_value__?: unknown };
    slot.__tsprof_magic_value__ = value;
    try {
      await ctx.evaluate(`${part.assign} = (globalThis as any).__tsprof_magic_value__;`);
    } finally {
      delete slot.__tsprof_magic_value__;
    }
  }

  /** The kernel has answered and nothing waits: work left for then is done now. */
  idle(): void {
    restorePending();
    this.executor.prepareNextCell();
  }

  /** SIGINT: tell running magics (they stop samplers and restore what they patched). */
  interrupt(): void {
    for (const listener of [...this.interruptListeners]) listener();
    this.executor.interrupt();
  }

  private async runMagic(part: MagicPart, ctx: MagicContext): Promise<void> {
    const spec = this.registry.get(part.name, part.form);
    if (part.help) return ctx.page(helpText(spec));
    const { options, rest, help } = parseMagicArgs(spec, part.args);
    if (help) return ctx.page(helpText(spec));
    const statement = part.form === "cell" ? part.body : rest;
    if (spec.positional && part.form === "line" && rest === "") {
      throw new UsageError(`%${spec.name} needs a ${spec.positional}. Run %${spec.name}? for help.`);
    }
    await spec.run(ctx, { form: part.form, options, rest, body: part.body, statement });
  }

  private context(file: string, line: number, executionCount: number, output: CellOutput): MagicContext {
    const evaluate = async (code: string, options: EvaluateOptions = {}) =>
      (await this.executor.run(code, { file, line, ...options })).value;
    return {
      display: (bundle) => output.display(bundle),
      print: (text) => output.stream("stdout", text),
      page: (text) => output.page(text),
      evaluate,
      resolveFunction: async (expression): Promise<ResolvedFunction> => {
        // A name or a dotted path from one, the usual -f, needs no compile (a trivial cell's time).
        let fn = NAME_PATH.test(expression) ? this.executor.topLevelValue(expression)?.value : undefined;
        try {
          fn ??= await evaluate(expression);
        } catch (e) {
          if (e instanceof InterruptedError) throw e;
          throw new UsageError(`Could not find function ${expression}: ${(e as Error)?.message ?? e}`);
        }
        if (typeof fn !== "function") {
          throw new UsageError(
            `${expression} is not a function (it is ${fn === null ? "null" : typeof fn}); -f needs a function defined in the notebook.`,
          );
        }
        return { expression, fn, ref: locateFunction(this.executor.units, fn) };
      },
      setResult: (value) => output.result(value),
      executionCount,
      onInterrupt: (listener) => {
        this.interruptListeners.add(listener);
        return () => this.interruptListeners.delete(listener);
      },
      callInterruptibly: (fn) => this.executor.callInterruptibly(fn),
      profiling: this.profiling,
      lines: lineInstrumentation(this.executor, this.cwd),
      cwd: this.cwd,
    };
  }
}

/**
 * Turns a %timeit statement into a function, compiled once in the notebook's context, so that timing it
 * measures the statement and not TypeScript's compiler; %%timeit's setup becomes a factory around it.
 * See docs/how-it-works.md, "Samplers".
 */
import type { MagicContext } from "../../core/context";
import type { Statement } from "./timing";

export interface StatementSource {
  /** The code to time. */
  statement: string;
  /**
   * %%timeit: the setup text from the magic's line (possibly empty); the statement is the body
   * below it. null for %timeit, whose statement is on the magic's line.
   */
  setup: string | null;
}

/** Compiles the statement (and runs its setup); compile errors propagate as the kernel reports them. */
export async function compileStatement(ctx: MagicContext, source: StatementSource): Promise<Statement> {
  const [asExpression, asStatements] = candidates(source);
  let compiled: unknown;
  try {
    compiled = await ctx.evaluate(asExpression);
  } catch {
    // Not an expression (or not valid as one): the statement form reports the real error.
    compiled = await ctx.evaluate(asStatements);
  }
  if (source.setup === null) return compiled as Statement;
  const makeStatement = compiled as () => Statement | Promise<Statement>;
  return await makeStatement();
}

/** The expression form and the statements form of the code to compile; evaluating either only defines functions. */
function candidates({ statement, setup }: StatementSource): [string, string] {
  const expression = statement.replace(/[\s;]+$/, "");
  const timed = (body: string) => `${asyncPrefix(statement)}() => ${body}`;
  const forms = [timed(`(${expression}\n)`), timed(`{ ${statement}\n}`)];
  if (setup === null) return forms as [string, string];
  // Setup stays on the magic's line, the statement starts on the next: the cell's own lines.
  const factory = (timedFunction: string) => `(${asyncPrefix(setup)}() => { ${setup}\nreturn ${timedFunction}; })`;
  return [factory(forms[0]), factory(forms[1])];
}

/** Code with `await` in it needs an async function (a false positive only costs an `await` per loop). */
function asyncPrefix(code: string): string {
  return /\bawait\b/.test(code) ? "async " : "";
}

/**
 * `tsprof prun|lprun|memit|alloc [options] script [args…]`: each command is its magic run on a script,
 * with the magic's declaration, code and views. Exit codes: the script's own, 1 when it threw, 130
 * after Ctrl-C, 2 for bad input. See docs/how-it-works.md, "The command line".
 */
import path from "node:path";
import { UsageError, type MagicContext } from "../../magics/core/context";
import { commandHelpText, parseCommandArgs, type LongOptionSpecs, type MagicSpec } from "../../magics/core/registry";
import { prun } from "../../magics/commands/prun";
import { lprun } from "../../magics/commands/lprun";
import { memit } from "../../magics/commands/memit";
import { alloc } from "../../magics/commands/alloc";
import { errorContent } from "../exec/errors";
import { writeHtmlReport } from "./html-report";
import { prepareScript, ScriptRun, SCRIPT_EXTENSIONS, TypeErrors, type PreparedScript } from "./run-script";
import { scriptContext, type ScriptContext } from "./script-context";
import { scriptLineProfiler } from "./script-lines";

/** The command's own options, beside its magic's. */
const OWN_OPTIONS = {
  html: {
    long: "html",
    type: "string",
    metavar: "FILE",
    help: "also write a self-contained HTML report (sortable tables, charts; opens offline) to FILE",
  },
  typecheck: {
    long: "typecheck",
    type: "boolean",
    help: "stop on type errors (without it they are warnings, and the script runs)",
  },
} as const satisfies LongOptionSpecs;

interface ProfileCommand {
  magic: MagicSpec<any>;
  /** What the command does to a script, in the help. */
  description: string;
}

const SCRIPT_NOTE = `The script (${SCRIPT_EXTENSIONS.join(", ")}) is compiled with source maps, so names and lines are its TypeScript ones, and runs with its arguments as \`node script args\` runs it. The report follows the script's own output.`;

export const PROFILE_COMMANDS: Record<string, ProfileCommand> = {
  prun: {
    magic: prun,
    description: `cProfile's table (python -m cProfile -s tottime script.py) for the script's run: exact call counts for its own functions, times from V8's sampling profiler.\n\n${SCRIPT_NOTE}`,
  },
  lprun: {
    magic: lprun,
    description: `line_profiler's tables (kernprof -l -v script.py) for the functions named with -f:
  -f matmul                          a top-level function (or class) of the script
  -f Net.prototype.forward           a method (Net.create: a static one; obj.f: an object literal's)
  -f net.forward                     through a top-level name: an instance's method (const net = new Net()),
                                     a factory's closure (const step = makeStep()), a bound function
  -f ./lib.ts:matmul                 a function of another file of the script
  -f ml-matrix:Matrix.prototype.mmul a function of a package the script imports
  -m ./lib.ts                        every top-level function of a file
With no -f or -m, the functions marked with \`profile\` from "tsprof" (\`@profile\` on a method, \`profile(fn)\`).

${SCRIPT_NOTE}`,
  },
  memit: {
    magic: memit,
    description: `memory_profiler's peak memory and increment (python -m memory_profiler) for the script's run.\n\n${SCRIPT_NOTE}`,
  },
  alloc: {
    magic: alloc,
    description: `Which functions allocate: V8's sampling heap profiler as a table in bytes, for the script's run.\n\n${SCRIPT_NOTE}`,
  },
};

/** Runs `tsprof NAME argv…`; resolves to the exit code. */
export async function runProfileCommand(name: string, argv: string[]): Promise<number> {
  const { magic, description } = PROFILE_COMMANDS[name];
  const invocation = { name: `tsprof ${name}`, helpHint: `tsprof ${name} --help` };
  const cwd = process.cwd();
  try {
    const { options, rest, help } = parseCommandArgs(magic, OWN_OPTIONS, argv, invocation);
    if (help) {
      process.stdout.write(
        commandHelpText(magic, `tsprof ${name} [options] script [args...]`, description, OWN_OPTIONS),
      );
      return 0;
    }
    if (rest.length === 0)
      throw new UsageError(`${invocation.name} needs a script. Run ${invocation.helpHint} for help.`);
    const [scriptArg, ...args] = rest;
    const script = await prepareScript(scriptArg, args, cwd, options.typecheck);
    const statement = [path.relative(cwd, script.entry), ...args].join(" ");
    const { ctx, run, error } = await profileScript(name, magic, script, options, statement, cwd);
    if (options.html) writeReport(options.html, `tsprof ${name} ${statement}`, script, ctx);
    if (error === undefined) return run.exitCode;
    if ((error as Error)?.name === "KeyboardInterrupt") {
      process.stderr.write("KeyboardInterrupt\n");
      return 130;
    }
    process.stderr.write(`${errorContent(error, script.units).traceback.join("\n")}\n`);
    return 1;
  } catch (e) {
    if (e instanceof UsageError || e instanceof TypeErrors) {
      process.stderr.write(`${e.message.startsWith("tsprof") ? "" : "tsprof: "}${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** The magic on the script; `error` is what the script threw (its profile is already shown). */
async function profileScript(
  name: string,
  magic: MagicSpec<any>,
  script: PreparedScript,
  options: any,
  statement: string,
  cwd: string,
): Promise<{ ctx: ScriptContext; run: ScriptRun; error?: unknown }> {
  const lines = name === "lprun" ? scriptLineProfiler(script, options, cwd) : null;
  const run = lines?.run ?? new ScriptRun(script);
  const ctx = lines?.ctx ?? scriptContext(script, run, cwd);
  try {
    await run.ready();
    if (lines) await lines.profile(statement);
    else await magic.run(ctx as MagicContext, { form: "line", options, rest: statement, body: "", statement });
    return { ctx, run };
  } catch (e) {
    // A UsageError before the script ran is bad input; what the script threw is the script's.
    if (e instanceof UsageError && !run.started) throw e;
    return { ctx, run, error: e };
  }
}

function writeReport(file: string, title: string, script: PreparedScript, ctx: ScriptContext): void {
  writeHtmlReport(
    file,
    title,
    [`Compiled in ${script.compileSeconds.toFixed(2)} s (not part of the profile).`],
    ctx.shown,
  );
  process.stderr.write(`tsprof: report written to ${file}\n`);
}

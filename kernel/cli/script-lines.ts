/**
 * `tsprof lprun`: %lprun's tables for a script. Its own functions are compiled with their probes
 * (script-targets.ts finds them before they exist); a package's are counted by %lprun's live edit
 * once the package is loaded. Then %lprun's own run and output.
 */
import { UsageError, type LineProbes, type ProbedFunction, type ResolvedFunction } from "../../magics/core/context";
import type { ParsedOptions } from "../../magics/core/registry";
import { checkUnit, DEFAULT_TIMER_UNIT, lprun, profileLines, showLineProfile } from "../../magics/commands/lprun";
import { compiledProbes } from "../line-profiler/line-hooks";
import { locateFunction } from "../exec/locate";
import { scriptTargets, type PackageTarget } from "./script-targets";
import { scriptContext, type ScriptContext } from "./script-context";
import { ScriptRun, type PreparedScript } from "./run-script";

/**
 * The script's run with the probes compiled in, and how to profile it; bad -f names are refused here, before it runs.
 */
export function scriptLineProfiler(
  script: PreparedScript,
  options: ParsedOptions<typeof lprun.options>,
  cwd: string,
): { ctx: ScriptContext; run: ScriptRun; profile(statement: string): Promise<void> } {
  checkUnit(options.unit);
  const targets = scriptTargets(script.units, script.entry, options.functions, options.modules, cwd);
  const compiled = [...targets.compiled].map(([unit, starts]) => ({
    unit,
    ...compiledProbes(unit, starts, options.clockLines),
  }));
  const run = new ScriptRun(script, new Map(compiled.map((c) => [c.unit, c.code])));
  const ctx = scriptContext(script, run, cwd);
  const profile = async (statement: string) => {
    const inPackages =
      targets.packages.length > 0
        ? ctx.lines.instrument({
            functions: await packageFunctions(run, script, targets.packages),
            modules: [],
            clockLines: options.clockLines,
          })
        : null;
    const probes = withCompiled(
      inPackages,
      compiled.flatMap((c) => c.functions),
      targets.notes,
    );
    const profiled = await profileLines(ctx.evaluate, probes, statement, {
      timerUnit: options.unit ?? DEFAULT_TIMER_UNIT,
      clockLines: options.clockLines,
      onInterrupt: ctx.onInterrupt,
      cwd,
    });
    showLineProfile(ctx, options, profiled);
  };
  return { ctx, run, profile };
}

/** The packages' functions, read from the packages as the script will get them. */
async function packageFunctions(
  run: ScriptRun,
  script: PreparedScript,
  targets: PackageTarget[],
): Promise<ResolvedFunction[]> {
  const functions: ResolvedFunction[] = [];
  for (const target of targets) {
    let exports: unknown;
    try {
      exports = await run.loadPackage(target.specifier);
    } catch (e) {
      throw new UsageError(
        `${target.expression}: cannot load ${target.specifier} from ${script.entry}: ${String((e as Error)?.message ?? e).split("\n")[0]}`,
      );
    }
    const fn =
      valueAt(exports, target.path) ?? valueAt((exports as { default?: unknown } | null)?.default, target.path);
    if (typeof fn !== "function")
      throw new UsageError(`${target.expression} is not a function (it is ${fn === null ? "null" : typeof fn}).`);
    functions.push({ expression: target.expression, fn, ref: locateFunction(script.units.units, fn) });
  }
  return functions;
}

function valueAt(root: unknown, path: string[]): unknown {
  try {
    return path.reduce<any>((value, key) => value?.[key], root);
  } catch {
    return undefined;
  }
}

/**
 * The packages' probes (swapped in and out around the run) and the compiled ones (in the code from the start), as one
 * set. The packages' come first: their worker code counts them by index.
 */
function withCompiled(inPackages: LineProbes | null, compiled: ProbedFunction[], notes: string[]): LineProbes {
  if (!inPackages) return { functions: compiled, swapIn: () => {}, restore: () => [], notes };
  return {
    ...inPackages,
    functions: [...inPackages.functions, ...compiled],
    notes: [...notes, ...(inPackages.notes ?? [])],
  };
}

/**
 * A script as `tsprof prun|lprun|memit|alloc` runs it: compiled (compile.ts), then loaded as `node
 * script args` would load it, until its event loop has nothing left, an uncaught error, process.exit()
 * or Ctrl-C. See docs/how-it-works.md, "The command line".
 */
import fs from "node:fs";
import Module from "node:module";
import path from "node:path";
import vm from "node:vm";
import { pathToFileURL } from "node:url";
import { UsageError } from "../../magics/core/context";
import { compileScript } from "./compile";
import { installLoaders, PACKAGE_PREFIX, type LoadedFile } from "./loaders";
import { ScriptUnits } from "./script-units";
import { ENTERED_CALL, TopLevelInterrupts } from "./top-level-interrupts";
import type { Unit } from "../exec/units";

export const SCRIPT_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

export interface PreparedScript {
  /** Absolute. */
  entry: string;
  args: string[];
  units: ScriptUnits;
  format: "module" | "commonjs";
  compileSeconds: number;
}

/**
 * Node's own import(): TypeScript compiles `import()` in this CommonJS file to require(), which
 * cannot load an ES module with top-level await.
 */
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

/** Type errors with --typecheck: the script does not run. */
export class TypeErrors extends Error {}

/** Ended by process.exit(code): not an error of the script. */
class ScriptExit extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

/**
 * An ES module's top level awaits what nothing left can settle: `node` exits there with code 13
 * (https://nodejs.org/api/process.html#exit-codes), and so does the run, its profile shown.
 */
class UnsettledTopLevelAwait extends ScriptExit {
  constructor() {
    super(13);
  }
}

/** Compiles the script; type errors are printed as warnings (or, with `typecheck`, stop it). */
export async function prepareScript(
  script: string,
  args: string[],
  cwd: string,
  typecheck: boolean,
): Promise<PreparedScript> {
  const entry = path.resolve(cwd, script);
  if (!fs.existsSync(entry)) throw new UsageError(`${script}: no such file.`);
  if (!fs.statSync(entry).isFile() || !SCRIPT_EXTENSIONS.includes(path.extname(entry))) {
    throw new UsageError(`${script}: not a script tsprof runs (a ${SCRIPT_EXTENSIONS.join(", ")} file).`);
  }
  const started = performance.now();
  const { files, diagnostics } = await compileScript(entry);
  const compileSeconds = (performance.now() - started) / 1000;
  if (diagnostics.length > 0) {
    process.stderr.write(`${diagnostics.join("\n")}\n`);
    if (typecheck)
      throw new TypeErrors(
        `tsprof: ${diagnostics.length} type error${diagnostics.length === 1 ? "" : "s"} (--typecheck): the script did not run.`,
      );
    process.stderr.write(
      `tsprof: warning: ${diagnostics.length} type error${diagnostics.length === 1 ? "" : "s"} above; the script runs anyway (--typecheck stops on them).\n`,
    );
  }
  const units = new ScriptUnits(files, cwd);
  const compiled = files.find((f) => f.file === entry);
  if (!compiled) throw new UsageError(`${script}: TypeScript emitted no code for it.`);
  return { entry, args, units, format: compiled.format, compileSeconds };
}

/** Runs a prepared script once, with `code` instead of a unit's own where given (%lprun's probes). */
export class ScriptRun {
  private ran = false;
  /** The exit code the script asked for (process.exit, process.exitCode), once it ran. */
  exitCode = 0;
  /** An ES module's: Ctrl-C in its synchronous top level, until it has loaded. */
  private readonly interrupts: TopLevelInterrupts | null;

  constructor(
    private readonly script: PreparedScript,
    code: Map<Unit, string> = new Map(),
  ) {
    this.interrupts = script.format === "module" ? new TopLevelInterrupts() : null;
    const files = new Map<string, LoadedFile>(
      script.units.files().map(({ unit, compiled }) => {
        const runnable = script.units.runnable(compiled, code.get(unit) ?? unit.code);
        return [
          compiled.file,
          {
            code: this.interrupts && compiled.format === "module" ? ENTERED_CALL + runnable : runnable,
            format: compiled.format,
          },
        ];
      }),
    );
    installLoaders(files, pathToFileURL(script.entry).href);
  }

  /** What the script would get from importing `specifier` (a package), loaded before it runs. */
  async loadPackage(specifier: string): Promise<unknown> {
    if (this.script.format === "commonjs") return Module.createRequire(this.script.entry)(specifier);
    return importModule(PACKAGE_PREFIX + specifier);
  }

  /** Resolves when the script can start (an ES module's Ctrl-C thread is listening): before its measures start. */
  async ready(): Promise<void> {
    await this.interrupts?.whenReady();
  }

  get started(): boolean {
    return this.ran;
  }

  execute = async (): Promise<void> => {
    if (this.ran) throw new Error("tsprof runs a script once.");
    this.ran = true;
    await this.ready();
    process.argv = [process.argv[0], this.script.entry, ...this.script.args];
    const exit = process.exit;
    process.exit = ((code?: number) => {
      throw new ScriptExit(code ?? (typeof process.exitCode === "number" ? process.exitCode : 0));
    }) as typeof process.exit;
    const ended = scriptEnd();
    // CommonJS: not during its top level, which runs with breakOnSigint (the vm call sets the listeners aside).
    if (this.interrupts) ended.catchInterrupts();
    const loading = this.load();
    try {
      await Promise.race([loading, ended.failed, this.unsettledTopLevel(loading)]);
      this.interrupts?.dispose();
      ended.catchInterrupts();
      await Promise.race([ended.drained(), ended.failed]);
    } catch (e) {
      if (!(e instanceof ScriptExit)) throw e;
      if (e instanceof UnsettledTopLevelAwait)
        process.stderr.write(
          `Warning: Detected unsettled top-level await in ${path.basename(this.script.entry)}: nothing left could settle it; exit code 13, as node gives.\n`,
        );
      process.exitCode = e.code;
    } finally {
      this.interrupts?.dispose();
      ended.dispose();
      process.exit = exit;
      this.exitCode = typeof process.exitCode === "number" ? process.exitCode : Number(process.exitCode ?? 0);
    }
  };

  /**
   * Rejects (UnsettledTopLevelAwait) if an ES module's top level is pending when the event loop has
   * nothing left to run: Node's own test for it. Its listener goes once the top level settles.
   */
  private unsettledTopLevel(loading: Promise<void>): Promise<never> {
    return new Promise<never>((_, reject) => {
      if (this.script.format !== "module") return;
      const unsettled = () => reject(new UnsettledTopLevelAwait());
      process.once("beforeExit", unsettled);
      void loading.finally(() => process.off("beforeExit", unsettled)).catch(() => {});
    });
  }

  private async load(): Promise<void> {
    if (this.script.format === "module") {
      await importModule(pathToFileURL(this.script.entry).href);
      return;
    }
    // Run so that Ctrl-C stops even a synchronous loop (Node watches for it only in a vm script with breakOnSigint).
    (globalThis as any).__tsprof_run_main__ = () => (Module as any)._load(this.script.entry, null, true);
    try {
      vm.runInThisContext("__tsprof_run_main__()", { filename: "tsprof:interruptible", breakOnSigint: true });
    } catch (e) {
      throw (e as { code?: string })?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED" ? keyboardInterrupt() : e;
    } finally {
      delete (globalThis as any).__tsprof_run_main__;
    }
  }
}

/** How often the end of a script's run is looked for once its top level has run (see scriptEnd). */
const END_POLL_MS = 2;

/**
 * Settles when the script is over (resolves): when the event loop holds nothing of it any more,
 * which is when `node script` would exit. The profilers' own threads and timers were there before
 * the script started, so the resources Node reports active are compared with those of then
 * (checked in an immediate: a timer still counts as active while its callback runs; Node's
 * `beforeExit` never comes while a sampler keeps a handle). `failed` rejects on an uncaught error
 * or Ctrl-C; process.exit in a callback rejects it with ScriptExit.
 */
function scriptEnd(): { failed: Promise<never>; drained(): Promise<void>; catchInterrupts(): void; dispose(): void } {
  const before = countTypes(process.getActiveResourcesInfo());
  let timer: NodeJS.Timeout | undefined;
  let fail: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  const onInterrupt = () => fail(keyboardInterrupt());
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  const drained = () =>
    new Promise<void>((resolve) => {
      const check = () => {
        const now = countTypes(process.getActiveResourcesInfo());
        if ([...now].every(([type, n]) => n <= (before.get(type) ?? 0))) resolve();
        else timer = setTimeout(() => setImmediate(check), END_POLL_MS);
      };
      setImmediate(check);
    });
  const dispose = () => {
    clearTimeout(timer);
    process.off("uncaughtException", fail);
    process.off("unhandledRejection", fail);
    process.off("SIGINT", onInterrupt);
  };
  const catchInterrupts = () => {
    if (!process.listeners("SIGINT").includes(onInterrupt)) process.on("SIGINT", onInterrupt);
  };
  return { failed, drained, catchInterrupts, dispose };
}

function countTypes(types: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

export function keyboardInterrupt(): Error {
  const error = new Error("the script was interrupted (Ctrl-C)");
  error.name = "KeyboardInterrupt";
  return error;
}

/**
 * Runs TypeScript in the notebook's context: tslab's converter type-checks and compiles it, and it runs
 * as a script named `<cell N>`, with a source map, whose top-level names are the notebook's bindings.
 * See docs/how-it-works.md, "The execution model".
 */
import fs from "node:fs";
import Module from "node:module";
import path from "node:path";
import vm from "node:vm";
import { takeInlineSourceMap } from "./inline-source-map";
import { compiler } from "./compiler";
import { UnitRegistry, type Unit } from "./units";
import { CompileError, InterruptedError } from "./errors";
import { restorePending } from "../line-profiler/line-hooks";
import { cellScript } from "./cell-script";
import { notebookBindings } from "./bindings";

export interface RunOptions {
  /** "<cell N>": the name users see in tracebacks and profiles. */
  file: string;
  /** 1-based line of the cell where `code` starts (code is padded so lines match the cell). */
  line: number;
  /** Wraps the execution (after compilation), e.g. to run a profiler around it. */
  measure?: <T>(execute: () => Promise<T>) => Promise<T>;
  /** The code to run instead of the unit's own (%%lprun's probes). */
  transform?: (unit: Unit) => string;
}

export interface RunResult {
  /** The value of the last expression, if the code ends with one. */
  value: unknown;
  hasValue: boolean;
}

/** `__tslab__.ts` starts with tslab's `export {};` line. */
const TSLAB_PREFIX_LINES = 1;
/**
 * A cell's script: its body in a function, which `require` reaches as a parameter; every name it
 * binds is the notebook's.
 */
const cellWrapper = (isAsync: boolean) => ({
  head: `(${isAsync ? "async " : ""}function (require) {`,
  tail: "\n})(__tsprof__.require)",
});

export class Executor {
  readonly units = new UnitRegistry();
  /** This executor's converter in the compiler thread. */
  private readonly converterId = compiler.createConverter();
  private prevDecl = "";
  private readonly bindings = notebookBindings();
  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, Module>();
  private readonly requireFromCells: NodeJS.Require;
  private readonly vmNames = new Map<string, Unit>();
  private rejectInterrupt: (e: Error) => void = () => {};
  /** How many interrupts (SIGINT) have come, and how many had come when the running cell started. */
  private interrupts = 0;
  private interruptsAtCellStart = 0;
  /** Cells begun, and how many had when the compiler thread last readied a program for the next one. */
  private cellsBegun = 0;
  private cellsBegunAtPreparation = 0;
  private interruptPromise = this.newInterruptPromise();
  private readonly callThrough = new vm.Script("__tsprof_call__()", { filename: "tsprof:interruptible" });

  constructor(
    private readonly rootDir: string,
    private readonly publicModules: Record<string, unknown>,
  ) {
    this.requireFromCells = this.wrapRequire(Module.createRequire(path.join(rootDir, "<cells>.js")), rootDir);
    Object.assign((globalThis as any).__tsprof__, { imports: this.bindings.imports, require: this.requireFromCells });
  }

  /** Compiles and runs `code` (TypeScript); throws CompileError, InterruptedError or what the code threw. */
  async run(code: string, options: RunOptions): Promise<RunResult> {
    // No code runs while %lprun's counting code is still in place.
    restorePending();
    const src = "\n".repeat(options.line - 1) + code;
    const converted = compiler.compile(this.converterId, this.prevDecl, src);
    if (converted.module) {
      if (converted.diagnostics.length) throw new CompileError(options.file, src, converted.diagnostics);
      return { value: undefined, hasValue: false };
    }
    for (const out of converted.sideOutputs ?? []) {
      this.sideModules.delete(out.path);
      this.sideOutputs.set(out.path, out.data);
    }
    if (converted.diagnostics.length) throw new CompileError(options.file, src, converted.diagnostics);
    if (!converted.output) {
      this.prevDecl = converted.declOutput ?? "";
      return { value: undefined, hasValue: false };
    }
    const module = takeInlineSourceMap(converted.output);
    const script = cellScript(module.code);
    const baseMaps = [script.map, ...(module.map ? [module.map] : [])];
    const unit = this.units.add({
      file: options.file,
      source: code,
      firstLine: options.line,
      category: "cell",
      lineOffset: TSLAB_PREFIX_LINES,
      baseJs: script.code,
      baseMaps,
      wrapper: cellWrapper(script.isAsync),
    });
    const executed = options.transform ? options.transform(unit) : unit.code;
    const execute = () => this.execute(unit, executed, script.isAsync);
    await this.takeInterruptDuringCompile();
    const before = this.bindings.read(script.names);
    this.bindings.declare(script.names);
    let value: unknown;
    try {
      value = await (options.measure ? options.measure(execute) : execute());
    } catch (e) {
      // It ran part-way: later cells may name what it bound, and the earlier types of what it did not.
      const unbound = this.bindings.unchanged(script.names, before);
      this.prevDecl = compiler.withUnboundValuesRestored(converted.declOutput ?? "", this.prevDecl, [...unbound]);
      throw e;
    }
    this.prevDecl = converted.declOutput ?? "";
    return script.hasValue ? { value, hasValue: true } : { value: undefined, hasValue: false };
  }

  /** Runs a unit's script; its value is what the cell's last expression gave. */
  private async execute(unit: Unit, code: string, isAsync: boolean): Promise<unknown> {
    const vmName = this.vmNameFor(unit);
    let result: unknown;
    try {
      result = vm.runInThisContext(code, {
        filename: vmName,
        breakOnSigint: true,
        importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
      });
    } catch (e) {
      throw asInterrupt(e);
    }
    return isAsync ? this.untilSettledOrInterrupted(result as Promise<unknown>) : result;
  }

  /** Awaits a promise from user code; an interrupt (SIGINT while waiting) rejects it. */
  async untilSettledOrInterrupted<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.interruptPromise]);
  }

  /**
   * Calls `fn` so that SIGINT can stop it even inside a synchronous loop, as it does for cells:
   * Node only watches for SIGINT while a vm script runs with `breakOnSigint`.
   */
  callInterruptibly<T>(fn: () => T): T {
    (globalThis as any).__tsprof_call__ = fn;
    try {
      return this.callThrough.runInThisContext({ breakOnSigint: true }) as T;
    } catch (e) {
      throw asInterrupt(e);
    } finally {
      delete (globalThis as any).__tsprof_call__;
    }
  }

  /**
   * The kernel calls this as a cell starts (before execute_input): from then on an interrupt stops
   * the cell, even while it compiles.
   */
  beginCell(): void {
    this.cellsBegun++;
    this.interruptsAtCellStart = this.interrupts;
  }

  /**
   * Node runs the SIGINT handler only when the event loop polls, and compiling a cell does not
   * let it: an interrupt sent while the cell compiled would be seen after the cell's code started,
   * and never by a synchronous loop. So the loop polls once here (two setImmediate turns: the
   * first may run before this iteration's poll), and an interrupt that came since the cell
   * started stops it before its code runs. (A SIGINT landing in the microseconds between that
   * poll and the start of `breakOnSigint` is still missed: Node drops it while it swaps its
   * SIGINT listeners for the watchdog. Interrupting again stops the cell.)
   */
  private async takeInterruptDuringCompile(): Promise<void> {
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    if (this.interrupts !== this.interruptsAtCellStart) throw new InterruptedError();
  }

  /** Called on SIGINT: stops a cell that is waiting on a promise. */
  interrupt(): void {
    this.interrupts++;
    this.rejectInterrupt(new InterruptedError());
    this.interruptPromise = this.newInterruptPromise();
  }

  private newInterruptPromise(): Promise<never> {
    const p = new Promise<never>((_, reject) => (this.rejectInterrupt = reject));
    p.catch(() => {});
    return p;
  }

  /** The name V8 knows a unit by (the vm filename); several units can share a cell's name. */
  private vmNameFor(unit: Unit): string {
    const siblings = this.units.forFile(unit.file);
    const vmName = siblings[0] === unit ? unit.file : `${unit.file}#${siblings.indexOf(unit)}`;
    this.vmNames.set(vmName, unit);
    return vmName;
  }

  /** The unit behind a script URL in a stack trace or a CPU profile. */
  unitForScript(url: string): Unit | undefined {
    return this.vmNames.get(url);
  }

  /** What a local module a cell imported exports. */
  exportsOf(unit: Unit): Record<string, unknown> | undefined {
    for (const [filename, mod] of this.sideModules) if (this.vmNames.get(filename) === unit) return mod.exports;
    return undefined;
  }

  /** Code compiled from a unit's JS under another script URL (%lprun's copies) maps through the unit too. */
  addScriptAlias(url: string, unit: Unit): void {
    this.vmNames.set(url, unit);
  }

  complete(code: string, cursor: number) {
    return compiler.complete(this.converterId, this.prevDecl, code, cursor);
  }

  /**
   * The value of a cell's top-level name, or a property path from one (`net.forward`), read
   * without compiling: what a cell evaluating it would get. Undefined where there is no such name
   * or a step throws (a cell evaluating it then says why).
   */
  topLevelValue(path: string): { value: unknown } | undefined {
    const [head, ...rest] = path.split(".");
    const found = this.bindings.value(head);
    if (!found) return undefined;
    try {
      return { value: rest.reduce<any>((value, key) => value[key], found.value) };
    } catch {
      return undefined;
    }
  }

  inspect(code: string, cursor: number) {
    return compiler.inspect(this.converterId, this.prevDecl, code, cursor);
  }

  /**
   * While the kernel is idle after a cell: the compiler thread readies a program for the next plain cell
   * (plain-cells.ts). Not after other requests: a completion per keystroke would compile an empty cell each.
   */
  prepareNextCell(): void {
    if (this.cellsBegunAtPreparation === this.cellsBegun) return;
    this.cellsBegunAtPreparation = this.cellsBegun;
    compiler.prepareForPlainCells(this.converterId, this.prevDecl);
  }

  /** Makes the compiler's code fast in the background before the first cells (warm-up.ts). */
  warmUp(): void {
    compiler.warmUp(this.converterId);
  }

  close(): void {
    compiler.closeConverter(this.converterId);
  }

  /** `require` for cells: `tslab`/`tsprof` give the display API, local .ts files run instrumented. */
  private wrapRequire(base: NodeJS.Require, dirname: string): NodeJS.Require {
    const wrapped = (id: string) => {
      if (id in this.publicModules) return this.publicModules[id];
      return this.requireSideModule(id, dirname) ?? base(id);
    };
    return Object.assign(wrapped, base);
  }

  private requireSideModule(id: string, dirname: string): unknown {
    let filename = path.resolve(dirname, id);
    if (path.extname(filename) === "") filename += ".js";
    const cached = this.sideModules.get(filename);
    if (cached) return cached.exports;
    const compiled = this.sideOutputs.get(filename);
    if (compiled === undefined) return null;
    const { code: baseJs, map } = takeInlineSourceMap(compiled);
    const sourcePath = filename.replace(/\.js$/, ".ts");
    const source = fs.existsSync(sourcePath) ? fs.readFileSync(sourcePath, "utf8") : compiled;
    const file = path.relative(this.rootDir, sourcePath);
    const unit = this.units.add({
      file,
      source,
      firstLine: 1,
      category: "module",
      lineOffset: 0,
      baseJs,
      baseMaps: map ? [map] : [],
      wrapper: null,
    });
    const mod = new Module(filename, module);
    mod.filename = filename;
    mod.paths = (Module as any)._nodeModulePaths(path.dirname(filename));
    mod.require = this.wrapRequire(mod.require.bind(mod), path.dirname(filename));
    this.sideModules.set(filename, mod);
    this.vmNames.set(filename, unit);
    (mod as any)._compile(unit.code, filename);
    return mod.exports;
  }
}

function asInterrupt(e: unknown): unknown {
  return (e as any)?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED" ? new InterruptedError() : e;
}

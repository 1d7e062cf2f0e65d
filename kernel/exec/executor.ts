/**
 * Runs TypeScript in the notebook's context: tslab's converter compiles it (declarations carried
 * from cell to cell), the instrumentation pass adds counters and the scope hook, and the code runs
 * with a file name (`<cell N>`) and a source map, so stacks and profiles name the cell's lines.
 */
import fs from "node:fs";
import Module from "node:module";
import path from "node:path";
import vm from "node:vm";
import type { Diagnostic } from "./tslab-bridge";
import { takeInlineSourceMap } from "./inline-source-map";
import { compiler } from "./compiler";
import { UnitRegistry, type Unit } from "./units";
import { CompileError, InterruptedError } from "./errors";
import { PARSE_OPTIONS, topLevelDeclarations } from "../instrument/functions";
import { restorePending } from "../instrument/line-hooks";
import * as acorn from "acorn";

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

export class Executor {
  readonly units = new UnitRegistry();
  /** This executor's converter in the compiler thread. */
  private readonly converterId = compiler.createConverter();
  private prevDecl = "";
  private readonly exports = createExports();
  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, Module>();
  private readonly requireFromCells: NodeJS.Require;
  private readonly vmNames = new Map<string, Unit>();
  private rejectInterrupt: (e: Error) => void = () => {};
  /** How many interrupts (SIGINT) have come, and how many had come when the running cell started. */
  private interrupts = 0;
  private interruptsAtCellStart = 0;
  private interruptPromise = this.newInterruptPromise();
  private readonly callThrough = new vm.Script("__tsprof_call__()", { filename: "tsprof:interruptible" });

  constructor(
    private readonly rootDir: string,
    private readonly publicModules: Record<string, unknown>,
  ) {
    this.requireFromCells = this.wrapRequire(Module.createRequire(path.join(rootDir, "<cells>.js")), rootDir);
    Object.assign((globalThis as any).__tsprof__, { exports: this.exports, require: this.requireFromCells });
  }

  /** Compiles and runs `code` (TypeScript); throws CompileError, InterruptedError or what the code threw. */
  async run(code: string, options: RunOptions): Promise<RunResult> {
    // No code runs while %lprun's counting code is still in place.
    restorePending();
    const src = "\n".repeat(options.line - 1) + code;
    const meta = compiler.codeMetadata(src);
    if (meta.module) {
      const diagnostics = compiler.addModule(this.converterId, meta.module, src, meta);
      if (diagnostics.length) throw new CompileError(options.file, src, diagnostics);
      return { value: undefined, hasValue: false };
    }
    const converted = compiler.convert(this.converterId, this.prevDecl, src);
    for (const out of converted.sideOutputs ?? []) {
      this.sideModules.delete(out.path);
      this.sideOutputs.set(out.path, out.data);
    }
    if (converted.diagnostics.length) throw new CompileError(options.file, src, converted.diagnostics as Diagnostic[]);
    if (!converted.output) {
      this.prevDecl = converted.declOutput ?? "";
      return { value: undefined, hasValue: false };
    }
    const { code: baseJs, map } = takeInlineSourceMap(converted.output);
    const isAsync = !!converted.hasToplevelAwait;
    const wrapper = { head: `(${isAsync ? "async " : ""}function (exports, require) { `, tail: "\n})(__tsprof__.exports, __tsprof__.require)" };
    const unit = this.units.add({ file: options.file, source: code, firstLine: options.line, category: "cell", lineOffset: TSLAB_PREFIX_LINES, baseJs, baseMap: map, wrapper });
    const executed = options.transform ? options.transform(unit) : unit.code;
    const execute = () => this.execute(unit, executed, isAsync);
    await this.takeInterruptDuringCompile();
    try {
      await (options.measure ? options.measure(execute) : execute());
    } catch (e) {
      // It ran part-way: later cells may name what it bound, and not what it did not.
      this.prevDecl = compiler.withoutUnboundValues(converted.declOutput ?? "", this.unboundNames(unit));
      throw e;
    }
    this.prevDecl = converted.declOutput ?? "";
    const name = converted.lastExpressionVar;
    if (!name || !(name in this.exports)) return { value: undefined, hasValue: false };
    const value = this.exports[name];
    delete this.exports[name];
    return { value, hasValue: true };
  }

  private async execute(unit: Unit, code: string, isAsync: boolean): Promise<void> {
    const vmName = this.vmNameFor(unit);
    let result: unknown;
    try {
      result = vm.runInThisContext(code, { filename: vmName, breakOnSigint: true });
    } catch (e) {
      throw asInterrupt(e);
    }
    if (isAsync) await this.untilSettledOrInterrupted(result as Promise<unknown>);
  }

  /** The names a unit that stopped part-way declares but did not bind: its code set them all to undefined before its first statement. */
  private unboundNames(unit: Unit): Set<string> {
    const declared = topLevelDeclarations(acorn.parse(unit.baseJs, PARSE_OPTIONS)).keys();
    return new Set([...declared].filter((name) => this.exports[name] === undefined));
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

  /** The kernel calls this as a cell starts (before execute_input): from then on an interrupt stops the cell, even while it compiles. */
  beginCell(): void {
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
    if (!Object.prototype.hasOwnProperty.call(this.exports, head)) return undefined;
    try {
      return { value: rest.reduce<any>((value, key) => value[key], this.exports[head]) };
    } catch {
      return undefined;
    }
  }

  inspect(code: string, cursor: number) {
    return compiler.inspect(this.converterId, this.prevDecl, code, cursor);
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
    const unit = this.units.add({ file, source, firstLine: 1, category: "module", lineOffset: 0, baseJs, baseMap: map, wrapper: null });
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

/** tslab's exports object: named imports become plain (rewritable) values. */
function createExports(): Record<string, any> {
  const target: Record<string, any> = {};
  return new Proxy(target, {
    defineProperty: (_t, prop, attrs) => {
      if (prop !== "__esModule") target[prop as string] = attrs.get ? attrs.get() : attrs.value;
      return true;
    },
  });
}

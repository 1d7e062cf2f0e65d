/**
 * What a magic may ask of the kernel while it runs. The kernel implements this; magics and their
 * unit tests depend only on this interface.
 */
import type { FunctionRef } from "../model/profile";

/** A Jupyter MIME bundle: MIME type -> data. */
export type MimeBundle = Record<string, unknown>;

/**
 * A value returned to the cell (`%prun -r`, `%timeit -o`) can carry a method under this key that
 * returns its rich view; the kernel uses it for the cell's `execute_result`.
 */
export const MIME_BUNDLE = Symbol.for("tsprof.mimeBundle");

/** A function the user named (`-f matmul`), found in the notebook's context. */
export interface ResolvedFunction {
  /** The expression as the user wrote it. */
  expression: string;
  fn: Function;
  ref: FunctionRef;
}

/** A compiled cell or module as the profilers see it: its name, its TypeScript source, its JS. */
export interface SourceUnit {
  /** "<cell 3>" for cells, a relative path for modules. */
  file: string;
  /** The TypeScript (or JS) source as the user wrote it. */
  source: string;
  /** Map a position in the executed JavaScript (1-based line, 0-based column) to the source. */
  toSourceLine(jsLine: number, jsColumn: number): number | null;
}

/** A frame of V8's CPU profile (1-based line and column, as v8-profiler-next reports them). */
export interface V8Frame {
  url: string;
  functionName: string;
  lineNumber: number;
  columnNumber: number;
}

/** Identifies one function's call counter among the kernel's compiled units. */
export interface CounterId {
  unit: number;
  index: number;
}

export interface ResolvedFrame {
  ref: FunctionRef;
  /** Where the function's exact call count is kept; null when it is not counted. */
  counter: CounterId | null;
}

export interface CountedCalls {
  ref: FunctionRef;
  counter: CounterId;
  calls: number;
}

/** What the function-level profiler needs from the kernel. */
export interface ProfilingHooks {
  /** The user's view of a frame; null for the kernel's own frames (they are not the user's code). */
  resolveFrame(frame: V8Frame): ResolvedFrame | null;
  /** Copies every call counter now, to diff around a statement. */
  readCallCounters(): Uint32Array[];
  /** Runs `execute` with the call counters counting; they count nothing the rest of the time. */
  countCalls<T>(execute: () => Promise<T>): Promise<T>;
  /** The counted functions called between two readings, with their exact call counts. */
  callsBetween(before: Uint32Array[], after: Uint32Array[]): CountedCalls[];
}

/** A function %lprun counts line by line: its source lines, its probes and their counters. */
export interface ProbedFunction {
  ref: FunctionRef;
  /** The function's source lines, from its first line (`ref.line`) to its last. */
  lines: string[];
  /** The source line of each probe (a counted statement), in source order. */
  probes: { id: number; line: number }[];
  /** Hits per probe id, zeroed before each run (Uint32: the line sampler keeps the carries); shared memory. */
  hits: Uint32Array;
  /**
   * [the probe id of the statement the function runs now (0: not running), how many of its calls
   * are running or awaiting, then how many await: in all, and per probe id (see PARKED in
   * line-sampler.ts)]; shared memory.
   */
  current: Int32Array;
  /** [milliseconds during which a call of it was running, when the running ones started]: its measured total. */
  clock: Float64Array;
  /** Milliseconds per probe id, clocked at every statement; filled only with `clockLines`. */
  lineClock: Float64Array;
}

/** Counting versions of functions, ready to be swapped in where the originals' code is. */
export interface LineProbes {
  functions: ProbedFunction[];
  /**
   * Puts the counting code in place; throws a UsageError when V8 cannot change a function now (it
   * is suspended or running).
   */
  swapIn(): void;
  /**
   * Puts the originals back (safe to call more than once); returns a note for each that must
   * wait, for the user. An error the statement threw gets the original code's positions. With
   * `whenIdle`, after a statement that finished, it may wait until the kernel is idle or code is
   * about to run, whichever comes first, where nothing can then stop it.
   */
  restore(thrown?: unknown, options?: { whenIdle?: boolean }): string[];
  /** The same functions' counting code for worker threads' own copies of them (worker-line-hooks.ts). */
  workers?: WorkerLineCode;
  /**
   * What a -f stands for when it is not plainly the function named (a bound function's target, code
   * other functions share), one line each, for the user.
   */
  notes?: string[];
}

/** The arrays a function's counting code writes in one thread (see ProbedFunction). */
export interface LineCounters {
  hits: Uint32Array;
  current: Int32Array;
  clock: Float64Array;
  lineClock: Float64Array;
}

/**
 * %lprun's counting code for a worker thread. A worker runs its own copies of functions (from a
 * file, or a string run with `eval: true`); a copy whose source text is a profiled function's is
 * counted with that function's probes, into counters of the worker's own.
 */
export interface WorkerLineCode {
  /**
   * The counting version of a worker's script, if it has a copy of a profiled function; `functions`
   * are indexes into LineProbes.functions.
   */
  instrument(source: string): { text: string; functions: number[] } | null;
  /**
   * The functions it can count (indexes into LineProbes.functions) and the length of their hits and
   * lineClock arrays.
   */
  functions: { index: number; probes: number }[];
  /**
   * Run in the worker first: opens the BroadcastChannel `channel`, on which its counters (shared
   * memory, `[index, LineCounters][]`) come; when they come through its event loop it calls the
   * binding `binding` (Runtime.addBinding).
   */
  openScript(channel: string, binding: string): string;
  /**
   * Run in the worker once the counters were posted: takes them now if they are there (true), as a
   * worker waiting for its debugger can.
   */
  adoptScript(): string;
  /** Run in the worker once its originals are back: removes the counters' names. */
  teardownScript(): string;
  /** The URLs of the files the profiled functions are in, to catch a worker loading one. */
  files: string[];
}

export interface ProbeRequest {
  functions: ResolvedFunction[];
  /** Local modules (as imported, `./lib`) whose top-level functions are all counted. */
  modules: string[];
  /** Clock every statement too (%lprun -c), for line times of short runs. */
  clockLines: boolean;
}

/** What the line profiler needs from the kernel. */
export interface LineInstrumentation {
  /** Prepares the counting versions; throws a UsageError naming a function it cannot profile. */
  instrument(request: ProbeRequest): LineProbes;
  /**
   * As `instrument`, plus the code compiled with `transform` (EvaluateOptions): its top level and
   * each named function it defines.
   */
  instrumentCode(request: ProbeRequest): LineProbes & { transform(unit: SourceUnit): string };
}

/** Options of MagicContext.evaluate. */
export interface EvaluateOptions {
  /** Wraps the run of the compiled code only (not compilation): samplers start here. */
  measure?: <T>(execute: () => Promise<T>) => Promise<T>;
  /** The code to run instead of the compiled unit's own (the same lines, with probes). */
  transform?: (unit: SourceUnit) => string;
}

export interface MagicContext {
  /** Show a MIME bundle in the cell's output (display_data). */
  display(bundle: MimeBundle): void;
  /** Write text to the cell's stdout stream. */
  print(text: string): void;
  /** Send text to the front end's pager (IPython's `%magic?` help goes there). */
  page(text: string): void;
  /**
   * Compile and run TypeScript in the notebook's context, as if it were a cell of its own
   * (earlier cells' names are visible; names it declares stay defined afterwards).
   * Resolves to the value of its last expression.
   */
  evaluate(code: string, options?: EvaluateOptions): Promise<unknown>;
  /** Evaluate an expression that must yield a function; throws a UsageError naming it if not. */
  resolveFunction(expression: string): Promise<ResolvedFunction>;
  /** Make `value` the cell's result (execute_result, like `-r` / `-o` in IPython). */
  setResult(value: unknown): void;
  /** The cell's execution count (the N of "<cell N>"). */
  executionCount: number;
  /** Called with an abort reason when the user interrupts (SIGINT). */
  onInterrupt(listener: () => void): () => void;
  /**
   * Calls `fn` so that SIGINT stops it even in a tight synchronous loop, as it stops cells (then
   * it throws the kernel's interrupt error). Entering and leaving cost a fraction of a millisecond.
   */
  callInterruptibly<T>(fn: () => T): T;
  profiling: ProfilingHooks;
  lines: LineInstrumentation;
  /** Folder relative paths (-T file, -D file) are resolved against: the notebook's folder. */
  cwd: string;
}

/**
 * A usage error (IPython calls these UsageError), shown as one paragraph without a stack: a bad
 * option, a name that is not a function.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The profile data model: plain typed structures that know nothing of how they were measured or shown.
 * magics/measure produces them, magics/views renders them. All times are in seconds, all sizes in
 * bytes, all line numbers 1-based.
 */

/** Where a function lives, in the user's terms: a cell of the notebook, a file, or the runtime. */
export type FunctionCategory =
  | "cell" // defined in a notebook cell: file is "<cell N>", line is the TypeScript line
  | "module" // a local .ts/.js file the cells imported
  | "library" // a package under node_modules
  | "node" // Node.js internals (node:*)
  | "runtime" // V8 pseudo-frames: (garbage collector), (program), (idle), native code
  | "await"; // the async view's time at an await: the function above waited there on what this function (the callee) returned

export interface FunctionRef {
  /** Display name: "matmul", "Net.forward", "<anonymous>". */
  name: string;
  /** "<cell 3>", a path relative to the notebook's folder, "node:fs", or "" for runtime frames. */
  file: string;
  /** 1-based line of the function's start in `file` (0 when unknown). */
  line: number;
  category: FunctionCategory;
}

/** One row of the cProfile-style function table. */
export interface FunctionStats {
  fn: FunctionRef;
  /** Exact number of calls; null when the function was not counted (libraries, Node internals). */
  ncalls: number | null;
  /** Time in the function itself, excluding callees. */
  tottime: number;
  /** Time in the function and everything it called; recursion counted once. */
  cumtime: number;
}

export interface FunctionTable {
  /** Wall time of the profiled statement. */
  totalTime: number;
  /** Sum of exact call counts (the "N function calls" of cProfile). */
  totalCalls: number;
  rows: FunctionStats[];
}

export interface CallTreeNode {
  fn: FunctionRef;
  /** Time with this node on top of the stack. */
  selfTime: number;
  /** selfTime plus the children's totalTime. */
  totalTime: number;
  children: CallTreeNode[];
  /** In the async view: the function's exact number of calls in the statement, where the counters know it. */
  calls?: number;
}

/** A stretch of time one function spent on a thread's stack at one depth: a box of the flame chart. */
export interface FlameSpan {
  fn: FunctionRef;
  /** 0 for the outermost frame of the user's part of the stack. */
  depth: number;
  /** Seconds from the start of the statement (negative: before it, for threads already running). */
  start: number;
  end: number;
}

/** How a thread's profiling ended. */
export type ThreadEnd =
  | "stopped" // profiled to the end of the statement
  | "ended" // the thread ended during the statement; its profile runs to its last line
  | "terminated" // the statement terminated it (worker.terminate()); profiled up to that call
  | "unanswered"; // it did not answer before the deadline (blocked outside JavaScript): no profile

/** One thread's share of a %prun: its own table and call tree, and the CPU time it used. */
export interface ThreadProfile {
  /** "main", or "worker 1 (name)" / "worker 1 (path/to/file.js)" / "worker 1 (eval)". */
  label: string;
  /** Node's threadId: 0 for the main thread. */
  threadId: number;
  /** Its functions; totalTime is the time the thread was profiled. No call counts off the main thread. */
  table: FunctionTable;
  tree: CallTreeNode;
  /** CPU seconds the thread itself used while profiled; null where the system does not say. */
  cpuTime: number | null;
  /** Seconds from the start of the statement to the start and the end of this thread's profile. */
  start: number;
  end: number;
  status: ThreadEnd;
  /** Its sampler's interval, seconds (threads can be sampled at different intervals: %prun's -i). */
  sampleInterval: number;
  /** The flame chart's boxes, in time order per depth. */
  spans: FlameSpan[];
  /**
   * Time sampled on the thread during the statement that no row shows, and why (e.g. the kernel's
   * own work while the statement awaited).
   */
  unattributed: Unattributed[];
}

/** Sampled time a profile leaves out of its rows, with the reason, so that the rows need not add up silently short. */
export interface Unattributed {
  seconds: number;
  reason: string;
}

/**
 * %prun's async view: wall-clock time across awaits, each await's time charged to the async
 * function that awaited (pyinstrument's async mode). Its tree's nodes are functions, and
 * await nodes (category "await": the time the function above waited on the promise of the
 * function this node names, its callee: `sleep`, `new Promise`; `<promise>` when no callee of
 * the awaiting function made it, `<thenable>` when the value awaited was not a native promise).
 */
export interface AsyncProfile {
  /** Root "(root)"; its totalTime is the statement's wall time. */
  tree: CallTreeNode;
  /**
   * Seconds the statement's async functions waited at awaits, and ran, and waited with nothing of
   * theirs pending ((idle): the loop had nothing to do).
   */
  awaiting: number;
  computing: number;
  idle: number;
  /** How many awaits the statement's code went through. */
  awaits: number;
  /** Awaits past the tracker's limit, whose stacks were not kept: time waiting at them shows as idle. */
  untracked: number;
}

/** A stretch in which the event loop ran without a pause (no idle sample) for longer than the threshold. */
export interface BlockedStretch {
  /** Seconds from the start of the statement. */
  start: number;
  duration: number;
  /** The functions that ran in it, by self time in it, most first. */
  functions: { fn: FunctionRef; seconds: number }[];
}

/** What %prun knows of the event loop while the statement ran. */
export interface EventLoopReport {
  /** The threshold (seconds) a stretch had to exceed. */
  threshold: number;
  /** The longest stretches first. */
  stretches: BlockedStretch[];
}

/** What %prun measures: a function table and the call tree it came from. */
export interface CpuProfileResult {
  /** The main thread's table and call tree (the same objects as `threads[0]`'s). */
  table: FunctionTable;
  /** Root of the call tree; its fn is a synthetic "(root)" runtime frame. */
  tree: CallTreeNode;
  /** Every thread profiled, the main thread first, then the workers in the order they were seen. */
  threads: ThreadProfile[];
  /** The main thread's sampler interval, seconds (each thread's is in `threads`). */
  sampleInterval: number;
  /** The statement that was profiled, as the user wrote it. */
  statement: string;
  /**
   * Wall time across awaits, charged to the async functions that awaited (absent when the statement
   * awaited nothing of its own).
   */
  async?: AsyncProfile;
  /**
   * Stretches that kept the main thread's event loop busy past the threshold (absent when the
   * statement never yielded to the loop).
   */
  eventLoop?: EventLoopReport;
  /**
   * Counted functions that ran many times yet were never sampled: V8 inlined them, and their time
   * is in their callers' (V8's profiler does not expand inlined frames here).
   */
  inlined?: FunctionStats[];
}

/** One line of a function's source with what %lprun measured on it. */
export interface LineStats {
  line: number;
  /** Exact number of times a statement starting on this line ran; 0 for lines with no code. */
  hits: number;
  /** Seconds spent on the line, including callees called from it. */
  time: number;
  contents: string;
  /** False for lines with no statement of their own (blank, comment, brace, continuation). */
  hasCode: boolean;
}

export interface FunctionLineProfile {
  fn: FunctionRef;
  /** The thread whose calls these are, when workers ran copies of the function ("main", "worker 1 (eval)"). */
  thread?: string;
  /** Sum of the lines' times. */
  totalTime: number;
  lines: LineStats[];
}

/** What %lprun measures. */
export interface LineProfileResult {
  /** Seconds per unit of the Time column (line_profiler's "Timer unit"). */
  timerUnit: number;
  functions: FunctionLineProfile[];
  statement: string;
}

/** Process memory at one moment, bytes. */
export interface MemorySample {
  /** Seconds since the measurement started. */
  t: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** What %memit measures. */
export interface MemoryResult {
  /** Memory before the statement ran. */
  baseline: MemorySample;
  /**
   * Highest value seen while it ran, per field (each field's own maximum); t is when the highest
   * RSS reading was taken.
   */
  peak: MemorySample;
  /** The sampled timeline (first sample is the baseline). */
  samples: MemorySample[];
  /** peak.rss - baseline.rss: memory_profiler's "increment". */
  increment: number;
  /** Sampling interval, seconds. */
  interval: number;
  /**
   * Seconds between readings of the heap split (heapUsed, external, arrayBuffers), which cost more
   * than RSS readings.
   */
  heapInterval: number;
  statement: string;
  /** Repeats run (-r); peak and increment are the maximum over them. */
  repeats: number;
  /**
   * True when peak.rss is the kernel's high-water mark (Linux VmHWM, reset before each run): exact,
   * including memory allocated and freed between two samples. False: the highest sample.
   */
  exactPeak: boolean;
  /** Seconds from the baseline to the end of the last run. */
  duration: number;
  /** Garbage was collected before the baseline (-g). */
  collected: boolean;
  /** Measuring stopped at the -t limit: later runs were skipped, the peak is that of the measured time. */
  timedOut: boolean;
}

/** One line of %mprun output. */
export interface MemoryLineStats {
  line: number;
  /** RSS after the line last ran, bytes; null for lines that never ran. */
  memUsage: number | null;
  /** Sum of RSS increments over the line's runs, bytes. */
  increment: number;
  occurrences: number;
  contents: string;
  hasCode: boolean;
}

export interface FunctionMemoryProfile {
  fn: FunctionRef;
  lines: MemoryLineStats[];
}

export interface MemoryLineProfileResult {
  functions: FunctionMemoryProfile[];
  statement: string;
}

/** What %timeit measures. */
export interface TimeitResult {
  /** Loops per run. */
  loops: number;
  /** Number of runs. */
  repeat: number;
  /** Seconds per loop, one entry per run. */
  timings: number[];
  best: number;
  worst: number;
  mean: number;
  stdev: number;
  statement: string;
}

/** What %time measures. */
export interface TimeResult {
  user: number;
  system: number;
  wall: number;
  statement: string;
  /**
   * CPU seconds per thread when worker threads ran: "main", each worker, then "other threads"
   * (the rest of the process: V8's garbage-collector and compiler threads, libuv's pool). A
   * thread's time is null where the system does not say. Absent when no worker ran.
   */
  threads?: { label: string; cpu: number | null }[];
}

/** One variant in a side-by-side comparison (the walkthrough's closing table). */
export interface ComparisonRow {
  label: string;
  /** Mean seconds per loop, %timeit's headline number. */
  time: number;
  /** Standard deviation of the runs, seconds per loop. */
  stdev: number;
  /** The baseline's time divided by this row's: how many times faster than the baseline. */
  speedup: number;
  /** Peak memory increment (MemoryResult.increment), bytes; null when not measured. */
  memory: number | null;
  /** This row's memory divided by the baseline's; null when either is unknown or the baseline's is 0. */
  memoryRatio: number | null;
  /** Lines of code of the variant, as the author counted them; null when not given. */
  linesOfCode: number | null;
}

/** Variants measured the same way, compared with the first (the baseline). */
export interface Comparison {
  baseline: string;
  rows: ComparisonRow[];
}

/** One row of %alloc's function table: what V8's sampling heap profiler attributed to a function. */
export interface AllocationStats {
  fn: FunctionRef;
  /** Bytes the function allocated itself (V8's estimate from the sampled allocations). */
  selfBytes: number;
  /** Bytes allocated by the function and everything it called; recursion counted once. */
  totalBytes: number;
  /** Allocations sampled in the function itself. */
  samples: number;
}

export interface AllocationTreeNode {
  fn: FunctionRef;
  /** Bytes allocated with this node on top of the stack. */
  selfBytes: number;
  /** selfBytes plus the children's totalBytes. */
  totalBytes: number;
  /** Allocations sampled with this node on top of the stack. */
  samples: number;
  children: AllocationTreeNode[];
}

/** What happened to V8's JS heap while the statement ran, from the heap's own statistics (not sampled). */
export interface HeapBalance {
  /** Bytes allocated on the JS heap: live plus collected. */
  allocated: number;
  /** Growth of the heap's used bytes from start to end: what the statement left in it. */
  live: number;
  /** Bytes garbage collections freed while it ran (and, with collectedGarbage, just after). */
  collected: number;
  /** Garbage collections during the measurement. */
  collections: number;
  /** Growth of memory outside the JS heap owned by JS objects (MemorySample.external). */
  external: number;
  /** Growth of ArrayBuffer backing stores: typed arrays, Buffers (MemorySample.arrayBuffers). */
  arrayBuffers: number;
}

/** What %alloc measures: who allocated the statement's memory, as a function table and a call tree. */
export interface AllocationProfileResult {
  rows: AllocationStats[];
  /** Root of the allocating call tree; its fn is a synthetic "(root)" runtime frame. */
  tree: AllocationTreeNode;
  /** Sum of the sampled bytes attributed to the notebook's code (the tree's total). */
  sampledBytes: number;
  /** Allocations sampled in the notebook's code. */
  samples: number;
  /** Sampled bytes allocated outside the notebook's code while it ran (the kernel, compilation). */
  otherBytes: number;
  heap: HeapBalance;
  /** The sampler's mean interval, bytes. */
  sampleInterval: number;
  /** Wall time of the statement, seconds. */
  wallTime: number;
  /** Garbage was collected before and after (-g): live means reachable. */
  collectedGarbage: boolean;
  statement: string;
}

/** Which magic's profiles a ProfileComparison compares. */
export type ComparedKind = "prun" | "lprun" | "alloc";

/** How a compared column's numbers read: seconds, a count, bytes, or seconds shown in the profile's timer unit. */
export type ComparedUnit = "seconds" | "count" | "bytes" | "timer";

/** One numeric column of the compared tables (ncalls, tottime, cumtime; hits, time; bytes). */
export interface ComparedColumn {
  key: string;
  /** What the header says. */
  label: string;
  unit: ComparedUnit;
  /** A tooltip explaining it. */
  title: string;
}

/** The change of one column from the first run to the last. */
export interface ComparedChange {
  /**
   * First run's value divided by the last's: above 1, the last run has less. Null when either run
   * lacks the row or the value, or both are 0.
   */
  ratio: number | null;
  /** Last run's value minus the first's (a run without the row counts 0); null when a run's value was not measured. */
  difference: number | null;
}

/**
 * One function (or one line) across the runs. "matched": in the first and the last run; "new":
 * not in the first; "gone": not in the last; "between": in neither, only in runs between them.
 */
export interface ComparedRow {
  /** What the table shows: `<cell 7>:1(slow)` for a function (its last location), the line's text for a line. */
  label: string;
  /** The function's name (for a line, its function's). */
  name: string;
  status: "matched" | "new" | "gone" | "between";
  /**
   * How the row's entries were found to be one: by name (and file, outside cells), by cell location
   * (names were ambiguous), by line text.
   */
  matchedBy: "name" | "location" | "text";
  /** Per run: where it was (`<cell 3>:12` for a function, the line number for a line); null where the run lacks it. */
  where: (string | null)[];
  /** Per column key, per run: the value; null where the run lacks the row or did not measure it. */
  values: Record<string, (number | null)[]>;
  /** Per column key: the change of the last run against the first. */
  change: Record<string, ComparedChange>;
}

/** Profiles of one kind from several runs (`tsprof.compare([{label, profile}, …])`), row by row. */
export interface ProfileComparison {
  kind: ComparedKind;
  /** The runs' labels, in order: the first is the baseline, the last is compared with it. */
  labels: string[];
  columns: ComparedColumn[];
  /** Sorted as `orderedBy` says. */
  rows: ComparedRow[];
  /** "change in internal time", "line order", …: the rows' order. */
  orderedBy: string;
  /** What the reader must know about the matching (ambiguous names matched by location, …). */
  notes: string[];
  /** Seconds per unit of "timer" columns (%lprun's timer unit). */
  timerUnit: number;
}

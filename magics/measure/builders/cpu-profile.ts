/**
 * Builds the %prun model from a V8 CPU profile: times from the samples, exact call counts from
 * the kernel's counters. Knows nothing of how the result is shown.
 */
import type {
  CallTreeNode,
  CpuProfileResult,
  FlameSpan,
  FunctionRef,
  FunctionStats,
  ThreadEnd,
  ThreadProfile,
} from "../../model/profile";
import type { CountedCalls, ResolvedFrame, V8Frame } from "../../core/context";

/** The parts of a V8 `.cpuprofile` this reads (timestamps and deltas in microseconds). */
export interface V8CpuProfile {
  nodes: { id: number; callFrame: V8Frame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface BuildInput {
  profile: V8CpuProfile;
  resolve: (frame: V8Frame) => ResolvedFrame | null;
  /** Every counted function that ran during the statement, with its exact number of calls. */
  calls: CountedCalls[];
  statement: string;
  /** Wall time of the statement, seconds. */
  wallTime: number;
  sampleInterval: number;
  /** CPU seconds the main thread used during the statement, when known. */
  cpuTime?: number | null;
  /** The user's stacks, when the caller worked them out already (userStacks). */
  stacks?: Map<number, ResolvedFrame[]>;
}

/** One thread's profile, with what only the thread knows. */
export interface ThreadInput {
  profile: V8CpuProfile;
  resolve: (frame: V8Frame) => ResolvedFrame | null;
  calls: CountedCalls[];
  label: string;
  threadId: number;
  cpuTime: number | null;
  status: ThreadEnd;
  /** The thread's sampler interval, seconds. */
  sampleInterval: number;
  /** The statement's start on the profiles' clock (microseconds): time zero of the spans. */
  origin: number;
  /**
   * True: a stack starts at the first frame of a cell or module, what called it being the
   * kernel's (the main thread). False: at the first frame the resolver knows (a worker's stack
   * is all its own once Node's internals are dropped).
   */
  rootAtUserCode: boolean;
  /** A sample with such a frame anywhere on its stack is the profiler's own work, not the thread's: it is left out. */
  excludes?: (frame: V8Frame) => boolean;
  /** The user's stacks, when the caller worked them out already (userStacks). */
  stacks?: Map<number, ResolvedFrame[]>;
  /**
   * Seconds one sample stands for, when the caller knows better than the profile's duration (the
   * main thread: statementSampleSeconds).
   */
  sampleWeight?: number;
}

export const ROOT: FunctionRef = { name: "(root)", file: "", line: 0, category: "runtime" };

/**
 * What makes two frames the same function: its counter when it has one (two anonymous callbacks
 * on one line share a description, not a counter), else its description.
 */
export function identity(frame: ResolvedFrame): string {
  const { counter, ref } = frame;
  return counter ? `#${counter.unit}:${counter.index}` : refKey(ref);
}

/** A function as the model knows it, without its counter: `file:line(name)`. */
export function refKey(ref: FunctionRef): string {
  return `${ref.file}:${ref.line}(${ref.name})`;
}

/** One function's sums over the samples: its own weight, its weight with callees, samples with it on top. */
export interface Totals {
  frame: ResolvedFrame;
  self: number;
  cum: number;
  hits: number;
}

/** Adds `hits` samples weighing `weight` in all to every function on their stack. */
export function addToTotals(totals: Map<string, Totals>, stack: ResolvedFrame[], weight: number, hits = 1): void {
  const seen = new Set<string>();
  stack.forEach((frame, depth) => {
    const key = identity(frame);
    const entry = totals.get(key) ?? { frame, self: 0, cum: 0, hits: 0 };
    totals.set(key, entry);
    // A recursive function is on the stack several times but spends the sample once.
    if (!seen.has(key)) entry.cum += weight;
    seen.add(key);
    if (depth === stack.length - 1) {
      entry.self += weight;
      entry.hits += hits;
    }
  });
}

export function buildCpuProfile(input: BuildInput): CpuProfileResult {
  const stacks = input.stacks ?? userStacks(input.profile.nodes, input.resolve);
  const main = buildThreadProfile({
    stacks,
    sampleWeight: statementSampleSeconds(input.profile, stacks, input.wallTime),
    profile: input.profile,
    resolve: input.resolve,
    calls: input.calls,
    label: "main",
    threadId: 0,
    cpuTime: input.cpuTime ?? null,
    status: "stopped",
    sampleInterval: input.sampleInterval,
    origin: input.profile.startTime,
    rootAtUserCode: true,
  });
  main.table.totalTime = input.wallTime;
  const inlined = probablyInlined(main.table.rows, input.profile.samples.length);
  return {
    table: main.table,
    tree: main.tree,
    threads: [main],
    sampleInterval: input.sampleInterval,
    statement: input.statement,
    ...(inlined && { inlined }),
  };
}

/**
 * V8's profiler charges a function it inlined to its caller (it does not expand inlined frames
 * in the profiles Node's V8 takes: checked with v8-profiler-next in both of its modes, and with
 * node --cpu-prof). A counted function that ran this often in a statement sampled this many
 * times, yet was never on top of a sample's stack, was inlined: the table must say so.
 */
const INLINED_MIN_CALLS = 1000;
const INLINED_MIN_SAMPLES = 100;

function probablyInlined(rows: FunctionStats[], samples: number): FunctionStats[] | undefined {
  if (samples < INLINED_MIN_SAMPLES) return undefined;
  const inlined = rows.filter((r) => (r.ncalls ?? 0) >= INLINED_MIN_CALLS && r.cumtime === 0);
  return inlined.length ? inlined : undefined;
}

export function buildThreadProfile(input: ThreadInput): ThreadProfile {
  const stacks = input.stacks ?? userStacks(input.profile.nodes, input.resolve, input);
  const seconds = input.sampleWeight ?? sampleSeconds(input.profile);
  const tree = treeBuilder(newNode(ROOT));
  const totals = new Map<string, Totals>();
  for (const nodeId of input.profile.samples) {
    const stack = stacks.get(nodeId);
    if (!stack || stack.length === 0) continue;
    addToTree(tree, stack, seconds);
    addToTotals(totals, stack, seconds);
  }
  // On the main thread only: a worker's samples outside its user stacks are its own start-up in Node's internals.
  const unplaced = input.rootAtUserCode ? unplacedWithin(input.profile, stacks) : [0, 0];
  // Functions that ran too briefly to be sampled still have their exact counts, as in cProfile.
  for (const c of input.calls) {
    const frame = { ref: c.ref, counter: c.counter };
    if (!totals.has(identity(frame))) totals.set(identity(frame), { frame, self: 0, cum: 0, hits: 0 });
  }
  const callsByCounter = new Map(input.calls.map((c) => [identity(c), c.calls]));
  const rows: FunctionStats[] = [...totals.values()].map(({ frame, self, cum }) => {
    const ncalls = frame.counter ? (callsByCounter.get(identity(frame)) ?? 0) : null;
    return { fn: frame.ref, ncalls, tottime: self, cumtime: cum };
  });
  const totalCalls = rows.reduce((n, r) => n + (r.ncalls ?? 0), 0);
  const { profile, origin } = input;
  return {
    label: input.label,
    threadId: input.threadId,
    table: { totalTime: Math.max(0, profile.endTime - profile.startTime) / 1e6, totalCalls, rows },
    tree: tree.node,
    cpuTime: input.cpuTime,
    start: (profile.startTime - origin) / 1e6,
    end: (profile.endTime - origin) / 1e6,
    status: input.status,
    sampleInterval: input.sampleInterval,
    spans: flameSpans(input.profile, stacks, origin),
    unattributed: UNPLACED_REASONS.map((reason, i) => ({ seconds: unplaced[i] * seconds, reason })).filter(
      (u) => u.seconds > 0,
    ),
  };
}

/** Why samples in the statement's window are in no row: the kernel's, and V8's with no frame. */
const UNPLACED_REASONS = [
  "the kernel's own work while the statement waited (answering Jupyter's messages), not the statement's",
  "samples V8 took with no frame on the stack, which no function can be charged with",
];

/** Each sample's time on the profile's clock (microseconds): startTime plus the deltas so far. */
export function sampleTimes(profile: V8CpuProfile): number[] {
  let time = profile.startTime;
  return profile.samples.map((_, i) => (time += profile.timeDeltas[i] ?? 0));
}

/**
 * The samples from the statement's first to its last (indexes into profile.samples): those
 * before and after are the profiler starting and stopping, outside the statement's wall time.
 */
function statementWindow(profile: V8CpuProfile, stacks: Map<number, ResolvedFrame[]>): { first: number; last: number } {
  const isStatements = (id: number) => (stacks.get(id)?.length ?? 0) > 0;
  const first = profile.samples.findIndex(isStatements);
  let last = profile.samples.length - 1;
  while (last >= 0 && !isStatements(profile.samples[last])) last--;
  return { first, last };
}

/**
 * Samples within the statement's window in no row, by UNPLACED_REASONS: the kernel's own code (its
 * work while the statement awaited), and no frame at all.
 */
function unplacedWithin(profile: V8CpuProfile, stacks: Map<number, ResolvedFrame[]>): [number, number] {
  const { first, last } = statementWindow(profile, stacks);
  const counts: [number, number] = [0, 0];
  profile.samples.forEach((id, i) => {
    const stack = stacks.get(id);
    if (i <= first || i >= last || (stack && stack.length > 0)) return;
    counts[stack === KERNEL_STACK ? 0 : 1]++;
  });
  return counts;
}

/**
 * Seconds one main-thread sample stands for: the statement's wall time shared equally among the
 * samples of its window (see sampleSeconds). The profile's own duration also holds the
 * profiler's start, which can take milliseconds with few samples in it, and would make every
 * sample weigh more than it stood for.
 */
export function statementSampleSeconds(
  profile: V8CpuProfile,
  stacks: Map<number, ResolvedFrame[]>,
  wallTime: number,
): number {
  const { first, last } = statementWindow(profile, stacks);
  return first < 0 ? sampleSeconds(profile) : wallTime / (last - first + 1);
}

/**
 * The flame chart's boxes: consecutive samples with the same frames down to a depth make one box
 * at that depth, from the first sample's time to the next different one's (sample times are the
 * profile's own: startTime plus the deltas).
 */
function flameSpans(profile: V8CpuProfile, stacks: Map<number, ResolvedFrame[]>, origin: number): FlameSpan[] {
  const spans: FlameSpan[] = [];
  let open: { key: string; span: FlameSpan }[] = [];
  let time = profile.startTime;
  const closeFrom = (depth: number, at: number) => {
    for (const { span } of open.slice(depth)) span.end = (at - origin) / 1e6;
    open = open.slice(0, depth);
  };
  profile.samples.forEach((nodeId, i) => {
    time += profile.timeDeltas[i] ?? 0;
    const stack = stacks.get(nodeId) ?? [];
    let depth = 0;
    while (depth < open.length && depth < stack.length && open[depth].key === identity(stack[depth])) depth++;
    closeFrom(depth, time);
    for (let d = depth; d < stack.length; d++) {
      const span: FlameSpan = { fn: stack[d].ref, depth: d, start: (time - origin) / 1e6, end: 0 };
      spans.push(span);
      open.push({ key: identity(stack[d]), span });
    }
  });
  closeFrom(0, Math.max(time, profile.endTime));
  return spans;
}

/**
 * Seconds one sample stands for: the profile's duration shared equally among its samples. The
 * time to the next sample would be the obvious weight, but on a busy machine the sampler's gaps
 * are the kernel being descheduled (seen here: median gaps well over the interval, single gaps
 * of a large fraction of a second), and a gap charged to whichever function was on the stack
 * made a 3:1 pair of functions measure far off; counted samples stay close (npm run bench,
 * the attribution row).
 */
export function sampleSeconds(profile: V8CpuProfile): number {
  const n = profile.samples.length;
  return n === 0 ? 0 : Math.max(0, profile.endTime - profile.startTime) / n / 1e6;
}

/** The frames below an excluded one: their samples count for nothing. */
const EXCLUDED: StackFrame[] = [];
/** A frame of the kernel's own code (the resolver knows it and leaves it out). */
const KERNEL_FRAME = { kernel: true } as const;
type StackFrame = ResolvedFrame | null | typeof KERNEL_FRAME;

/**
 * The stack of a main-thread sample in the kernel's own code and nothing of the user's: Jupyter's
 * messages, the profiler's start and stop.
 */
export const KERNEL_STACK: ResolvedFrame[] = [];

/**
 * Node.js's own work with no function of the user's or a library's on the stack: running timers,
 * microtasks and I/O callbacks for the statement.
 */
export const EVENT_LOOP: ResolvedFrame = {
  ref: { name: "(Node.js event loop)", file: "", line: 0, category: "runtime" },
  counter: null,
};

/** Where a thread's user stacks start, and which samples are the profiler's own (ThreadInput's). */
export type StackOptions = Pick<ThreadInput, "rootAtUserCode" | "excludes">;

/**
 * For each profile node, the user's part of its stack (root first). It starts at the first frame
 * of the user's code (cells and their modules): what called the statement is the kernel's.
 * Consecutive frames of one top level (a cell's script and its wrapper) become one. On the main
 * thread, code that runs after an await has no cell below it (a continuation, a timer's or an
 * I/O callback starts from the event loop): its stack starts at the first library or Node.js
 * function, and one in Node's internals alone is the event loop's. A stack through the kernel's
 * code with none of the user's is the kernel's (KERNEL_STACK).
 */
export function userStacks(
  nodes: V8CpuProfile["nodes"],
  resolve: BuildInput["resolve"],
  options: StackOptions = { rootAtUserCode: true },
): Map<number, ResolvedFrame[]> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // Each frame is resolved once, on the way down from the root.
  const resolved = new Map<number, StackFrame[]>();
  const visit = (id: number, above: StackFrame[]) => {
    const node = byId.get(id);
    if (!node || resolved.has(id)) return;
    const frames =
      above === EXCLUDED || options.excludes?.(node.callFrame)
        ? EXCLUDED
        : [...above, resolveOrKernel(node.callFrame, resolve)];
    resolved.set(id, frames);
    for (const child of node.children ?? []) visit(child, frames);
  };
  const children = new Set(nodes.flatMap((n) => n.children ?? []));
  for (const node of nodes) if (!children.has(node.id)) visit(node.id, []);
  return new Map(
    [...resolved].map(([id, frames]) => [id, frames === EXCLUDED ? [] : userPart(frames, options.rootAtUserCode)]),
  );
}

/**
 * The resolver leaves out Node's internals and the kernel's code alike; the kernel's is any such
 * frame with a script outside node:.
 */
function resolveOrKernel(frame: V8Frame, resolve: BuildInput["resolve"]): StackFrame {
  const known = resolve(frame);
  return known ?? (frame.url !== "" && !frame.url.startsWith("node:") ? KERNEL_FRAME : null);
}

function userPart(all: StackFrame[], rootAtUserCode: boolean): ResolvedFrame[] {
  const frames = throughFirstUserFrame(all);
  const known = frames.filter((f): f is ResolvedFrame => f !== null && f !== KERNEL_FRAME);
  if (!rootAtUserCode) {
    const entry = known.findIndex((f) => f.ref.category !== "runtime");
    // A worker's samples in a native frame with no script above it keep it: V8 could not name the
    // code that called it (compiled before the profile started), and the time is the thread's.
    const leaf = known[known.length - 1];
    if (entry < 0) return leaf && leaf.ref.category === "runtime" && leaf.ref.name !== "(root)" ? [leaf] : [];
    return mergedTopLevels(known.slice(entry));
  }
  const cell = known.findIndex((f) => f.ref.category === "cell" || f.ref.category === "module");
  if (cell >= 0) return mergedTopLevels(known.slice(cell));
  if (frames.includes(KERNEL_FRAME)) return KERNEL_STACK;
  const library = known.findIndex((f) => f.ref.category === "library" || f.ref.category === "node");
  if (library >= 0) return mergedTopLevels(known.slice(library));
  const leaf = known[known.length - 1];
  // A sample at V8's root alone ran nothing V8 could name, and is nobody's.
  if (leaf && leaf.ref.name === "(root)" && frames.length === 1) return [];
  return leaf && leaf.ref.name !== "(root)" ? [leaf] : [EVENT_LOOP];
}

/** The user's part of a stack captured in JavaScript (an await's, top first), root first as userStacks' are. */
export function userChain(frames: V8Frame[], resolve: BuildInput["resolve"]): ResolvedFrame[] {
  return userPart(frames.map((f) => resolveOrKernel(f, resolve)).reverse(), true);
}

/**
 * The stack up to the kernel's code called from the user's (the profiler's hooks at an await, a
 * display the kernel renders): that work is done for the user's frame below it, which gets it.
 */
function throughFirstUserFrame(frames: StackFrame[]): StackFrame[] {
  const user = frames.findIndex((f) => f !== null && "ref" in f && f.ref.category !== "runtime");
  if (user < 0) return frames;
  const kernel = frames.indexOf(KERNEL_FRAME, user);
  return kernel < 0 ? frames : frames.slice(0, kernel);
}

function mergedTopLevels(frames: ResolvedFrame[]): ResolvedFrame[] {
  const stack: ResolvedFrame[] = [];
  for (const frame of frames) {
    const top = stack[stack.length - 1];
    if (top && frame.ref.name === "<module>" && identity(top) === identity(frame)) continue;
    stack.push(frame);
  }
  return stack;
}

/** A call tree being built: each node keeps its children by frame identity. */
export interface TreeBuilder<N extends { children: N[] }> {
  node: N;
  children: Map<string, TreeBuilder<N>>;
}

export function treeBuilder<N extends { children: N[] }>(node: N): TreeBuilder<N> {
  return { node, children: new Map() };
}

/** The nodes on the stack's path from the root (root first, the stack's top last), made where missing. */
export function pathOf<N extends { children: N[] }>(
  root: TreeBuilder<N>,
  stack: ResolvedFrame[],
  create: (fn: FunctionRef) => N,
): N[] {
  const path = [root.node];
  let at = root;
  for (const frame of stack) {
    const key = identity(frame);
    let child = at.children.get(key);
    if (!child) {
      child = treeBuilder(create(frame.ref));
      at.children.set(key, child);
      at.node.children.push(child.node);
    }
    path.push(child.node);
    at = child;
  }
  return path;
}

export function newNode(fn: FunctionRef): CallTreeNode {
  return { fn, selfTime: 0, totalTime: 0, children: [] };
}

export function addToTree(root: TreeBuilder<CallTreeNode>, stack: ResolvedFrame[], seconds: number): void {
  const path = pathOf(root, stack, newNode);
  for (const node of path) node.totalTime += seconds;
  path[path.length - 1].selfTime += seconds;
}

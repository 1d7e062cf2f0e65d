/**
 * Builds the %prun model from a V8 CPU profile: times from the samples, exact call counts from
 * the kernel's counters. Knows nothing of how the result is shown.
 */
import type { CallTreeNode, CpuProfileResult, FunctionRef, FunctionStats } from "../model/profile";
import type { CountedCalls, CounterId, ResolvedFrame, V8Frame } from "../context";

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
}

const ROOT: FunctionRef = { name: "(root)", file: "", line: 0, category: "runtime" };

export function keyOf(ref: FunctionRef): string {
  return `${ref.file}:${ref.line}(${ref.name})`;
}

export function buildCpuProfile(input: BuildInput): CpuProfileResult {
  const stacks = userStacks(input);
  const weights = sampleWeights(input.profile);
  const tree = newNode(ROOT);
  const stats = new Map<string, { ref: FunctionRef; counter: CounterId | null; self: number; cum: number }>();
  input.profile.samples.forEach((nodeId, i) => {
    const stack = stacks.get(nodeId);
    if (!stack || stack.length === 0) return;
    const seconds = weights[i];
    addToTree(tree, stack, seconds);
    const seen = new Set<string>();
    stack.forEach((frame, depth) => {
      const key = keyOf(frame.ref);
      const entry = stats.get(key) ?? { ref: frame.ref, counter: frame.counter, self: 0, cum: 0 };
      stats.set(key, entry);
      // A recursive function is on the stack several times but spends the sample once.
      if (!seen.has(key)) entry.cum += seconds;
      seen.add(key);
      if (depth === stack.length - 1) entry.self += seconds;
    });
  });
  // Functions that ran too briefly to be sampled still have their exact counts, as in cProfile.
  for (const c of input.calls) {
    const key = keyOf(c.ref);
    if (!stats.has(key)) stats.set(key, { ref: c.ref, counter: c.counter, self: 0, cum: 0 });
  }
  const callsByCounter = new Map(input.calls.map((c) => [`${c.counter.unit}:${c.counter.index}`, c.calls]));
  const rows: FunctionStats[] = [...stats.values()].map((e) => {
    const ncalls = e.counter ? (callsByCounter.get(`${e.counter.unit}:${e.counter.index}`) ?? 0) : isTopLevel(e.ref) ? 1 : null;
    return { fn: e.ref, ncalls, primitiveCalls: ncalls, tottime: e.self, cumtime: e.cum };
  });
  const totalCalls = rows.reduce((n, r) => n + (r.ncalls ?? 0), 0);
  return {
    table: { totalTime: input.wallTime, totalCalls, primitiveCalls: totalCalls, rows },
    tree,
    sampleInterval: input.sampleInterval,
    statement: input.statement,
  };
}

/** A cell's or module's top-level code runs once. */
function isTopLevel(ref: FunctionRef): boolean {
  return ref.name === "<module>" && (ref.category === "cell" || ref.category === "module");
}

/** Seconds each sample stands for: the time until the next sample (the last gets the mean). */
function sampleWeights(profile: V8CpuProfile): number[] {
  const deltas = profile.timeDeltas;
  const n = deltas.length;
  const mean = n > 1 ? deltas.slice(1).reduce((a, b) => a + b, 0) / (n - 1) : 0;
  return deltas.map((_, i) => Math.max(0, i + 1 < n ? deltas[i + 1] : mean) / 1e6);
}

/**
 * For each profile node, the user's part of its stack (root first). It starts at the first frame
 * of the user's code (cells and their modules): what called the statement is the kernel's.
 * Consecutive frames of one top level (a cell's script and its wrapper) become one. A sample in
 * no user code counts only when V8 names it as its own work: (garbage collector), (program).
 */
function userStacks(input: BuildInput): Map<number, ResolvedFrame[]> {
  const parentOf = new Map<number, number>();
  for (const node of input.profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const byId = new Map(input.profile.nodes.map((n) => [n.id, n]));
  const stacks = new Map<number, ResolvedFrame[]>();
  for (const node of input.profile.nodes) {
    const frames: (ResolvedFrame | null)[] = [];
    for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) frames.unshift(input.resolve(byId.get(id)!.callFrame));
    stacks.set(node.id, userPart(frames));
  }
  return stacks;
}

function userPart(frames: (ResolvedFrame | null)[]): ResolvedFrame[] {
  const known = frames.filter((f): f is ResolvedFrame => f !== null);
  const entry = known.findIndex((f) => f.ref.category === "cell" || f.ref.category === "module");
  if (entry < 0) {
    const leaf = known[known.length - 1];
    return leaf && leaf.ref.category === "runtime" && /^\((garbage collector|program|idle)\)$/.test(leaf.ref.name) ? [leaf] : [];
  }
  const stack: ResolvedFrame[] = [];
  for (const frame of known.slice(entry)) {
    const top = stack[stack.length - 1];
    if (top && frame.ref.name === "<module>" && keyOf(top.ref) === keyOf(frame.ref)) continue;
    stack.push(frame);
  }
  return stack;
}

function newNode(fn: FunctionRef): CallTreeNode {
  return { fn, selfTime: 0, totalTime: 0, children: [] };
}

function addToTree(root: CallTreeNode, stack: ResolvedFrame[], seconds: number): void {
  let node = root;
  node.totalTime += seconds;
  for (const frame of stack) {
    const key = keyOf(frame.ref);
    let child = node.children.find((c) => keyOf(c.fn) === key);
    if (!child) node.children.push((child = newNode(frame.ref)));
    child.totalTime += seconds;
    node = child;
  }
  node.selfTime += seconds;
}

/**
 * %prun's async view, from the CPU samples and the awaits (await-tracker.ts): wall-clock time with each
 * await's time charged to the async function that awaited, under a node named by what was awaited,
 * as pyinstrument's async mode does. See docs/how-it-works.md, "Async attribution".
 */
import type { AsyncProfile, CallTreeNode } from "../../model/profile";
import type { CountedCalls, ResolvedFrame } from "../../core/context";
import type { FunctionRef } from "../../model/profile";
import type { Awaited, AwaitRecord } from "../samplers/await-tracker";
import {
  addToTree,
  EVENT_LOOP,
  KERNEL_STACK,
  newNode,
  ROOT,
  refKey,
  sampleTimes,
  treeBuilder,
  userChain,
  type BuildInput,
  type V8CpuProfile,
} from "./cpu-profile";

export interface AsyncInput {
  profile: V8CpuProfile;
  /** The user's part of each profile node's stack (userStacks). */
  stacks: Map<number, ResolvedFrame[]>;
  /** Seconds one sample stands for. */
  weight: number;
  awaits: AwaitRecord[];
  /** Awaits that went by after the tracker's limit (MAX_AWAITS): their waits count as idle. */
  untracked: number;
  resolve: BuildInput["resolve"];
  calls: CountedCalls[];
}

/**
 * An await of the statement's code, with its async call chain in the user's terms (root first, the awaiting function
 * last).
 */
interface UserAwait {
  record: AwaitRecord;
  chain: ResolvedFrame[];
  /** The await's node under the awaiting function: what it waited on. */
  awaited: ResolvedFrame;
}

/** The async view; undefined when the statement's code awaited nothing. */
export function buildAsyncProfile(input: AsyncInput): AsyncProfile | undefined {
  const awaits = userAwaits(input.awaits, input.resolve);
  if (!awaits.some((a) => a.record.kind === "await")) return undefined;
  const tree = treeBuilder(newNode(ROOT));
  const { weight } = input;
  const times = sampleTimes(input.profile);
  const pending = new PendingAwaits(awaits.filter((a) => a.record.kind === "await"));
  const resumed = new Resumptions(awaits);
  const totals = { awaiting: 0, computing: 0, idle: 0 };
  input.profile.samples.forEach((id, i) => {
    const stack = input.stacks.get(id);
    if (!stack || stack.length === 0 || stack === KERNEL_STACK) return;
    const t = times[i];
    if (!isIdle(stack)) {
      totals.computing += weight;
      addToTree(tree, withAsyncCallers(stack, resumed.at(t)), weight);
      return;
    }
    const leaves = pending.innermostAt(t);
    if (leaves.length === 0) {
      totals.idle += weight;
      addToTree(tree, stack, weight);
      return;
    }
    totals.awaiting += weight;
    for (const leaf of leaves) addToTree(tree, [...leaf.chain, leaf.awaited], weight / leaves.length);
  });
  countCalls(tree.node, input.calls);
  return {
    tree: tree.node,
    ...totals,
    awaits: awaits.filter((a) => a.record.kind === "await").length,
    untracked: input.untracked,
  };
}

/**
 * The statement's awaits with their chains. A chain V8's async stack traces take down to a cell
 * is whole. One made in a continuation V8 cannot follow down (code compiled to generators awaits
 * through `.then()`) starts at that continuation: the chain of the first record it came from
 * that reaches a cell goes below it.
 */
function userAwaits(records: AwaitRecord[], resolve: BuildInput["resolve"]): UserAwait[] {
  // For each record, the chain of the nearest record back through the continuations that reaches a cell (records come
  // after those they were made within).
  const cellRoot = new Map<AwaitRecord, ResolvedFrame[] | undefined>();
  const rootOf = (record: AwaitRecord | null) => (record ? cellRoot.get(record) : undefined);
  const out: UserAwait[] = [];
  for (const record of records) {
    const own = userChain(record.frames, resolve);
    const top = own[own.length - 1];
    // Awaits in the kernel's code, or in Node's alone, are not the statement's.
    if (own === KERNEL_STACK || !top || top === EVENT_LOOP || top.ref.category === "runtime") {
      cellRoot.set(record, rootOf(record.within));
      continue;
    }
    const root = reachesCell(own) ? undefined : rootOf(record.within);
    // The root, not the chain made from it, is what later records build on: a loop of continuations would otherwise
    // nest deeper at every turn.
    cellRoot.set(record, root ?? (reachesCell(own) ? own : undefined));
    const chain = root ? [...root, ...own] : own;
    out.push({ record, chain, awaited: awaitedFrame(record.awaited, resolve) });
  }
  return out;
}

function reachesCell(chain: ResolvedFrame[]): boolean {
  return chain.length > 0 && (chain[0].ref.category === "cell" || chain[0].ref.category === "module");
}

function isIdle(stack: ResolvedFrame[]): boolean {
  return stack.length === 1 && stack[0].ref.category === "runtime" && stack[0].ref.name === "(idle)";
}

/** Await nodes of what no callee made: a value V8 wrapped (a thenable's wait), a promise made out of sight. */
const UNNAMED: Record<Exclude<Awaited, object>, string> = { thenable: "<thenable>", unknown: "<promise>" };

/**
 * The time a function waited at an await: a node under it, named by the callee (Node's internals by their own place:
 * the resolver leaves them out).
 */
function awaitedFrame(awaited: Awaited, resolve: BuildInput["resolve"]): ResolvedFrame {
  const ref: FunctionRef =
    typeof awaited === "string"
      ? { name: UNNAMED[awaited], file: "", line: 0, category: "await" }
      : (resolve(awaited)?.ref ?? {
          name: awaited.functionName || "<anonymous>",
          file: awaited.url,
          line: awaited.lineNumber,
          category: "await",
        });
  return { ref: { ...ref, category: "await" }, counter: null };
}

/**
 * A continuation's stack starts at the resumed function: the async functions awaiting it go
 * below. Code not resumed from an await (the statement's first, synchronous part, a timer's
 * callback) keeps its stack.
 */
function withAsyncCallers(stack: ResolvedFrame[], resumed: UserAwait | undefined): ResolvedFrame[] {
  if (!resumed || stack[0].ref.name === "<module>") return stack;
  const { chain } = resumed;
  const callers = sameFunction(chain[chain.length - 1], stack[0]) ? chain.slice(0, -1) : chain;
  return [...callers, ...stack];
}

function sameFunction(a: ResolvedFrame, b: ResolvedFrame): boolean {
  return a.ref.file === b.ref.file && a.ref.line === b.ref.line && a.ref.name === b.ref.name;
}

/**
 * Which await's continuation runs at a time: continuations run one at a time, from `end` (resumed) to `resumedUntil`.
 */
class Resumptions {
  private readonly windows: UserAwait[];
  private next = 0;

  constructor(awaits: UserAwait[]) {
    this.windows = awaits.filter((a) => a.record.end !== null).sort((a, b) => a.record.end! - b.record.end!);
  }

  /** Asked with times that never decrease. */
  at(t: number): UserAwait | undefined {
    while (this.next < this.windows.length && (this.windows[this.next].record.resumedUntil ?? Infinity) < t)
      this.next++;
    const window = this.windows[this.next];
    return window && window.record.end! <= t ? window : undefined;
  }
}

/** The awaits pending at a time (started, not resumed), asked with times that never decrease. */
class PendingAwaits {
  private readonly byStart: UserAwait[];
  private next = 0;
  private readonly active = new Set<UserAwait>();

  constructor(awaits: UserAwait[]) {
    this.byStart = [...awaits].sort((a, b) => a.record.start - b.record.start);
  }

  /**
   * The pending awaits no other pending one waits on through its callers (a caller awaiting its callee counts once, at
   * the callee's).
   */
  innermostAt(t: number): UserAwait[] {
    while (this.next < this.byStart.length && this.byStart[this.next].record.start <= t)
      this.active.add(this.byStart[this.next++]);
    for (const a of this.active) if (a.record.end !== null && a.record.end <= t) this.active.delete(a);
    const waitedOn = new Set<string>();
    for (const a of this.active) for (const site of a.record.sites.slice(1)) waitedOn.add(site);
    const innermost = [...this.active].filter((a) => !waitedOn.has(a.record.sites[0]));
    // A recursive function's awaits wait on each other's lines: the deepest ones are the innermost.
    if (innermost.length > 0 || this.active.size === 0) return innermost;
    const deepest = Math.max(...[...this.active].map((a) => a.record.sites.length));
    return [...this.active].filter((a) => a.record.sites.length === deepest);
  }
}

/** Each function's node gets its exact number of calls where the counters know it (×5: five calls of it). */
function countCalls(root: CallTreeNode, calls: CountedCalls[]): void {
  const byFunction = new Map<string, number>();
  for (const c of calls) byFunction.set(refKey(c.ref), (byFunction.get(refKey(c.ref)) ?? 0) + c.calls);
  const visit = (node: CallTreeNode) => {
    const n = byFunction.get(refKey(node.fn));
    if (n !== undefined) node.calls = n;
    node.children.forEach(visit);
  };
  root.children.forEach(visit);
}

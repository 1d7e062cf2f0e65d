/**
 * Builds the %alloc model from V8's sampling heap profile: the allocating call tree and the
 * function table, in the user's terms (cells as `<cell N>` on their TypeScript lines), through
 * the same frame resolution %prun uses. Knows nothing of how the result is shown.
 */
import type {
  AllocationProfileResult,
  AllocationStats,
  AllocationTreeNode,
  FunctionRef,
  HeapBalance,
} from "../../model/profile";
import type { ResolvedFrame, V8Frame } from "../../core/context";
import { addToTotals, pathOf, ROOT, treeBuilder, userStacks, type Totals, type V8CpuProfile } from "./cpu-profile";
import type { V8HeapNode, V8HeapProfile } from "../samplers/heap-sampler";

export interface AllocationInput {
  profile: V8HeapProfile;
  resolve: (frame: V8Frame) => ResolvedFrame | null;
  heap: HeapBalance;
  statement: string;
  wallTime: number;
  sampleInterval: number;
  collectedGarbage: boolean;
}

export function buildAllocationProfile(input: AllocationInput): AllocationProfileResult {
  const nodes = flatten(input.profile.head);
  const stacks = userStacks(
    nodes.map(({ id, callFrame, children }) => ({ id, callFrame, children })),
    input.resolve,
  );
  const samplesAt = new Map<number, number>();
  for (const sample of input.profile.samples) samplesAt.set(sample.nodeId, (samplesAt.get(sample.nodeId) ?? 0) + 1);
  const tree = treeBuilder(newNode(ROOT));
  const totals = new Map<string, Totals>();
  let otherBytes = 0;
  for (const node of nodes) {
    const samples = samplesAt.get(node.id) ?? 0;
    if (node.selfSize === 0 && samples === 0) continue;
    const stack = stacks.get(node.id) ?? [];
    if (stack.length === 0) {
      otherBytes += node.selfSize;
      continue;
    }
    const path = pathOf(tree, stack, newNode);
    for (const at of path) at.totalBytes += node.selfSize;
    path[path.length - 1].selfBytes += node.selfSize;
    path[path.length - 1].samples += samples;
    addToTotals(totals, stack, node.selfSize, samples);
  }
  const rows: AllocationStats[] = [...totals.values()].map(({ frame, self, cum, hits }) => ({
    fn: frame.ref,
    selfBytes: self,
    totalBytes: cum,
    samples: hits,
  }));
  const root = tree.node;
  return {
    rows,
    tree: root,
    sampledBytes: root.totalBytes,
    samples: rows.reduce((n, r) => n + r.samples, 0),
    otherBytes,
    heap: input.heap,
    sampleInterval: input.sampleInterval,
    wallTime: input.wallTime,
    collectedGarbage: input.collectedGarbage,
    statement: input.statement,
  };
}

function newNode(fn: FunctionRef): AllocationTreeNode {
  return { fn, selfBytes: 0, totalBytes: 0, samples: 0, children: [] };
}

/**
 * The profile's tree as a flat node list, in the CPU profile's terms: V8 sends the heap
 * profile's positions 0-based, the CPU profile's (which frame resolution expects) 1-based.
 */
function flatten(head: V8HeapNode): (V8CpuProfile["nodes"][number] & { selfSize: number })[] {
  const out: (V8CpuProfile["nodes"][number] & { selfSize: number })[] = [];
  const visit = (node: V8HeapNode) => {
    const { url, functionName, lineNumber, columnNumber } = node.callFrame;
    const callFrame = {
      url,
      functionName,
      lineNumber: Math.max(0, lineNumber + 1),
      columnNumber: Math.max(0, columnNumber + 1),
    };
    out.push({ id: node.id, callFrame, children: node.children.map((c) => c.id), selfSize: node.selfSize });
    node.children.forEach(visit);
  };
  visit(head);
  return out;
}

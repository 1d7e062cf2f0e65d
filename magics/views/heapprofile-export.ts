/**
 * The %alloc call tree as a `.heapprofile` (DevTools' Memory panel, speedscope), cell functions named by
 * their TypeScript lines. Each node's allocations become samples of equal size: totals are exact.
 */
import type { AllocationProfileResult, AllocationTreeNode } from "../model/profile";
import { devToolsCallFrame, type DevToolsCallFrame } from "./cpuprofile-export";

interface ExportNode {
  callFrame: DevToolsCallFrame;
  selfSize: number;
  id: number;
  children: ExportNode[];
}

export function toHeapProfile(result: AllocationProfileResult): object {
  const samples: { size: number; nodeId: number; ordinal: number }[] = [];
  let nextId = 0;
  const visit = (node: AllocationTreeNode): ExportNode => {
    const id = ++nextId;
    for (let i = 0; i < node.samples; i++)
      samples.push({ size: Math.round(node.selfBytes / node.samples), nodeId: id, ordinal: samples.length + 1 });
    return {
      callFrame: devToolsCallFrame(node.fn),
      selfSize: Math.round(node.selfBytes),
      id,
      children: node.children.map(visit),
    };
  };
  const head = visit(result.tree);
  return { head, samples };
}

/**
 * The %alloc call tree as a `.heapprofile` (DevTools' Memory panel, speedscope), cell functions named by
 * their TypeScript lines. Each node's allocations become samples of equal size: totals are exact.
 */
import type { AllocationProfileResult, AllocationTreeNode } from "../model/profile";

interface ExportNode {
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
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
      // DevTools counts lines from 0.
      callFrame: {
        functionName: node.fn.name,
        scriptId: "0",
        url: node.fn.file,
        lineNumber: Math.max(0, node.fn.line - 1),
        columnNumber: 0,
      },
      selfSize: Math.round(node.selfBytes),
      id,
      children: node.children.map(visit),
    };
  };
  const head = visit(result.tree);
  return { head, samples };
}

/**
 * The %prun call tree as a `.cpuprofile` (Chrome DevTools, speedscope), cell functions named by their
 * TypeScript lines. Samples are rebuilt from the tree: totals are exact, their order in time is not kept.
 */
import path from "node:path";
import type { CallTreeNode, CpuProfileResult, FunctionRef, ThreadProfile } from "../model/profile";

export interface DevToolsCallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** A function as DevTools' profiles name it (`.cpuprofile`, `.heapprofile`): DevTools counts lines from 0. */
export function devToolsCallFrame(fn: FunctionRef): DevToolsCallFrame {
  return { functionName: fn.name, scriptId: "0", url: fn.file, lineNumber: Math.max(0, fn.line - 1), columnNumber: 0 };
}

interface ExportNode {
  id: number;
  callFrame: DevToolsCallFrame;
  hitCount: number;
  children: number[];
}

export function toCpuProfile(result: Pick<CpuProfileResult, "tree" | "sampleInterval">): object {
  const nodes: ExportNode[] = [];
  const samples: number[] = [];
  const intervalMicros = Math.max(1, Math.round(result.sampleInterval * 1e6));
  const visit = (node: CallTreeNode): number => {
    const id = nodes.length + 1;
    const hits = Math.round(node.selfTime / result.sampleInterval);
    const exported: ExportNode = {
      id,
      callFrame: devToolsCallFrame(node.fn),
      hitCount: hits,
      children: [],
    };
    nodes.push(exported);
    for (let i = 0; i < hits; i++) samples.push(id);
    exported.children = node.children.map(visit);
    return id;
  };
  visit(result.tree);
  return {
    nodes,
    startTime: 0,
    endTime: samples.length * intervalMicros,
    samples,
    timeDeltas: samples.map(() => intervalMicros),
  };
}

/** `forward.cpuprofile` for the main thread, `forward.worker-1.cpuprofile` for worker 1 (its threadId), and so on. */
export function threadProfileFile(file: string, thread: ThreadProfile): string {
  if (thread.threadId === 0) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.worker-${thread.threadId}${ext}`;
}

/**
 * `%prun -F`: folds the frames of code the notebook did not write (Node.js internals, libraries under
 * node_modules) into the functions that called them, on the model.
 * See docs/how-it-works.md, "From readings to tables".
 */
import type { CallTreeNode, CpuProfileResult, FunctionCategory, FunctionStats } from "../../model/profile";
import { refKey } from "./cpu-profile";

const FOLDED: ReadonlySet<FunctionCategory> = new Set(["library", "node"]);

export function foldExternalFrames(result: CpuProfileResult): CpuProfileResult {
  const threads = result.threads.map((thread) => ({ ...thread, ...foldThread(thread) }));
  return { ...result, tree: threads[0].tree, table: threads[0].table, threads };
}

function foldThread({
  tree,
  table,
}: Pick<CpuProfileResult, "tree" | "table">): Pick<CpuProfileResult, "tree" | "table"> {
  const folded = foldNode(tree);
  const times = timesByFunction(folded);
  const rows: FunctionStats[] = table.rows
    .filter((row) => !FOLDED.has(row.fn.category))
    .map((row) => ({ ...row, ...(times.get(refKey(row.fn)) ?? { tottime: 0, cumtime: 0 }) }));
  return { tree: folded, table: { ...table, rows } };
}

function foldNode(node: CallTreeNode): CallTreeNode {
  const folded: CallTreeNode = { fn: node.fn, selfTime: node.selfTime, totalTime: node.totalTime, children: [] };
  const adopt = (children: CallTreeNode[]) => {
    for (const child of children) {
      if (!FOLDED.has(child.fn.category)) {
        addChild(folded, foldNode(child));
        continue;
      }
      folded.selfTime += child.selfTime;
      adopt(child.children);
    }
  };
  adopt(node.children);
  return folded;
}

/** Adds `child` under `parent`, merged with a sibling of the same function if there is one. */
function addChild(parent: CallTreeNode, child: CallTreeNode): void {
  const twin = parent.children.find((c) => refKey(c.fn) === refKey(child.fn));
  if (!twin) {
    parent.children.push(child);
    return;
  }
  twin.selfTime += child.selfTime;
  twin.totalTime += child.totalTime;
  for (const grandchild of child.children) addChild(twin, grandchild);
}

/** tottime and cumtime per function, from the tree; a recursive function's nested nodes count once in cumtime. */
function timesByFunction(root: CallTreeNode): Map<string, { tottime: number; cumtime: number }> {
  const times = new Map<string, { tottime: number; cumtime: number }>();
  const visit = (node: CallTreeNode, onStack: ReadonlySet<string>) => {
    const key = refKey(node.fn);
    const entry = times.get(key) ?? { tottime: 0, cumtime: 0 };
    times.set(key, entry);
    entry.tottime += node.selfTime;
    if (!onStack.has(key)) entry.cumtime += node.totalTime;
    const below = new Set(onStack).add(key);
    for (const child of node.children) visit(child, below);
  };
  for (const child of root.children) visit(child, new Set());
  return times;
}

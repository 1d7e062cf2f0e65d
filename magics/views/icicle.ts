/**
 * A call tree as a plotly icicle (flame chart), root on top, each box as wide as its total weight. Values
 * are whole units summed bottom-up, so a parent is never narrower than its children (plotly drops nodes
 * whose children exceed them under branchvalues "total").
 */
import type { FunctionCategory, FunctionRef } from "../model/profile";
import { plotlyText, type Figure } from "./plotly";
import { functionDescription } from "./profile-order";

/** Call-tree nodes below this share of the total are left out of the icicle (they stay in their parent's width). */
const MIN_NODE_SHARE = 0.001;
const MAX_NODES = 3000;
/** Levels the icicle shows at once (click a box to see deeper). */
const MAX_DEPTH = 8;
/** Flame-chart colours by where the function lives: the user's code warm, the rest cool or grey. */
export const CATEGORY_COLORS: Record<FunctionCategory, string> = {
  cell: "#e8590c",
  module: "#f59f00",
  library: "#1c7ed6",
  node: "#74c0fc",
  runtime: "#adb5bd",
  await: "#d0bfff",
};

export interface IcicleSpec<N extends { fn: FunctionRef; children: N[] }> {
  root: N;
  statement: string;
  /** A node's own and total weight, in the chart's (whole) unit. */
  self(node: N): number;
  total(node: N): number;
  /** What the hover box says of a node's own weight (customdata[1]). */
  selfText(node: N): string;
  /** Plotly hover template: %{customdata[0]} is the function, %{value} the total weight. */
  hovertemplate: string;
  /** What the width stands for, in the title: "total time". */
  width: string;
}

/** A box's own text: the function's name (an await node's says what was awaited). */
function boxName(fn: FunctionRef): string {
  return fn.category === "await" ? `awaiting ${fn.name}` : fn.name;
}

export function icicleFigure<N extends { fn: FunctionRef; children: N[] }>(spec: IcicleSpec<N>): Figure {
  const ids: string[] = [];
  const labels: string[] = [];
  const parents: string[] = [];
  const values: number[] = [];
  const hover: string[][] = [];
  const colors: string[] = [];
  let depth = 0;
  const minWeight = spec.total(spec.root) * MIN_NODE_SHARE;
  const visit = (node: N, id: string, parent: string, level: number): number => {
    const index = ids.length;
    depth = Math.max(depth, level);
    ids.push(id);
    colors.push(CATEGORY_COLORS[node.fn.category]);
    labels.push(plotlyText(parent === "" ? `all (${spec.statement})` : boxName(node.fn)));
    parents.push(parent);
    values.push(0);
    hover.push([plotlyText(parent === "" ? spec.statement : functionDescription(node)), spec.selfText(node)]);
    let value = Math.round(spec.self(node));
    node.children.forEach((child, i) => {
      value +=
        spec.total(child) >= minWeight && ids.length < MAX_NODES
          ? visit(child, `${id}/${i}`, id, level + 1)
          : Math.round(spec.total(child));
    });
    values[index] = value;
    return value;
  };
  visit(spec.root, "0", "", 1);
  return {
    data: [
      {
        type: "icicle",
        ids,
        labels,
        parents,
        values,
        branchvalues: "total",
        customdata: hover,
        tiling: { orientation: "v" },
        marker: { colors },
        root: { color: "#dee2e6" },
        textinfo: "label",
        hovertemplate: spec.hovertemplate,
        maxdepth: MAX_DEPTH,
      },
    ],
    layout: {
      title: { text: `Call tree — ${plotlyText(spec.statement)} (width: ${spec.width}; click a box to zoom)` },
      height: 90 + 60 * Math.min(depth, MAX_DEPTH),
      margin: { l: 10, r: 10, t: 50, b: 10 },
    },
  };
}

/**
 * The %alloc table as text, laid out like %prun's (pstats' `print_stats`) with bytes for times:
 * sampled allocations, self bytes, total bytes, filename:lineno(function).
 */
import type { AllocationProfileResult, AllocationStats } from "../model/profile";
import {
  functionDescription,
  locationKeys,
  orderBy,
  sortKeys,
  type OrderedRows,
  type ProfileOrder,
} from "./profile-order";
import { formatBytes, withThousands } from "./pyformat";

const HEADER = "  samples       self      total filename:lineno(function)";

/** Why a Float64Array shows as a few bytes: the sampler sees the JS heap only. */
export const TYPED_ARRAY_NOTE =
  "Typed arrays and Buffers count here as their small JS handle, not their contents: their backing " +
  "store lives outside the JS heap (the arrayBuffers figure above).";

/** %alloc's -s keys, resolved as pstats resolves its own (full names or unambiguous prefixes). */
export const ALLOCATION_KEYS = sortKeys<AllocationStats>("alloc", "self", [
  ["samples", { fields: [[(r) => r.samples, -1]], description: "sampled allocations" }],
  ["self", { fields: [[(r) => r.selfBytes, -1]], description: "self bytes" }],
  ["total", { fields: [[(r) => r.totalBytes, -1]], description: "total bytes" }],
  ...locationKeys<AllocationStats>(),
]);

export function orderAllocations(result: AllocationProfileResult, order: ProfileOrder): OrderedRows<AllocationStats> {
  return orderBy(result.rows, order, ALLOCATION_KEYS);
}

/** A signed size: "+7.63 MiB", "-512 B", "0 B". */
export function signedBytes(bytes: number): string {
  return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** The lines above the table: what the sampler attributed, then the heap's own balance beside it. */
export function allocationSummary(result: AllocationProfileResult): string[] {
  const { heap } = result;
  const other = result.otherBytes > 0 ? `, ${formatBytes(result.otherBytes)} more outside the notebook's code` : "";
  const samples = `${withThousands(result.samples)} sampled allocation${result.samples === 1 ? "" : "s"}`;
  return [
    `${formatBytes(result.sampledBytes)} allocated in ${result.wallTime.toFixed(3)} seconds ` +
      `(${samples}, one per ${formatBytes(result.sampleInterval)} on average${other})`,
    `JS heap: ${formatBytes(heap.allocated)} allocated${heapSplit(result)}`,
    `Outside the JS heap: external ${signedBytes(heap.external)}, arrayBuffers ${signedBytes(heap.arrayBuffers)}`,
  ];
}

/**
 * Live against collected, when they can be told apart: after the collection before the
 * statement, what collections free while it runs is its own garbage. Without it they may also
 * free earlier cells' garbage, which the allocated total is indifferent to but the split is not.
 */
function heapSplit({ heap, collectedGarbage }: AllocationProfileResult): string {
  const collections = `${heap.collections} garbage collection${heap.collections === 1 ? "" : "s"}`;
  if (collectedGarbage)
    return (
      ` = ${formatBytes(heap.live)} still live (reachable after a full collection) ` +
      `+ ${formatBytes(heap.collected)} allocated and collected (${collections})`
    );
  // Collections during the statement can free more of earlier cells' garbage than it allocated: then the heap shrank.
  const change = heap.live < 0 ? `shrank by ${formatBytes(-heap.live)}` : `grew by ${formatBytes(heap.live)}`;
  return (
    `; the heap ${change} (${collections}, which may also free earlier cells' garbage: -g ` +
    `tells live from collected)`
  );
}

export function allocationText(result: AllocationProfileResult, order: ProfileOrder): string {
  const lines = [...allocationSummary(result).map((line) => `         ${line}`), ""];
  const ordered = orderAllocations(result, order);
  if (ordered.rows.length > 0) {
    lines.push(`   Ordered by: ${ordered.orderedBy}`, ...ordered.notes.map((note) => `   ${note}`), "", HEADER);
    for (const row of ordered.rows) lines.push(rowText(row));
    lines.push("");
  }
  lines.push(`   ${TYPED_ARRAY_NOTE}`);
  return lines.join("\n");
}

function rowText(row: AllocationStats): string {
  return [
    String(row.samples).padStart(9),
    formatBytes(row.selfBytes).padStart(10),
    formatBytes(row.totalBytes).padStart(10),
    functionDescription(row),
  ].join(" ");
}

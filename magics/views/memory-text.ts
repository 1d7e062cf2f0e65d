/**
 * %memit and %mprun as text: memory_profiler's `peak memory: X MiB, increment: Y MiB` line and
 * its line-by-line table, laid out exactly as memory_profiler prints them (sizes in MiB, 2^20
 * bytes), and beside the %memit line the split a JavaScript user needs to read it.
 */
import type {
  FunctionMemoryProfile,
  MemoryLineProfileResult,
  MemoryLineStats,
  MemoryResult,
  MemorySample,
} from "../model/profile";
import { formatTime } from "./pyformat";

const MiB = 2 ** 20;

/** MemitResult.__str__: `'peak memory: %.02f MiB, increment: %.02f MiB'`. */
export function memitLine(result: MemoryResult): string {
  return `peak memory: ${mib(result.peak.rss)} MiB, increment: ${mib(result.increment)} MiB`;
}

function mib(bytes: number): string {
  return fixed(bytes / MiB, 2);
}

/**
 * Python's `"%.{decimals}f" % x`, which rounds an exact tie to even where toFixed rounds it away
 * from zero. Sizes in MiB are multiples of 1/256 (4 KiB pages), so ties such as 52.25 → "52.2"
 * are common; toFixed(100) gives the exact decimal expansion of the double to find them.
 */
export function fixed(x: number, decimals: number): string {
  const exact = Math.abs(x).toFixed(100);
  const cut = exact.indexOf(".") + 1 + decimals;
  const kept = exact.slice(0, decimals === 0 ? cut - 1 : cut);
  const tieToEven = /^50*$/.test(exact.slice(cut)) && Number(kept[kept.length - 1]) % 2 === 0;
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  return sign + (tieToEven ? kept : Math.abs(x).toFixed(decimals));
}

/** The fields of the split, in the order shown, with what each one is. */
export const MEMORY_FIELDS: { key: keyof Omit<MemorySample, "t">; what: string }[] = [
  { key: "rss", what: "resident set size of the kernel process (what memory_profiler reports)" },
  { key: "heapUsed", what: "V8's JavaScript heap in use: objects, arrays, strings, numbers" },
  { key: "external", what: "memory outside the JS heap that JS objects own (includes arrayBuffers)" },
  { key: "arrayBuffers", what: "backing stores of ArrayBuffers: typed arrays, Buffers" },
];

/** One row per field: baseline, peak, peak - baseline, in MiB with two decimals. */
export function memorySplit(
  result: MemoryResult,
): { field: string; baseline: string; peak: string; increment: string }[] {
  return MEMORY_FIELDS.map(({ key }) => ({
    field: key,
    baseline: `${mib(result.baseline[key])} MiB`,
    peak: `${mib(result.peak[key])} MiB`,
    increment: `${mib(result.peak[key] - result.baseline[key])} MiB`,
  }));
}

/** How the numbers were taken: runs, time, readings, whether the RSS peak is exact. */
export function memitNotes(result: MemoryResult): string[] {
  const runs =
    result.repeats === 1 ? "1 run" : `${result.repeats} runs (the highest peak; the baseline is from before the first)`;
  const every = formatTime(result.interval);
  const heapEvery = formatTime(result.heapInterval);
  const readings =
    `${result.samples.length} readings, RSS ` +
    `every ${every}${heapEvery === every ? "" : `, the heap split every ${heapEvery}`}`;
  const peak = result.exactPeak
    ? "RSS peak exact (Linux VmHWM, reset before each run); other peaks are the highest readings"
    : "peaks are the highest readings (no resettable VmHWM here)";
  const notes = [`${runs} in ${formatTime(result.duration)}; ${readings}; ${peak}.`];
  if (result.collected) notes.push("Garbage was collected before the baseline (-g).");
  if (result.timedOut)
    notes.push(`Measuring stopped at the -t limit: later runs were skipped, the peak is that of the time measured.`);
  return notes;
}

export function memitText(result: MemoryResult): string {
  const rows = [{ field: "", baseline: "baseline", peak: "peak", increment: "increment" }, ...memorySplit(result)];
  const width = (k: "baseline" | "peak" | "increment") => Math.max(...rows.map((r) => r[k].length));
  const table = rows.map(
    (r) =>
      `${r.field.padEnd(12)}  ${r.baseline.padStart(width("baseline"))}  ${r.peak.padStart(width("peak"))}  ${r.increment.padStart(width("increment"))}`,
  );
  return [memitLine(result), "", ...table, "", ...memitNotes(result)].join("\n");
}

/** memory_profiler's `show_results` template: `'{0:>6} {1:>12} {2:>12}  {3:>10}   {4:<}'`. */
function row(lineNo: string, mem: string, inc: string, occurrences: string, contents: string): string {
  return `${lineNo.padStart(6)} ${mem.padStart(12)} ${inc.padStart(12)}  ${occurrences.padStart(10)}   ${contents}`;
}

export const MEMORY_LINE_HEADER = row("Line #", "Mem usage", "Increment", "Occurrences", "Line Contents");

/**
 * Mem usage, Increment, Occurrences as memory_profiler shows them (`'{0:5.1f} MiB'`); blank for
 * lines that never ran.
 */
export function memoryLineCells(line: MemoryLineStats): [string, string, string] {
  if (line.memUsage === null) return ["", "", ""];
  return [
    `${fixed(line.memUsage / MiB, 1).padStart(5)} MiB`,
    `${fixed(line.increment / MiB, 1).padStart(5)} MiB`,
    String(line.occurrences),
  ];
}

function functionText(profile: FunctionMemoryProfile): string {
  const lines = [`Filename: ${profile.fn.file}`, "", MEMORY_LINE_HEADER, "=".repeat(MEMORY_LINE_HEADER.length)];
  for (const line of profile.lines)
    lines.push(row(String(line.line), ...memoryLineCells(line), line.contents.replace(/\r?\n$/, "")));
  return lines.join("\n");
}

/** %mprun's output: one block per function, separated as memory_profiler separates them, trailing space stripped. */
export function memoryLineProfileText(result: MemoryLineProfileResult): string {
  return result.functions.map(functionText).join("\n\n\n").trimEnd();
}

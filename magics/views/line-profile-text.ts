/** The %lprun table as text, laid out exactly as line_profiler's `show_text` / `show_func`. */
import type { FunctionLineProfile, LineProfileResult, LineStats } from "../model/profile";
import { formatF, formatG } from "./pyformat";

/** line_profiler's column widths: Line #, Hits, Time, Per Hit, % Time. */
const WIDTHS = [6, 9, 12, 8, 8] as const;

export function lineProfileText(result: LineProfileResult): string {
  const parts = [`Timer unit: ${formatG(result.timerUnit)} s\n`];
  for (const fn of result.functions) parts.push(functionText(fn, result.timerUnit));
  return parts.join("\n").trimEnd();
}

export const LINE_TABLE_HEADER = row(["Line #", "Hits", "Time", "Per Hit", "% Time"], "Line Contents");

function functionText(profile: FunctionLineProfile, timerUnit: number): string {
  const lines = [...functionHeader(profile), "", LINE_TABLE_HEADER, "=".repeat(LINE_TABLE_HEADER.length)];
  for (const line of profile.lines) {
    lines.push(
      row([String(line.line), ...lineCells(line, shareBase(profile), timerUnit)], line.contents.replace(/\r?\n$/, "")),
    );
  }
  return lines.join("\n") + "\n";
}

/** line_profiler's lines above a function's table, after the thread's when workers ran copies of it. */
export function functionHeader(profile: FunctionLineProfile): string[] {
  const thread = profile.thread ? [`Thread: ${profile.thread}`] : [];
  return [
    ...thread,
    `Total time: ${formatG(profile.totalTime)} s`,
    `File: ${profile.fn.file}`,
    `Function: ${profile.fn.name} at line ${profile.fn.line}`,
  ];
}

/**
 * What % Time is a share of: the function's total time, or the sum of its lines' times when
 * those (sampled, with few readings) come to more, so that no line reads over 100% and the
 * column never adds up past it.
 */
export function shareBase(profile: FunctionLineProfile): number {
  return Math.max(
    profile.totalTime,
    profile.lines.reduce((sum, line) => sum + line.time, 0),
  );
}

/** Hits, Time, Per Hit, % Time as line_profiler shows them; blank for lines that never ran. */
export function lineCells(line: LineStats, totalTime: number, timerUnit: number): [string, string, string, string] {
  if (line.hits === 0) return ["", "", "", ""];
  const time = line.time / timerUnit;
  const percent = totalTime === 0 ? "" : formatF((100 * line.time) / totalTime, 5, 1);
  return [
    fitted(String(line.hits), WIDTHS[1], () => formatG(line.hits)),
    fitted(formatF(time, 5, 1), WIDTHS[2], () => formatG(time, 1).padStart(5)),
    fitted(formatF(time / line.hits, 5, 1), WIDTHS[3], () => formatG(time / line.hits, 1).padStart(5)),
    percent,
  ];
}

/** line_profiler's fallback: a value too wide for its column is shown in %g form instead. */
function fitted(text: string, width: number, shorter: () => string): string {
  return text.length > width ? shorter() : text;
}

/** line_profiler's template `'%6s %9s %12s %8s %8s  %-s'`. */
function row(cells: string[], contents: string): string {
  return `${cells.map((cell, i) => cell.padStart(WIDTHS[i])).join(" ")}  ${contents}`;
}

/**
 * The syntax of a magic line (`%name args`, `%%name`, `x = %name args`), shared by the compiler
 * thread's lexical split (split.ts) and the main thread, which splits a cell with no such line alone.
 */
import type { CellPart } from "../compiler-thread/split";

export const MAGIC_LINE = /^\s*(%%?)([A-Za-z_][\w]*)(\?*)(?:\s+(.*))?\s*$/;
/** A line magic whose value is assigned: `[const|let|var] name = %magic args`. */
export const ASSIGNED_MAGIC_LINE = /^\s*((?:(?:const|let|var)\s+)?[A-Za-z_$][\w$]*)\s*=\s*(%[A-Za-z_].*)$/;

/**
 * A cell's parts when none of its lines reads as a magic line: all of it is code, and the split
 * needs no trip to the compiler thread. Null when a line does (split.ts tells, with the scanner).
 */
export function splitWithoutMagics(source: string): CellPart[] | null {
  const lines = source.split("\n");
  if (lines.some((line) => MAGIC_LINE.test(line) || ASSIGNED_MAGIC_LINE.test(line))) return null;
  return source.trim() === "" ? [] : [{ kind: "code", code: source, line: 1 }];
}

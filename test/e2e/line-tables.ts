/** line_profiler's tables as the e2e tests read them from a cell's output. */
import assert from "node:assert/strict";
import type { Execution } from "./harness";

export interface Row {
  line: number;
  hits: number | null;
  time: number | null;
  percent: number | null;
  contents: string;
}

export interface Table {
  /** The thread named on the line above the table (`Thread: worker 1 (eval)`), if any. */
  thread: string | null;
  header: string[];
  rows: Row[];
}

/** line_profiler's tables in a cell's first display, one per function: the lines above the columns, then the rows. */
export function tables(run: Execution): Table[] {
  const parts = String(run.displays[0]?.["text/plain"] ?? "").split(/\n(?=Total time: )/);
  const number = (s: string) => (s.trim() === "" ? null : Number(s));
  return parts.slice(1).map((block, i) => {
    const thread = /(?:^|\n)Thread: (.*)$/.exec(parts[i].trimEnd())?.[1] ?? null;
    const lines = block.split("\n");
    const rule = lines.findIndex((l) => /^=+$/.test(l));
    const rows = lines
      .slice(rule + 1)
      .filter((l) => /^ {0,5}\d+ /.test(l))
      .map((l) => ({
        line: Number(l.slice(0, 6)),
        hits: number(l.slice(7, 16)),
        time: number(l.slice(17, 29)),
        percent: number(l.slice(39, 47)),
        contents: l.slice(49),
      }));
    return { thread, header: lines.slice(0, rule - 1), rows };
  });
}

/** Hits per line number of the first table, or of the table of function `name` (null for lines that show none). */
export function hits(run: Execution, lines: number[], name?: string): (number | null)[] {
  const table =
    name === undefined
      ? tables(run)[0]
      : tables(run).find((t) => t.header.some((h) => h.startsWith(`Function: ${name} at`)));
  assert.ok(table, `a table for ${name} in:\n${run.displays[0]?.["text/plain"]}`);
  return hitsOn(table, lines);
}

/** Hits per line number of a table (null for lines that show none). */
export function hitsOn(table: Table, lines: number[]): (number | null)[] {
  return lines.map((n) => table.rows.find((r) => r.line === n)?.hits ?? null);
}

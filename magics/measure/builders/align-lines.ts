/**
 * Which lines of several versions of a function are the same line: matched by their text (leading
 * and trailing whitespace aside), as the `diff` package's line diff pairs them between one
 * version and the next, so that a line inserted above does not shift every row below it.
 */
import { diffTrimmedLines } from "diff";

/** A row per distinct line: for each run, the index of the line in that run's list, or null where the run lacks it. */
export type AlignedLine = (number | null)[];

/**
 * Aligns the runs' lines (null: the run lacks the function). Each version is diffed against the
 * previous one that had lines; a line only in the newer one becomes a row placed just before the
 * row of the next line the two share, so the rows keep the source's order.
 */
export function alignLines(runs: readonly (readonly string[] | null)[]): AlignedLine[] {
  let rows: AlignedLine[] = [];
  let reference: { lines: readonly string[]; rowOf: AlignedLine[] } | null = null;
  runs.forEach((lines, run) => {
    if (!lines) return;
    const newRow = (index: number): AlignedLine => runs.map((_, r) => (r === run ? index : null));
    if (!reference) {
      rows = lines.map((_, i) => newRow(i));
      reference = { lines, rowOf: rows };
      return;
    }
    const { rowOf, inserted } = pairWith(reference, lines, newRow, run);
    rows = [...rows.flatMap((row) => [...(inserted.get(row) ?? []), row]), ...(inserted.get(null) ?? [])];
    reference = { lines, rowOf };
  });
  return rows;
}

/**
 * The rows of `lines` (the run `run`), given the reference's rows; new rows keyed by the row they
 * go before (null: the end).
 */
function pairWith(
  reference: { lines: readonly string[]; rowOf: AlignedLine[] },
  lines: readonly string[],
  newRow: (index: number) => AlignedLine,
  run: number,
) {
  const rowOf: AlignedLine[] = [];
  const inserted = new Map<AlignedLine | null, AlignedLine[]>();
  let oldIndex = 0;
  for (const change of diffTrimmedLines(asText(reference.lines), asText(lines))) {
    for (let n = 0; n < (change.count ?? 0); n++) {
      if (change.removed) {
        oldIndex++;
      } else if (change.added) {
        const row = newRow(rowOf.length);
        const before = reference.rowOf[oldIndex] ?? null;
        inserted.set(before, [...(inserted.get(before) ?? []), row]);
        rowOf.push(row);
      } else {
        const row = reference.rowOf[oldIndex++];
        row[run] = rowOf.length;
        rowOf.push(row);
      }
    }
  }
  return { rowOf, inserted };
}

/** One line per token, each ending in a newline (so the last line compares like the others). */
function asText(lines: readonly string[]): string {
  return lines.map((line) => `${line.replace(/[\r\n]+/g, " ")}\n`).join("");
}

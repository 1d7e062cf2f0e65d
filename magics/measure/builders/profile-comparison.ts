/**
 * Profiles of the same code from several runs, side by side (`tsprof.compare`). Each kind of profile says
 * how to recognize it, its numeric columns and how its rows match across runs; the changes, the order
 * and the checks are shared. See docs/how-it-works.md, "From readings to tables".
 */
import type {
  AllocationProfileResult,
  ComparedChange,
  ComparedColumn,
  ComparedKind,
  ComparedRow,
  CpuProfileResult,
  FunctionLineProfile,
  FunctionRef,
  LineProfileResult,
  ProfileComparison,
} from "../../model/profile";
import { withPrefixes } from "../../views/profile-order";
import { alignLines } from "./align-lines";
import { baseName, functionKeys, functionLocation, movedLabel } from "./match-functions";

export interface ComparedProfile {
  label: string;
  /** What `%prun -r`, `%alloc -r` or `%lprun -r` returned. */
  profile: unknown;
}

export interface CompareOptions {
  /**
   * pstats-style keys, the first deciding first: a column (`tottime`/`time`, `cumtime`/`cumulative`,
   * `ncalls`/`calls`; for %alloc `self`, `total`, `samples`; for lines `hits`, `time`) orders by
   * the largest change in it; `name` by name; `line` (lines) by source order. Unambiguous prefixes
   * work.
   */
  sort?: string | string[];
}

/** A row before its changes are worked out: one function or line, its numbers per run. */
export type MatchedRow = Omit<ComparedRow, "status" | "change"> & { present: boolean[] };

export interface Matched {
  rows: MatchedRow[];
  notes: string[];
}

/** What a kind of profile brings to a comparison. */
export interface KindSpec<P> {
  kind: ComparedKind;
  /** The magic that returns it, as messages name it: "%prun -r". */
  source: string;
  recognizes(profile: unknown): profile is P;
  columns: ComparedColumn[];
  /**
   * Sort words (pstats' where they exist) and what each orders by: a column key, "name", or "line"
   * (the rows' own order).
   */
  sortWords: [string, string][];
  defaultSort: string[];
  match(profiles: P[], columns: ComparedColumn[]): Matched;
  timerUnit(profiles: P[]): number;
}

/** A profile's function table, for kinds whose rows are functions. */
export interface FunctionEntry {
  fn: FunctionRef;
  values: Record<string, number | null>;
}

const isObject = (x: unknown): x is Record<string, any> => typeof x === "object" && x !== null;

/** A kind whose rows are functions with numeric columns, matched by name (see match-functions.ts). */
export function functionTableKind<P>(
  spec: Omit<KindSpec<P>, "match" | "timerUnit"> & { entries(profile: P): FunctionEntry[] },
): KindSpec<P> {
  return {
    ...spec,
    match: (profiles, columns) => matchFunctionRows(profiles.map(spec.entries), columns),
    timerUnit: () => 1,
  };
}

const PRUN = functionTableKind<CpuProfileResult>({
  kind: "prun",
  source: "%prun -r",
  recognizes: (p): p is CpuProfileResult =>
    isObject(p) && isObject(p.tree) && isObject(p.table) && Array.isArray(p.table.rows),
  columns: [
    { key: "ncalls", label: "ncalls", unit: "count", title: "exact number of calls (blank: not counted)" },
    { key: "tottime", label: "tottime", unit: "seconds", title: "seconds in the function itself" },
    { key: "cumtime", label: "cumtime", unit: "seconds", title: "seconds in the function and everything it called" },
  ],
  sortWords: [
    ["calls", "ncalls"],
    ["ncalls", "ncalls"],
    ["cumtime", "cumtime"],
    ["cumulative", "cumtime"],
    ["name", "name"],
    ["time", "tottime"],
    ["tottime", "tottime"],
  ],
  defaultSort: ["tottime"],
  entries: (p) =>
    p.table.rows.map((row) => ({
      fn: row.fn,
      values: { ncalls: row.ncalls, tottime: row.tottime, cumtime: row.cumtime },
    })),
});

const ALLOC = functionTableKind<AllocationProfileResult>({
  kind: "alloc",
  source: "%alloc -r",
  recognizes: (p): p is AllocationProfileResult =>
    isObject(p) && Array.isArray(p.rows) && typeof p.sampledBytes === "number",
  columns: [
    { key: "samples", label: "samples", unit: "count", title: "allocations sampled in the function itself" },
    { key: "selfBytes", label: "self", unit: "bytes", title: "bytes the function allocated itself (sampled)" },
    {
      key: "totalBytes",
      label: "total",
      unit: "bytes",
      title: "bytes the function and everything it called allocated (sampled)",
    },
  ],
  sortWords: [
    ["name", "name"],
    ["samples", "samples"],
    ["self", "selfBytes"],
    ["total", "totalBytes"],
  ],
  defaultSort: ["self"],
  entries: (p) =>
    p.rows.map((row) => ({
      fn: row.fn,
      values: { samples: row.samples, selfBytes: row.selfBytes, totalBytes: row.totalBytes },
    })),
});

const LPRUN: KindSpec<LineProfileResult> = {
  kind: "lprun",
  source: "%lprun -r",
  recognizes: (p): p is LineProfileResult =>
    isObject(p) && typeof p.timerUnit === "number" && Array.isArray(p.functions),
  columns: [
    { key: "hits", label: "Hits", unit: "count", title: "exact number of times a statement starting on the line ran" },
    { key: "time", label: "Time", unit: "timer", title: "time on the line, including what it called, in timer units" },
  ],
  sortWords: [
    ["hits", "hits"],
    ["line", "line"],
    ["name", "name"],
    ["time", "time"],
  ],
  defaultSort: ["line"],
  match: matchLineRows,
  timerUnit: (profiles) => profiles[0].timerUnit,
};

/** The kinds compare() takes; another kind is one more entry here. */
export const KINDS: KindSpec<any>[] = [PRUN, ALLOC, LPRUN];

const USAGE =
  `It takes a non-empty array [{ label, profile }, …] whose profiles are all of one kind ` +
  `(${KINDS.map((k) => k.source).join(", ")}), ` +
  "or [{ label, timeit, memory?, linesOfCode? }, …] with %timeit -o results.";

export function compareProfiles(entries: readonly ComparedProfile[], options: CompareOptions = {}): ProfileComparison {
  const spec = kindOf(entries);
  const profiles = entries.map((e) => e.profile);
  const { rows, notes } = spec.match(profiles, spec.columns);
  const sort =
    options.sort === undefined ? spec.defaultSort : Array.isArray(options.sort) ? options.sort : [options.sort];
  const comparison: ProfileComparison = {
    kind: spec.kind,
    labels: entries.map((e) => e.label),
    columns: spec.columns,
    rows: rows.map((row) => withChange(row, spec.columns)),
    orderedBy: "",
    notes,
    timerUnit: spec.timerUnit(profiles),
  };
  return orderComparison(comparison, sort, spec);
}

/** The one kind of all the entries; a TypeError that says what compare() takes otherwise. */
function kindOf(entries: readonly ComparedProfile[]): KindSpec<unknown> {
  if (!Array.isArray(entries) || entries.length === 0)
    throw new TypeError(`tsprof.compare: nothing to compare. ${USAGE}`);
  const kinds = entries.map((entry, i) => {
    const kind =
      isObject(entry) && typeof entry.label === "string" ? KINDS.find((k) => k.recognizes(entry.profile)) : undefined;
    if (!kind)
      throw new TypeError(`tsprof.compare: entry ${i + 1} is not { label, profile } with a profile result. ${USAGE}`);
    return kind;
  });
  const other = kinds.findIndex((k) => k !== kinds[0]);
  if (other >= 0) {
    throw new TypeError(
      `tsprof.compare: entry 1 is a ${kinds[0].source} result and entry ${other + 1} ` +
        `a ${kinds[other].source} result; all entries must be of one kind. ${USAGE}`,
    );
  }
  return kinds[0];
}

function emptyRow(runs: number, columns: ComparedColumn[], matchedBy: ComparedRow["matchedBy"]): MatchedRow {
  const none = () => new Array<null>(runs).fill(null);
  return {
    label: "",
    name: "",
    matchedBy,
    where: none(),
    values: Object.fromEntries(columns.map((c) => [c.key, none()])),
    present: new Array(runs).fill(false),
  };
}

/** Adds a run's numbers to a row (twice in one run, e.g. two frames of one location, they add up). */
function addRun(row: MatchedRow, run: number, values: Record<string, number | null>, columns: ComparedColumn[]): void {
  for (const { key } of columns) {
    const value = values[key] ?? null;
    const before = row.values[key][run];
    if (!row.present[run]) row.values[key][run] = value;
    else row.values[key][run] = before === null || value === null ? (before ?? value) : before + value;
  }
  row.present[run] = true;
}

function matchFunctionRows(runs: FunctionEntry[][], columns: ComparedColumn[]): Matched {
  const { keys, notes } = functionKeys(runs.map((run) => run.map((entry) => entry.fn)));
  const slots = new Map<string, { row: MatchedRow; fns: (FunctionRef | null)[] }>();
  runs.forEach((run, r) =>
    run.forEach((entry, i) => {
      const key = keys[r][i];
      let slot = slots.get(key);
      if (!slot)
        slots.set(
          key,
          (slot = {
            row: emptyRow(runs.length, columns, key.startsWith("at|") ? "location" : "name"),
            fns: runs.map(() => null),
          }),
        );
      addRun(slot.row, r, entry.values, columns);
      slot.row.where[r] = functionLocation(entry.fn);
      slot.fns[r] = entry.fn;
    }),
  );
  const rows = [...slots.values()].map(({ row, fns }) => ({
    ...row,
    label: movedLabel(fns),
    name: baseName(fns.filter((f) => f !== null).at(-1)!),
  }));
  return { rows, notes };
}

/** %lprun's functions across runs: one each is one function whatever its name; several are matched as %prun's are. */
function lineFunctionGroups(runs: LineProfileResult[]): { groups: (FunctionLineProfile | null)[][]; notes: string[] } {
  if (runs.every((run) => run.functions.length === 1)) {
    const names = [...new Set(runs.map((run) => run.functions[0].fn.name))];
    const groups = [runs.map((run) => run.functions[0])];
    const notes = names.length > 1 ? [`Each run profiled one function, compared as one: ${names.join(", ")}`] : [];
    return { groups, notes: [...notes, ...groups.map(functionNote)] };
  }
  const { keys, notes } = functionKeys(runs.map((run) => run.functions.map((f) => f.fn)));
  const groups = new Map<string, (FunctionLineProfile | null)[]>();
  runs.forEach((run, r) =>
    run.functions.forEach((profile, i) => {
      const group = groups.get(keys[r][i]) ?? runs.map(() => null);
      group[r] = profile;
      groups.set(keys[r][i], group);
    }),
  );
  return { groups: [...groups.values()], notes: [...notes, ...[...groups.values()].map(functionNote)] };
}

/** Where the function was in each run, as line_profiler's "Function:" line says it. */
function functionNote(profiles: (FunctionLineProfile | null)[]): string {
  return `Function: ${movedLabel(profiles.map((p) => p?.fn ?? null))}`;
}

function matchLineRows(runs: LineProfileResult[], columns: ComparedColumn[]): Matched {
  const { groups, notes } = lineFunctionGroups(runs);
  const rows = groups.flatMap((profiles) => {
    const name = baseName(profiles.filter((p) => p !== null).at(-1)!.fn);
    return alignLines(profiles.map((p) => p?.lines.map((l) => l.contents) ?? null)).map((aligned) => {
      const row = emptyRow(runs.length, columns, "text");
      aligned.forEach((index, r) => {
        const line = index === null ? undefined : profiles[r]?.lines[index];
        if (!line) return;
        addRun(row, r, { hits: line.hits, time: line.time }, columns);
        row.where[r] = String(line.line);
        row.label = line.contents;
      });
      return { ...row, name };
    });
  });
  return { rows, notes };
}

function withChange(row: MatchedRow, columns: ComparedColumn[]): ComparedRow {
  const last = row.present.length - 1;
  const [inFirst, inLast] = [row.present[0], row.present[last]];
  const status = inFirst && inLast ? "matched" : inLast ? "new" : inFirst ? "gone" : "between";
  const change = Object.fromEntries(
    columns.map(({ key }) => [key, changeOf(row.values[key][0], row.values[key][last], inFirst, inLast)]),
  );
  const { present: _present, ...rest } = row;
  return { ...rest, status, change };
}

/** A run without the row counts 0 in the difference; the ratio needs both. */
export function changeOf(first: number | null, last: number | null, inFirst: boolean, inLast: boolean): ComparedChange {
  const a = inFirst ? first : 0;
  const b = inLast ? last : 0;
  if (a === null || b === null) return { ratio: null, difference: null };
  const ratio = !inFirst || !inLast || (a === 0 && b === 0) ? null : b === 0 ? Infinity : a / b;
  return { ratio, difference: b - a };
}

type Compare = (x: ComparedRow, y: ComparedRow) => number;

/** The rows sorted by the keys (stable: ties keep the rows' own order). */
function orderComparison(comparison: ProfileComparison, keys: string[], spec: KindSpec<unknown>): ProfileComparison {
  const words = withPrefixes(spec.sortWords);
  const orders = keys.map((key): { compare: Compare; description: string } => {
    const target = words.get(key);
    if (target === undefined) {
      throw new TypeError(
        `tsprof.compare: unknown sort key '${key}' for ${spec.source} results. Use one ` +
          `of ${spec.sortWords.map(([w]) => w).join(", ")} (or an unambiguous prefix).`,
      );
    }
    if (target === "line") return { compare: () => 0, description: "line order" };
    if (target === "name")
      return { compare: (x, y) => (x.label < y.label ? -1 : x.label > y.label ? 1 : 0), description: "name" };
    return {
      compare: byLargestChange(target),
      description: `change in ${spec.columns.find((c) => c.key === target)!.label}`,
    };
  });
  const rows = comparison.rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      for (const { compare } of orders) {
        const c = compare(a.row, b.row);
        if (c !== 0) return c;
      }
      return a.index - b.index;
    })
    .map((entry) => entry.row);
  return { ...comparison, rows, orderedBy: orders.map((o) => o.description).join(", ") };
}

/** Largest absolute difference first; unknown differences last. */
function byLargestChange(key: string): Compare {
  const size = (row: ComparedRow) => {
    const difference = row.change[key].difference;
    return difference === null ? -1 : Math.abs(difference);
  };
  return (x, y) => size(y) - size(x);
}

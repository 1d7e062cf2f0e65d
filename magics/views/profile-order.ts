/**
 * pstats' ordering of the %prun table: `sort_stats(*keys)` then `print_stats(*limits)`, with
 * the same key names, abbreviations, descriptions and "List reduced" messages, so that
 * `%prun -s cumulative -l 10 -l matmul` picks the rows cProfile would.
 */
import { UsageError } from "../core/context";
import type { FunctionStats, FunctionTable } from "../model/profile";

export interface ProfileOrder {
  /** pstats sort keys, applied as one multi-key sort (the first key decides first). */
  sort: string[];
  /** pstats print restrictions, applied in order: an integer count, a fraction, or a regex. */
  limits: string[];
}

/** The -s and -l options of a table ordered as pstats orders it; `keys` lists the sort keys for the help. */
export function orderOptions(keys: string) {
  return {
    sort: { short: "s", type: "string", multiple: true, metavar: "KEY", help: `sort by KEY: ${keys}` },
    limit: {
      short: "l",
      type: "string",
      multiple: true,
      metavar: "LIMIT",
      help: "show only some rows: an integer count, a fraction (0.25 = the first quarter) or a regular expression on filename:lineno(function); applied in order",
    },
  } as const;
}

/** The rows to show, in order, and the lines pstats prints above the table about them. */
export interface OrderedRows<R = FunctionStats> {
  rows: R[];
  /** "internal time", "cumulative time, call count", …: what follows "Ordered by: ". */
  orderedBy: string;
  /** "List reduced from 12 to 3 due to restriction <3>" and invalid-regex notes, in order. */
  notes: string[];
}

type Row = Pick<FunctionStats, "fn">;
type Field<R> = (row: R) => number | string;
type SortSpec<R> = { fields: [Field<R>, 1 | -1][]; description: string };

/** A table's sort keys as pstats resolves them: by full name or an unambiguous prefix. */
export interface SortKeys<R> {
  /** The magic the keys belong to, for the error message. */
  magic: string;
  /** Used when no -s is given. */
  defaultKey: string;
  words: string[];
  args: Map<string, SortSpec<R>>;
}

/** pstats' `get_sort_arg_defs`: every unambiguous prefix of a key means that key (the keys' order matters). */
export function sortKeys<R>(magic: string, defaultKey: string, keys: [string, SortSpec<R>][]): SortKeys<R> {
  return { magic, defaultKey, words: keys.map(([word]) => word), args: withPrefixes(keys) };
}

/**
 * Each word and every prefix of it that no earlier word claimed, as pstats' `get_sort_arg_defs`
 * builds them: a prefix two words share is ambiguous and means neither (the order matters).
 */
export function withPrefixes<T>(words: readonly (readonly [string, T])[]): Map<string, T> {
  const args = new Map<string, T>();
  const ambiguous = new Set<string>();
  for (const [word, value] of words) {
    for (let fragment = word; fragment; fragment = fragment.slice(0, -1)) {
      if (args.has(fragment)) {
        ambiguous.add(fragment);
        break;
      }
      args.set(fragment, value);
    }
  }
  for (const fragment of ambiguous) args.delete(fragment);
  return args;
}

/** The keys on where a function is, which every table has. */
export function locationKeys<R extends Row>(): [string, SortSpec<R>][] {
  const file: Field<R> = (r) => r.fn.file;
  const line: Field<R> = (r) => r.fn.line;
  const name: Field<R> = (r) => r.fn.name;
  const stdname: Field<R> = (r) => functionDescription(r);
  return [
    ["filename", { fields: [[file, 1]], description: "file name" }],
    ["line", { fields: [[line, 1]], description: "line number" }],
    ["module", { fields: [[file, 1]], description: "file name" }],
    ["name", { fields: [[name, 1]], description: "function name" }],
    [
      "nfl",
      {
        fields: [
          [name, 1],
          [file, 1],
          [line, 1],
        ],
        description: "name/file/line",
      },
    ],
    ["stdname", { fields: [[stdname, 1]], description: "standard name" }],
  ];
}

/** Unknown call counts sort as -1: below every counted function when the order is descending. */
const calls: Field<FunctionStats> = (r) => r.ncalls ?? -1;
const tottime: Field<FunctionStats> = (r) => r.tottime;
const cumtime: Field<FunctionStats> = (r) => r.cumtime;

/** pstats' `sort_arg_dict_default`, in its order. */
const PSTATS_KEYS = sortKeys<FunctionStats>("prun", "time", [
  ["calls", { fields: [[calls, -1]], description: "call count" }],
  ["ncalls", { fields: [[calls, -1]], description: "call count" }],
  ["cumtime", { fields: [[cumtime, -1]], description: "cumulative time" }],
  ["cumulative", { fields: [[cumtime, -1]], description: "cumulative time" }],
  ...locationKeys<FunctionStats>(),
  ["time", { fields: [[tottime, -1]], description: "internal time" }],
  ["tottime", { fields: [[tottime, -1]], description: "internal time" }],
]);

/**
 * cProfile's `func_std_string`: `file:line(name)`, or `{name}` for the runtime's own frames; the
 * async view's await nodes are `awaiting` their callee (`new Promise`, a native, has no place).
 */
export function functionDescription(row: Pick<FunctionStats, "fn">): string {
  const { fn } = row;
  if (fn.category === "await") return `awaiting ${fn.file === "" ? shortName(fn.name) : placedName(fn)}`;
  if (fn.category === "runtime") return `{${shortName(fn.name.replace(/^<(.*)>$/, "$1"))}}`;
  return placedName(fn);
}

function placedName(fn: FunctionStats["fn"]): string {
  // An anonymous function's name carries its place (`<anonymous>@file:line`) for views that show no file; here the
  // place is already said.
  const place = `@${fn.file}:${fn.line}`;
  const name = fn.name.endsWith(place) ? fn.name.slice(0, -place.length) : fn.name;
  return `${fn.file}:${fn.line}(${shortName(name)})`;
}

/**
 * Longest name shown whole: V8 names a regular expression's compiled code by its source, which can run to hundreds of
 * characters.
 */
const MAX_NAME = 80;

function shortName(name: string): string {
  return name.length <= MAX_NAME ? name : `${name.slice(0, MAX_NAME - 1)}…`;
}

export function orderRows(table: FunctionTable, order: ProfileOrder): OrderedRows {
  return orderBy(table.rows, order, PSTATS_KEYS);
}

/** pstats' `sort_stats(*keys)` then `print_stats(*limits)` on any table of functions. */
export function orderBy<R extends Row>(rows: R[], order: ProfileOrder, keys: SortKeys<R>): OrderedRows<R> {
  const specs = (order.sort.length ? order.sort : [keys.defaultKey]).map((key) => sortSpec(key, keys));
  let kept = stableSort(
    rows,
    specs.flatMap((s) => s.fields),
  );
  const notes: string[] = [];
  for (const limit of order.limits) {
    const restricted = restrict(kept, limit);
    if (restricted.note) notes.push(restricted.note);
    kept = restricted.rows;
  }
  return { rows: kept, orderedBy: specs.map((s) => s.description).join(", "), notes };
}

function sortSpec<R>(key: string, keys: SortKeys<R>): SortSpec<R> {
  const spec = keys.args.get(key);
  if (!spec) {
    throw new UsageError(
      `%${keys.magic}: unknown sort key '${key}'. Use one of ${keys.words.join(", ")} (or an unambiguous prefix, like ${keys.words[2].slice(0, 3)}).`,
    );
  }
  return spec;
}

function stableSort<R>(rows: R[], fields: [Field<R>, 1 | -1][]): R[] {
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      for (const [field, direction] of fields) {
        const x = field(a.row);
        const y = field(b.row);
        if (x < y) return -direction;
        if (x > y) return direction;
      }
      return a.index - b.index;
    })
    .map((entry) => entry.row);
}

/**
 * pstats' `eval_print_amount`. A limit that parses as an integer is a count, as a float in
 * [0, 1) a fraction (rounded half up), anything else a regular expression searched in
 * `file:line(name)`. IPython parses -l the same way (int, then float, then string).
 */
function restrict<R extends Row>(rows: R[], limit: string): { rows: R[]; note: string | null } {
  const amount = parseAmount(limit);
  let kept = rows;
  let shown: string;
  if (typeof amount === "string") {
    let regex: RegExp;
    try {
      regex = new RegExp(amount);
    } catch {
      return { rows, note: `<Invalid regular expression ${pyRepr(amount)}>` };
    }
    kept = rows.filter((row) => regex.test(functionDescription(row)));
    shown = pyRepr(amount);
  } else {
    if (!amount.isFloat && amount.value >= 0 && amount.value < rows.length) kept = rows.slice(0, amount.value);
    if (amount.isFloat && amount.value >= 0 && amount.value < 1)
      kept = rows.slice(0, Math.floor(rows.length * amount.value + 0.5));
    shown = amount.text;
  }
  const note =
    kept.length !== rows.length
      ? `List reduced from ${rows.length} to ${kept.length} due to restriction <${shown}>`
      : null;
  return { rows: kept, note };
}

type Amount = string | { value: number; isFloat: boolean; text: string };

function parseAmount(limit: string): Amount {
  const text = limit.trim();
  if (/^[+-]?\d+$/.test(text)) return { value: Number(text), isFloat: false, text: String(Number(text)) };
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text))
    return { value: Number(text), isFloat: true, text: pyFloatRepr(Number(text)) };
  return limit;
}

/** Python's repr of a float as pstats prints it in `<%r>`: 0.5, 1.0, 1e-05. */
function pyFloatRepr(x: number): string {
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) return x.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** Python's repr of a str: single quotes unless the text has one and no double quote. */
function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s
    .replace(/\\/g, "\\\\")
    .replace(new RegExp(quote, "g"), `\\${quote}`)
    .replace(/\n/g, "\\n")
    .replace(/\t/g, "\\t");
  return `${quote}${body}${quote}`;
}

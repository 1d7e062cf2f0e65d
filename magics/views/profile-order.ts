/**
 * pstats' ordering of the %prun table: `sort_stats(*keys)` then `print_stats(*limits)`, with
 * the same key names, abbreviations, descriptions and "List reduced" messages, so that
 * `%prun -s cumulative -l 10 -l matmul` picks the rows cProfile would.
 */
import { MagicError } from "../context";
import type { FunctionStats, FunctionTable } from "../model/profile";

export interface ProfileOrder {
  /** pstats sort keys, applied as one multi-key sort (the first key decides first). */
  sort: string[];
  /** pstats print restrictions, applied in order: an integer count, a fraction, or a regex. */
  limits: string[];
}

/** The rows to show, in order, and the lines pstats prints above the table about them. */
export interface OrderedRows {
  rows: FunctionStats[];
  /** "internal time", "cumulative time, call count", …: what follows "Ordered by: ". */
  orderedBy: string;
  /** "List reduced from 12 to 3 due to restriction <3>" and invalid-regex notes, in order. */
  notes: string[];
}

type Field = (row: FunctionStats) => number | string;
type SortSpec = { fields: [Field, 1 | -1][]; description: string };

/** Unknown call counts sort as -1: below every counted function when the order is descending. */
const calls: Field = (r) => r.ncalls ?? -1;
const tottime: Field = (r) => r.tottime;
const cumtime: Field = (r) => r.cumtime;
const file: Field = (r) => r.fn.file;
const line: Field = (r) => r.fn.line;
const name: Field = (r) => r.fn.name;
const stdname: Field = (r) => functionDescription(r);

/** pstats' `sort_arg_dict_default`, in its order (the order matters for abbreviations). */
const SORT_KEYS: [string, SortSpec][] = [
  ["calls", { fields: [[calls, -1]], description: "call count" }],
  ["ncalls", { fields: [[calls, -1]], description: "call count" }],
  ["cumtime", { fields: [[cumtime, -1]], description: "cumulative time" }],
  ["cumulative", { fields: [[cumtime, -1]], description: "cumulative time" }],
  ["filename", { fields: [[file, 1]], description: "file name" }],
  ["line", { fields: [[line, 1]], description: "line number" }],
  ["module", { fields: [[file, 1]], description: "file name" }],
  ["name", { fields: [[name, 1]], description: "function name" }],
  ["nfl", { fields: [[name, 1], [file, 1], [line, 1]], description: "name/file/line" }],
  ["stdname", { fields: [[stdname, 1]], description: "standard name" }],
  ["time", { fields: [[tottime, -1]], description: "internal time" }],
  ["tottime", { fields: [[tottime, -1]], description: "internal time" }],
];

/** pstats' `get_sort_arg_defs`: every unambiguous prefix of a key means that key. */
const SORT_ARGS: Map<string, SortSpec> = (() => {
  const args = new Map<string, SortSpec>();
  const ambiguous = new Set<string>();
  for (const [word, spec] of SORT_KEYS) {
    for (let fragment = word; fragment; fragment = fragment.slice(0, -1)) {
      if (args.has(fragment)) {
        ambiguous.add(fragment);
        break;
      }
      args.set(fragment, spec);
    }
  }
  for (const fragment of ambiguous) args.delete(fragment);
  return args;
})();

/** cProfile's `func_std_string`: `file:line(name)`, or `{name}` for the runtime's own frames. */
export function functionDescription(row: Pick<FunctionStats, "fn">): string {
  const { fn } = row;
  if (fn.category === "runtime") return `{${fn.name.replace(/^<(.*)>$/, "$1")}}`;
  return `${fn.file}:${fn.line}(${fn.name})`;
}

export function orderRows(table: FunctionTable, order: ProfileOrder): OrderedRows {
  const specs = (order.sort.length ? order.sort : ["time"]).map(sortSpec);
  const sorted = stableSort(table.rows, specs.flatMap((s) => s.fields));
  let rows = sorted;
  const notes: string[] = [];
  for (const limit of order.limits) {
    const restricted = restrict(rows, limit);
    if (restricted.note) notes.push(restricted.note);
    rows = restricted.rows;
  }
  return { rows, orderedBy: specs.map((s) => s.description).join(", "), notes };
}

function sortSpec(key: string): SortSpec {
  const spec = SORT_ARGS.get(key);
  if (!spec) {
    const known = SORT_KEYS.map(([word]) => word).join(", ");
    throw new MagicError(`%prun: unknown sort key '${key}'. Use one of ${known} (or an unambiguous prefix, like cum).`);
  }
  return spec;
}

function stableSort(rows: FunctionStats[], fields: [Field, 1 | -1][]): FunctionStats[] {
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
function restrict(rows: FunctionStats[], limit: string): { rows: FunctionStats[]; note: string | null } {
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
    if (amount.isFloat && amount.value >= 0 && amount.value < 1) kept = rows.slice(0, Math.floor(rows.length * amount.value + 0.5));
    shown = amount.text;
  }
  const note = kept.length !== rows.length ? `List reduced from ${rows.length} to ${kept.length} due to restriction <${shown}>` : null;
  return { rows: kept, note };
}

type Amount = string | { value: number; isFloat: boolean; text: string };

function parseAmount(limit: string): Amount {
  const text = limit.trim();
  if (/^[+-]?\d+$/.test(text)) return { value: Number(text), isFloat: false, text: String(Number(text)) };
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return { value: Number(text), isFloat: true, text: pyFloatRepr(Number(text)) };
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
  const body = s.replace(/\\/g, "\\\\").replace(new RegExp(quote, "g"), `\\${quote}`).replace(/\n/g, "\\n").replace(/\t/g, "\\t");
  return `${quote}${body}${quote}`;
}

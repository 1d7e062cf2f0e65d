/**
 * Which functions of several profiles are the same function: a cell function by its name, not its cell;
 * others by file and name; by cell location where a run holds two of one name.
 * See docs/how-it-works.md, "From readings to tables".
 */
import type { FunctionRef } from "../../model/profile";
import { functionDescription } from "../../views/profile-order";

/** Each run's functions, in order, given their match keys; the notes say where names were ambiguous. */
export interface FunctionKeys {
  keys: string[][];
  notes: string[];
}

/**
 * Anonymous functions are named after their location (`<anonymous>@<cell 3>:12`); the location is
 * not part of the name that matches.
 */
export function baseName(fn: FunctionRef): string {
  return fn.name.replace(/@<cell \d+>:\d+$/, "");
}

function nameKey(fn: FunctionRef): string {
  return fn.category === "cell" ? `cell|${baseName(fn)}` : `${fn.category}|${fn.file}|${fn.name}`;
}

/** Where a function is, as a compared row shows it per run: `<cell 3>:12`, `node:fs:441`, `{(garbage collector)}`. */
export function functionLocation(fn: FunctionRef): string {
  return fn.category === "runtime" ? functionDescription({ fn }) : `${fn.file}:${fn.line}`;
}

export function functionKeys(runs: readonly (readonly FunctionRef[])[]): FunctionKeys {
  const ambiguous = new Map<string, string>();
  for (const run of runs) {
    const seen = new Set<string>();
    for (const fn of run) {
      const key = nameKey(fn);
      if (seen.has(key)) ambiguous.set(key, baseName(fn));
      seen.add(key);
    }
  }
  const keys = runs.map((run) =>
    run.map((fn) => (ambiguous.has(nameKey(fn)) ? `at|${functionDescription({ fn })}` : nameKey(fn))),
  );
  const notes = ambiguous.size
    ? [
        `Matched by cell location, not by name, because a run has more than one function ` +
          `named: ${[...ambiguous.values()].join(", ")}`,
      ]
    : [];
  return { keys, notes };
}

/**
 * The row's label: `file:line(name)` where it stayed; `name (<cell 3>:12 → <cell 7>:1)` where it
 * moved; each `file:line(name)` in turn where the name changed too (one %lprun function per run).
 */
export function movedLabel(fns: readonly (FunctionRef | null)[]): string {
  const present = fns.filter((fn): fn is FunctionRef => fn !== null);
  const changes = <T>(values: T[]) => values.filter((value, i) => i === 0 || value !== values[i - 1]);
  const places = changes(present.map(functionLocation));
  const last = present[present.length - 1];
  if (new Set(present.map(baseName)).size > 1)
    return changes(present.map((fn) => functionDescription({ fn }))).join(" → ");
  return places.length > 1 ? `${baseName(last)} (${places.join(" → ")})` : functionDescription({ fn: last });
}

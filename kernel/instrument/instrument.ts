/**
 * What tsprof adds to every cell's and local module's JavaScript before it runs: a call counter at each
 * function's entry and one for the top level, and twin spots for %lprun; no line break is added.
 * See docs/how-it-works.md, "Call counters".
 */
import v8 from "node:v8";
import type * as acorn from "acorn";
import MagicString from "magic-string";
import type { FunctionSite } from "./functions";
import { afterArrow, walk } from "./ast";

/**
 * V8 gives a function its feedback vector only after a few calls, so a counter at the entry of a
 * function called once (a cell's `main()` with a hot loop) runs before there is feedback to
 * record; TurboFan then compiles it as never run, deopts there, and the loop can stay in
 * worse code: a loop of tiny calls measured several times slower with counters than without.
 * With feedback vectors allocated from the first call it runs as fast as under tslab. Setting the
 * flag now affects the functions created from now on: all the cells'.
 */
export const KERNEL_V8_FLAGS = ["--no-lazy-feedback-allocation"];
for (const flag of KERNEL_V8_FLAGS) v8.setFlagsFromString(flag);

/** Index of the counter of a unit's top-level code: after its functions' counters. */
export function topLevelCounter(sites: readonly FunctionSite[]): number {
  return sites.length;
}

/**
 * Inserts the counters into a unit's JS (see the file comment). `wrapper` encloses a cell's code in
 * the function the executor calls (modules get Node's own).
 */
export function instrumentUnit(
  js: string,
  program: acorn.Program,
  sites: FunctionSite[],
  unitId: number,
  wrapper: { head: string; tail: string } | null,
): MagicString {
  const s = new MagicString(js);
  // A hashbang is a comment only as a file's first characters: behind the prologue, a `//` one is.
  if (js.startsWith("#!")) s.overwrite(0, 2, "//");
  s.prepend(
    `const __tsprof_u = __tsprof__.unit(${unitId}), __tsprof_c = __tsprof_u.calls, __tsprof_k = __tsprof__.counting; ${counterCode(topLevelCounter(sites))}; `,
  );
  for (const site of sites) insertEntry(s, js, site);
  for (const value of instanceFieldValues(program)) s.appendLeft(value.start, TWIN_SPOT);
  const closingAt = expressionBodiesByEnd(sites);
  for (const site of sites) site.executedText = ownText(s.slice(site.start, site.end), site, closingAt);
  if (wrapper) s.prepend(wrapper.head).append(wrapper.tail);
  return s;
}

/**
 * Two zero-width no-break spaces (JavaScript whitespace, invisible in a function's text), between
 * which %lprun inserts a twin inside a line. V8's live edit diffs a changed line character by
 * character, and a diff places an insertion exactly where it was made only when the characters on
 * both sides of it occur nowhere in the inserted text; otherwise it may match the line's own
 * characters with some inside the insertion, and V8 then takes the function for a new one that
 * no existing closure runs. No inserted text contains these characters.
 */
export const TWIN_SPOT = "\uFEFF\uFEFF";

/** How every call counter statement starts: %lprun's probes leave these statements out. */
export const CALL_COUNTER_PREFIX = "(__tsprof_k.active && ";

function counterCode(index: number): string {
  return `${CALL_COUNTER_PREFIX}__tsprof_c[${index}]++)`;
}

/**
 * Puts the counter where the function's body starts: a statement in a block, a comma expression
 * around an arrow's expression.
 */
function insertEntry(s: MagicString, js: string, site: FunctionSite): void {
  const counter = counterCode(site.index);
  const body = site.node.body;
  if (body.type === "BlockStatement") {
    s.appendLeft(site.bodyStart, ` ${counter};${TWIN_SPOT}`);
  } else {
    s.appendLeft(afterArrow(js, body), TWIN_SPOT);
    s.appendLeft(body.start, `(${counter}, `);
    s.appendLeft(body.end, ")");
  }
}

/**
 * A function's text as V8 gives it, from a slice of the instrumented unit: the slice ends with
 * the closing parenthesis of each enclosing arrow whose expression body ends where it does.
 */
function ownText(slice: string, site: FunctionSite, closingAt: Map<number, FunctionSite[]>): string {
  const enclosing = (closingAt.get(site.end) ?? []).filter((s) => s.node.start < site.node.start);
  return slice.slice(0, slice.length - enclosing.length);
}

/** The arrows with an expression body (whose closing parenthesis goes where the body ends), by that end. */
function expressionBodiesByEnd(sites: FunctionSite[]): Map<number, FunctionSite[]> {
  const byEnd = new Map<number, FunctionSite[]>();
  for (const site of sites) {
    const body = site.node.body;
    if (body.type !== "BlockStatement") byEnd.set(body.end, [...(byEnd.get(body.end) ?? []), site]);
  }
  return byEnd;
}

/** The initializers of classes' instance fields: a class owner's twin puts one of its own before each. */
function instanceFieldValues(program: acorn.Program): acorn.Expression[] {
  const values: acorn.Expression[] = [];
  walk(program as acorn.AnyNode, (n) => {
    if (n.type === "PropertyDefinition" && !n.static && n.value) values.push(n.value);
  });
  return values;
}

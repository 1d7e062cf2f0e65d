/**
 * The call counters tsprof compiles into every cell's (and local module's) functions, for %prun's
 * exact ncalls (docs/how-it-works.md, "Call counters"). They count only while %prun runs, and one
 * more, after the functions', counts runs of the unit's top level: cProfile's `<module>` row.
 * Nothing here adds or removes a line break, so executed lines stay the compiled lines.
 */
import v8 from "node:v8";
import type * as acorn from "acorn";
import MagicString from "magic-string";
import type { FunctionSite } from "./functions";

/**
 * V8 gives a function its feedback vector only after a few calls, so a counter at the entry of a
 * function called once (a cell's `main()` with a hot loop) runs before there is feedback to
 * record; TurboFan then compiles it as never run, deopts there, and the loop can stay in
 * worse code: a loop of tiny calls measured several times slower with counters than without.
 * With feedback vectors allocated from the first call it runs as fast as under tslab. Setting the
 * flag now affects the functions created from now on: all the cells'.
 */
v8.setFlagsFromString("--no-lazy-feedback-allocation");

/** Index of the counter of a unit's top-level code: after its functions' counters. */
export function topLevelCounter(sites: readonly FunctionSite[]): number {
  return sites.length;
}

/**
 * Inserts the counters into a unit's JS (see the file comment). `wrapper` encloses a cell's code in the function the executor calls
 * (modules get Node's own).
 */
export function instrumentUnit(
  js: string,
  sites: FunctionSite[],
  unitId: number,
  wrapper: { head: string; tail: string } | null,
): MagicString {
  const s = new MagicString(js);
  s.prepend(
    `const __tsprof_u = __tsprof__.unit(${unitId}), __tsprof_c = __tsprof_u.calls, __tsprof_k = __tsprof__.counting; ${counterCode(topLevelCounter(sites))}; `,
  );
  for (const site of sites) insertEntry(s, site);
  for (const site of sites) site.executedText = s.slice(site.start, site.end);
  if (wrapper) s.prepend(wrapper.head).append(wrapper.tail);
  return s;
}

/** How every call counter statement starts: %lprun's probes leave these statements out. */
export const CALL_COUNTER_PREFIX = "(__tsprof_k.active && ";

function counterCode(index: number): string {
  return `${CALL_COUNTER_PREFIX}__tsprof_c[${index}]++)`;
}

/** Puts the counter where the function's body starts: a statement in a block, a comma expression around an arrow's expression. */
function insertEntry(s: MagicString, site: FunctionSite): void {
  const counter = counterCode(site.index);
  const body = site.node.body;
  if (body.type === "BlockStatement") {
    s.appendLeft(site.bodyStart, ` ${counter};`);
  } else {
    s.appendLeft(body.start, `(${counter}, `);
    s.appendLeft(body.end, ")");
  }
}

/** Finds where a function object was defined: which unit, which function in it. */
import type { FunctionRef } from "../../magics/model/profile";
import type { FunctionSite } from "../instrument/functions";
import { executedText } from "../instrument/function-text";
import { functionRef, type Unit, type UnitRegistry } from "./units";

export interface FunctionLocation {
  unit: Unit;
  site: FunctionSite;
}

/**
 * A function's executed text (counter included) identifies it among the units; when a cell was
 * run twice, the latest wins.
 */
export function findDefinition(units: UnitRegistry, fn: Function): FunctionLocation | null {
  const text = executedText(fn);
  const all = units.all();
  for (let u = all.length - 1; u >= 0; u--) {
    const site = all[u].functions.find((s) => s.executedText.endsWith(text) && text.length > 0);
    if (site) return { unit: all[u], site };
  }
  return null;
}

export function locateFunction(units: UnitRegistry, fn: Function): FunctionRef {
  const found = findDefinition(units, fn);
  if (found) return functionRef(found.unit, found.site);
  const native = /\{\s*\[native code\]\s*\}$/.test(executedText(fn));
  return { name: fn.name || "<anonymous>", file: "", line: 0, category: native ? "runtime" : "library" };
}

/**
 * Turns V8 CPU-profile frames into the user's terms: a cell function becomes `matmul` at
 * `<cell 2>:3` (its TypeScript line) with its call counter; the kernel's own frames are dropped.
 */
import path from "node:path";
import type { FunctionCategory, FunctionRef } from "../../magics/model/profile";
import type { CountedCalls, ProfilingHooks, ResolvedFrame, V8Frame } from "../../magics/core/context";
import type { Executor } from "./executor";
import { topLevelCounter } from "../instrument/instrument";
import { anonymousAt, functionRef, type Unit } from "./units";
import { isTslabCode } from "./tslab-bridge";

const RUNTIME_FRAME = /^\(.*\)$/;
const kernelRoot = path.resolve(__dirname, "..", "..", "..");

/** What the profilers need of the code they profile: a notebook's executor, or a script's units (kernel/cli). */
export type ProfiledCode = Pick<Executor, "units" | "unitForScript">;

export function profilingHooks(executor: ProfiledCode, cwd: string): ProfilingHooks {
  return {
    resolveFrame: (frame) => resolveFrame(executor, cwd, frame),
    readCallCounters: () => executor.units.snapshotCalls(),
    countCalls: (execute) => executor.units.countCalls(execute),
    callsBetween: (before, after) => callsBetween(executor, before, after),
  };
}

function callsBetween(executor: ProfiledCode, before: Uint32Array[], after: Uint32Array[]): CountedCalls[] {
  const out: CountedCalls[] = [];
  after.forEach((counts, unitId) => {
    const unit = executor.units.get(unitId)!;
    counts.forEach((n, index) => {
      // Counters wrap at 2^32; the difference mod 2^32 is exact below 4.29 billion calls a statement.
      const calls = (n - (before[unitId]?.[index] ?? 0)) >>> 0;
      if (calls > 0) out.push({ ref: counterRef(unit, index), counter: { unit: unitId, index }, calls });
    });
  });
  return out;
}

function resolveFrame(executor: ProfiledCode, cwd: string, frame: V8Frame): ResolvedFrame | null {
  const unit = executor.unitForScript(frame.url);
  if (unit) return unitFrame(unit, frame);
  if (isKernelCode(frame.url)) return null;
  if (frame.url === "" && RUNTIME_FRAME.test(frame.functionName)) {
    return { ref: { name: frame.functionName, file: "", line: 0, category: "runtime" }, counter: null };
  }
  const category: FunctionCategory = frame.url.startsWith("node:") ? "node" : frame.url === "" ? "runtime" : "library";
  const file = path.isAbsolute(frame.url) ? path.relative(cwd, frame.url) : frame.url;
  return {
    ref: {
      name: anonymousAt(frame.functionName || "<anonymous>", file, frame.lineNumber),
      file,
      line: frame.lineNumber,
      category,
    },
    counter: null,
  };
}

/** What a unit's counter counts: one of its functions, or (the last one) its top level. */
function counterRef(unit: Unit, index: number): FunctionRef {
  return index === topLevelCounter(unit.functions) ? topLevelRef(unit) : functionRef(unit, unit.functions[index]);
}

/** cProfile's `<string>:1(<module>)`: the statement's (or an imported module's) top-level code. */
function topLevelRef(unit: Unit): FunctionRef {
  return { name: "<module>", file: unit.file, line: unit.firstLine, category: unit.category };
}

/** The innermost function of the unit containing the frame's position; outside all, the unit's top level. */
function unitFrame(unit: Unit, frame: V8Frame): ResolvedFrame {
  const line = frame.lineNumber;
  const column = frame.columnNumber - 1;
  const inside = unit.functions.filter((site) => {
    const { start, end } = executedRange(unit, site.index);
    return before(start, line, column) && before({ line, column }, end.line, end.column);
  });
  const site = inside.sort((a, b) => b.start - a.start)[0];
  if (!site) return { ref: topLevelRef(unit), counter: { unit: unit.id, index: topLevelCounter(unit.functions) } };
  return { ref: functionRef(unit, site), counter: { unit: unit.id, index: site.index } };
}

function before(a: { line: number; column: number }, line: number, column: number): boolean {
  return a.line < line || (a.line === line && a.column <= column);
}

function executedRange(unit: Unit, index: number) {
  const site = unit.functions[index];
  return { start: site.executedStart, end: site.executedEnd };
}

/** The kernel's own code (and tslab's, and the profiler's) is not part of the user's profile. */
function isKernelCode(url: string): boolean {
  if (url.startsWith("node:internal/") || url === "tsprof:interruptible" || isTslabCode(url)) return true;
  if (!url.startsWith(kernelRoot)) return false;
  const rel = path.relative(kernelRoot, url);
  return rel.startsWith("dist") || rel.startsWith(path.join("node_modules", "v8-profiler-next"));
}

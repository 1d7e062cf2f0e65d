/**
 * Compiled units — cells, magic statements and the local modules they import — with their
 * functions, the way back to their source lines, and the call counters compiled into them
 * (instrument.ts). The profilers find functions, source lines and counts here.
 */
import * as acorn from "acorn";
import {
  TraceMap,
  originalPositionFor,
  generatedPositionFor,
  GREATEST_LOWER_BOUND,
  LEAST_UPPER_BOUND,
} from "@jridgewell/trace-mapping";
import type { FunctionCategory, FunctionRef } from "../../magics/model/profile";
import type { SourceUnit } from "../../magics/core/context";
import { findFunctions, PARSE_OPTIONS, type FunctionSite } from "../instrument/functions";
import { instrumentUnit, topLevelCounter } from "../instrument/instrument";
import { executedText, showWrittenText } from "../instrument/function-text";

const remapping: (maps: unknown[], loader: () => null) => object = require("@jridgewell/remapping");

/** Whether the units' call counters count, reached by their code through `__tsprof__.counting`: while `active` > 0. */
export interface CallCounting {
  active: number;
}

/**
 * Runtime state of a unit, reached by its code through `__tsprof__.unit(id)`: its functions' call
 * counts (and its top level's, last).
 */
export interface UnitRuntime {
  calls: Uint32Array;
}

export interface Unit extends SourceUnit {
  id: number;
  category: FunctionCategory;
  /** 1-based line of the cell (or file) where `source` starts. */
  firstLine: number;
  /** Lines of the source file the map points to that come before the user's first line. */
  lineOffset: number;
  /** The JS compiled from the source (a cell's: the body of its script). */
  baseJs: string;
  /** The JS that runs: baseJs with its call counters, in its wrapper (a line of it is a line of baseJs). */
  code: string;
  functions: FunctionSite[];
  runtime: UnitRuntime;
  /** Executed JS → source (TypeScript) position. */
  map: TraceMap;
  /** baseJs → source position; null when baseJs is the source itself. */
  baseMap: TraceMap | null;
}

export interface UnitSpec {
  file: string;
  source: string;
  /** 1-based line of the cell (or file) where `source` starts: cell parts below a magic start lower. */
  firstLine: number;
  category: FunctionCategory;
  lineOffset: number;
  baseJs: string;
  /** Source maps from `baseJs` to the source, the one nearest `baseJs` first; none when the JS is the source. */
  baseMaps: object[];
  /** Code around a cell's JS that makes it the script the executor runs; null for modules. */
  wrapper: { head: string; tail: string } | null;
}

/** Where each function landed in the executed code (the positions V8 reports in profiles). */
function locateExecuted(functions: FunctionSite[], editMap: TraceMap, file: string): void {
  for (const site of functions) {
    const { start, end } = site.node.loc!;
    const at = (p: acorn.Position) => {
      const g = generatedPositionFor(editMap, { source: file, line: p.line, column: p.column });
      return { line: g.line ?? p.line, column: g.column ?? p.column };
    };
    site.executedStart = at(start);
    site.executedEnd = at(end);
  }
}

export class UnitRegistry {
  private readonly units: Unit[] = [];
  private readonly byFile = new Map<string, Unit[]>();
  private readonly counting: CallCounting = { active: 0 };

  constructor() {
    const shared = ((globalThis as any).__tsprof__ ??= {});
    Object.assign(shared, { unit: (id: number) => this.units[id].runtime, counting: this.counting, executedText });
    showWrittenText();
    // A field that has never changed is compiled in as a constant, and the first %prun would then
    // deoptimize every hot function while it profiles them. Changed once here, it is read like any
    // field, which costs unprofiled code nothing measurable (bench: unprofiled_vs_tslab_tiny_calls).
    this.counting.active = 1;
    this.counting.active = 0;
  }

  /** Runs `execute` with the call counters counting (they cost unprofiled code nothing while off). */
  async countCalls<T>(execute: () => Promise<T>): Promise<T> {
    this.counting.active++;
    try {
      return await execute();
    } finally {
      this.counting.active--;
    }
  }

  /**
   * Instruments a unit's JS with its call counters and records it: its functions, where they run,
   * and its maps (composed when first asked for).
   */
  add(spec: UnitSpec): Unit {
    const { baseMaps, ...rest } = spec;
    const id = this.units.length;
    const program = acorn.parse(spec.baseJs, PARSE_OPTIONS);
    const functions = findFunctions(program);
    const edited = instrumentUnit(spec.baseJs, program, functions, id, spec.wrapper);
    const editMap = edited.generateMap({ hires: true, source: spec.file, includeContent: false });
    locateExecuted(functions, new TraceMap(editMap as any), spec.file);
    // Composed when first asked for (a traceback, a profile): most cells never need it.
    let map: TraceMap | undefined;
    let baseMap: TraceMap | null | undefined;
    const unit: Unit = {
      ...rest,
      get baseMap() {
        return (baseMap ??= baseMaps.length ? new TraceMap(composed(baseMaps)) : null);
      },
      id,
      code: edited.toString(),
      functions,
      runtime: { calls: new Uint32Array(topLevelCounter(functions) + 1) },
      get map() {
        return (map ??= new TraceMap(composed([editMap, ...baseMaps])));
      },
      toSourceLine: (jsLine, jsColumn) => sourceLine(unit.map, unit.lineOffset, jsLine, jsColumn),
    };
    this.units.push(unit);
    this.byFile.set(spec.file, [...(this.byFile.get(spec.file) ?? []), unit]);
    return unit;
  }

  get(id: number): Unit | undefined {
    return this.units[id];
  }

  /** Units whose executed code has this file name (a cell may have several: code and magics). */
  forFile(file: string): Unit[] {
    return this.byFile.get(file) ?? [];
  }

  all(): readonly Unit[] {
    return this.units;
  }

  /** Snapshot of every unit's call counters, to diff around a profiled statement. */
  snapshotCalls(): Uint32Array[] {
    return this.units.map((u) => u.runtime.calls.slice());
  }
}

function composed(maps: object[]): any {
  return maps.length === 1 ? maps[0] : remapping(maps, () => null);
}

/** Source line of a position in the unit's JS (baseJs). */
export function baseSourceLine(unit: Unit, jsLine: number, jsColumn: number): number | null {
  return unit.baseMap ? sourceLine(unit.baseMap, unit.lineOffset, jsLine, jsColumn) : jsLine - unit.lineOffset;
}

function sourceLine(map: TraceMap, lineOffset: number, jsLine: number, jsColumn: number): number | null {
  // Mappings start at the first token of a statement; look right on the line when the exact
  // column has none (e.g. a position inside inserted code).
  for (const bias of [GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND] as const) {
    const pos = originalPositionFor(map, { line: jsLine, column: jsColumn, bias });
    if (pos.line !== null) {
      const line = pos.line - lineOffset;
      return line >= 1 ? line : null;
    }
  }
  return null;
}

/** The user's view of a function of a unit: its name, file and source line. */
export function functionRef(unit: Unit, site: FunctionSite): FunctionRef {
  const pos = site.node.loc!.start;
  const line = baseSourceLine(unit, pos.line, pos.column) ?? 0;
  return { name: anonymousAt(site.name, unit.file, line), file: unit.file, line, category: unit.category };
}

/**
 * Anonymous functions are told apart by where they are (`<anonymous>@<cell 3>:12`): in a flame
 * chart the name is all there is.
 */
export function anonymousAt(name: string, file: string, line: number): string {
  return name === "<anonymous>" ? `<anonymous>@${file}:${line}` : name;
}

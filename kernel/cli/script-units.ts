/**
 * A script's compiled files as the profilers know code: each a Unit in a UnitRegistry, found by the URL
 * V8 reports for it (a path for CommonJS, a file: URL for ES modules), as a notebook's local modules are.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { UnitRegistry, type Unit } from "../exec/units";
import type { CompiledCode } from "../line-profiler/line-hooks";
import type { CompiledFile } from "./compile";

const USE_STRICT = /^(\s*\/\/[^\n]*\n|\s*\/\*[\s\S]*?\*\/)*\s*["']use strict["']/;

export class ScriptUnits implements CompiledCode {
  readonly units = new UnitRegistry();
  private readonly byUrl = new Map<string, Unit>();
  private readonly byPath = new Map<string, { unit: Unit; compiled: CompiledFile }>();

  constructor(files: CompiledFile[], cwd: string) {
    for (const compiled of files) {
      const unit = this.units.add({
        file: path.relative(cwd, compiled.file),
        source: compiled.source,
        firstLine: 1,
        category: "module",
        lineOffset: 0,
        baseJs: compiled.js,
        baseMaps: compiled.map ? [compiled.map] : [],
        wrapper: null,
      });
      this.byPath.set(compiled.file, { unit, compiled });
      this.byUrl.set(compiled.file, unit);
      this.byUrl.set(pathToFileURL(compiled.file).href, unit);
    }
  }

  unitForScript(url: string): Unit | undefined {
    return this.byUrl.get(url);
  }

  /** The unit compiled from a source file (absolute). */
  unitOf(file: string): Unit | undefined {
    return this.byPath.get(file)?.unit;
  }

  /** Local modules' exports are not read: `-m` and `-f` find a script's functions in its source (script-targets.ts). */
  exportsOf(): undefined {
    return undefined;
  }

  /**
   * What Node runs for a file: `code` (the unit's, or %lprun's version of it) with the compiled
   * file's "use strict" first again. The counters' prologue goes before the file's first
   * statement, which then is no longer a directive, and the CommonJS TypeScript emits would run
   * sloppy. A directive in front keeps every line where it was.
   */
  runnable(compiled: CompiledFile, code: string): string {
    return compiled.format === "commonjs" && USE_STRICT.test(compiled.js) ? `"use strict";${code}` : code;
  }

  files(): { unit: Unit; compiled: CompiledFile }[] {
    return [...this.byPath.values()];
  }
}

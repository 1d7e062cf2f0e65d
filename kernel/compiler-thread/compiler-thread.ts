/**
 * The kernel's TypeScript side, in a worker thread of its own: tslab's converter and every syntax check
 * that needs TypeScript (split, `is_complete`, trimming declarations), called synchronously through
 * compiler.ts. See docs/how-it-works.md, "The compiler thread".
 */
import { runAsWorker } from "synckit";
import { converter, metadata, type CellConverter, type ConvertResult, type Diagnostic } from "./tslab-compiler";
import { convertPlainCell, prepareForPlainCells } from "./plain-cells";
import { splitCell } from "./split";
import { isComplete } from "./completeness";
import { withUnboundValuesRestored } from "./declarations";
import { warmUp } from "./warm-up";

/** What `compile` gives: a module cell's diagnostics, or the converter's result. */
export type Compiled = { module: true; diagnostics: Diagnostic[] } | ({ module: false } & ConvertResult);

const converters = new Map<number, CellConverter>();
let lastConverterId = 0;

function converterOf(id: number): CellConverter {
  const found = converters.get(id);
  if (!found) throw new Error(`compiler thread: no converter ${id} (closed?)`);
  return found;
}

export const compilerService = {
  createConverter(): number {
    converters.set(++lastConverterId, converter.createConverter({ isJS: false, isBrowser: false }));
    return lastConverterId;
  },
  /** Warms up the converter's compile in the background (warm-up.ts) and returns at once. */
  warmUp(id: number): void {
    void warmUp(() => converters.get(id));
  },
  /** Prepares for the next plain cell (plain-cells.ts) in a later turn, and returns at once. */
  prepareForPlainCells(id: number, prevDecl: string): void {
    setImmediate(() => {
      const cells = converters.get(id);
      try {
        if (cells) prepareForPlainCells(cells, prevDecl);
      } catch {
        // Only a head start: the next cell then compiles as any other does, and reports its own errors.
      }
    });
  },
  closeConverter(id: number): void {
    converters.get(id)?.close();
    converters.delete(id);
  },
  convert: (id: number, prevDecl: string, src: string) => converterOf(id).convert(prevDecl, src),
  /**
   * A cell's code in one call (one round trip from the main thread): a module cell (tslab's
   * `//@module` metadata) is added as a module, any other converted.
   */
  compile(id: number, prevDecl: string, src: string): Compiled {
    const meta = metadata.getCodeMetadata(src);
    if (meta.module) return { module: true, diagnostics: converterOf(id).addModule(meta.module, src, meta) };
    const cells = converterOf(id);
    return { module: false, ...(convertPlainCell(cells, prevDecl, src) ?? cells.convert(prevDecl, src)) };
  },
  complete: (id: number, prevDecl: string, src: string, cursor: number) =>
    converterOf(id).complete(prevDecl, src, cursor),
  inspect: (id: number, prevDecl: string, src: string, cursor: number) =>
    converterOf(id).inspect(prevDecl, src, cursor),
  codeMetadata: (src: string) => metadata.getCodeMetadata(src),
  splitCell,
  isComplete,
  withUnboundValuesRestored,
};

export type CompilerService = typeof compilerService;
type Method = keyof CompilerService;

runAsWorker((method: Method, args: unknown[]) => (compilerService[method] as (...a: unknown[]) => unknown)(...args));

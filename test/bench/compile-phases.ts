/**
 * Where a cell's time goes in tsprof's executor, measured in this process with the kernel's own
 * parts, and what type-checking costs it. No target: a report.
 *
 * - The executor's whole run of the cell, the converter's share of it (in the compiler thread,
 *   called through synckit), one bare round trip to that thread, and the cell-script transform.
 * - The type check: tslab's converter (a new type checker over the notebook's program, the
 *   diagnostics, the JS and the declarations carried to the next cell) against TypeScript's emit
 *   alone (`transpileModule` with the kernel's no-check directive: what a kernel that does not
 *   type-check pays), both in this thread with the same TypeScript, equally warmed up.
 *
 * Each run's cell differs from the one before by a comment line, as a notebook's next cell
 * differs from its last: the converter's program is then updated, as it is for every cell in
 * use (the same text twice in a row would reuse the program and time nothing of the check).
 */
import { compiler } from "../../kernel/exec/compiler";
import { cellScript } from "../../kernel/exec/cell-script";
import { takeInlineSourceMap } from "../../kernel/exec/inline-source-map";
import { converter, typescript as ts, WITHOUT_TYPE_CHECK } from "../../kernel/compiler-thread/tslab-compiler";
import { benchSession } from "./session";
import { median, msSpread, round, timeOnce } from "./stats";
import { DEFINING_CELL } from "./workloads";

const RUNS = 15;
const ONE = "function one(): number { return 1; }";

/** The phases of a plain cell (`one()`) and of the 25-line defining cell. */
export async function compilePhases() {
  return {
    plain_cell: await phases(ONE, "one()"),
    defining_cell: await phases("", DEFINING_CELL),
  };
}

/** Milliseconds of each phase of `cell` (after `setup` ran), over RUNS runs after as many untimed ones (the bench's own code paths warm up). */
async function phases(setup: string, cell: string) {
  const session = benchSession();
  const inThread = compiler.createConverter();
  const here = converter.createConverter({ isJS: false, isBrowser: false });
  try {
    if (setup) await session.evaluate(setup);
    // Each cell's declarations carry to the next, as in the executor.
    const initialDecl = setup ? (here.convert("", setup).declOutput ?? "") : "";
    let prevDecl = { inThread: initialDecl, here: initialDecl };
    const ms = {
      run: [] as number[],
      roundTrip: [] as number[],
      converter: [] as number[],
      cellScript: [] as number[],
      converterHere: [] as number[],
      emitAlone: [] as number[],
    };
    const record = (r: number, key: keyof typeof ms, value: number) => r >= RUNS && ms[key].push(value);
    for (let r = 0; r < 2 * RUNS; r++) {
      const code = `${cell}\n// run ${r}`;
      record(r, "run", await timed(() => session.evaluate(code)));
      record(r, "roundTrip", await timed(() => compiler.codeMetadata(code)));
      let converted!: ReturnType<typeof compiler.convert>;
      record(r, "converter", await timed(() => (converted = compiler.convert(inThread, prevDecl.inThread, code))));
      record(r, "cellScript", await timed(() => cellScript(takeInlineSourceMap(converted.output ?? "").code)));
      let convertedHere!: ReturnType<typeof here.convert>;
      record(r, "converterHere", await timed(() => (convertedHere = here.convert(prevDecl.here, code))));
      record(
        r,
        "emitAlone",
        await timed(() =>
          ts.transpileModule(WITHOUT_TYPE_CHECK + code, {
            compilerOptions: {
              target: ts.ScriptTarget.ES2022,
              module: ts.ModuleKind.ESNext,
              skipDefaultLibCheck: true,
              inlineSourceMap: true,
            },
          }),
        ),
      );
      prevDecl = { inThread: converted.declOutput ?? "", here: convertedHere.declOutput ?? "" };
    }
    return {
      executor_run_ms: msSpread(ms.run),
      converter_in_compiler_thread_ms: msSpread(ms.converter),
      compiler_thread_round_trip_ms: msSpread(ms.roundTrip),
      cell_script_transform_ms: msSpread(ms.cellScript),
      // The executor makes one round trip, the converter's (timed with it).
      rest_of_executor_run_ms: round(median(ms.run) - median(ms.converter) - median(ms.cellScript), 2),
      type_check: {
        converter_ms: msSpread(ms.converterHere),
        emit_alone_ms: msSpread(ms.emitAlone),
        type_check_and_declarations_ms: round(median(ms.converterHere) - median(ms.emitAlone), 2),
      },
    };
  } finally {
    here.close();
    compiler.closeConverter(inThread);
    session.close();
  }
}

const timed = async (fn: () => unknown) => (await timeOnce(fn)) * 1e3;

/**
 * %load_ext — IPython loads extensions with it; the article starts its notebook with
 * `%load_ext line_profiler` and `%load_ext memory_profiler`. Their magics are built into tsprof,
 * so those lines answer with a note instead of failing, and the article's cells run as written.
 */
import { UsageError } from "../core/context";
import { defineMagic } from "../core/registry";

/** The Python extensions whose magics tsprof has built in, and which magics those are. */
const BUILT_IN: Record<string, string> = {
  line_profiler: "%lprun",
  memory_profiler: "%memit and %mprun",
};

export const loadExt = defineMagic({
  name: "load_ext",
  forms: ["line"],
  summary:
    "Load an IPython extension: line_profiler's and memory_profiler's magics are built in, so this only says so.",
  description: `
IPython's %load_ext loads an extension module. tsprof has no Python extensions to load; the two
the profiling tutorials load, line_profiler (%lprun) and memory_profiler (%memit, %mprun), are
built in, and %load_ext of either answers with a one-line note. Any other name is an error.

Examples:
  %load_ext line_profiler
  %load_ext memory_profiler`,
  positional: "extension",
  options: {},
  async run(ctx, call) {
    const name = call.rest.trim();
    const magics = BUILT_IN[name];
    if (!magics)
      throw new UsageError(
        `%load_ext: no extension ${JSON.stringify(name)} in tsprof; ${Object.keys(BUILT_IN).join(
          " " + "and ",
        )} are built in (their magics need no %load_ext).`,
      );
    ctx.print(`${name}'s magics (${magics}) are built into tsprof: nothing to load.\n`);
  },
});

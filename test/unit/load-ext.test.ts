import { test } from "node:test";
import assert from "node:assert/strict";
import { fakeContext } from "./fake-context";
import { createRegistry } from "../../magics";
import { parseMagicArgs } from "../../magics/core/registry";
import { UsageError } from "../../magics/core/context";

const loadExt = createRegistry().get("load_ext", "line");

async function run(line: string): Promise<string> {
  const { ctx, recorded } = fakeContext();
  const { options, rest } = parseMagicArgs(loadExt, line);
  await loadExt.run(ctx, { form: "line", options, rest, body: "", statement: rest });
  return recorded.printed.join("");
}

test("%load_ext line_profiler and memory_profiler, as the article writes them, answer that the magics are built in", async () => {
  assert.equal(await run("line_profiler"), "line_profiler's magics (%lprun) are built into tsprof: nothing to load.\n");
  assert.equal(
    await run("memory_profiler"),
    "memory_profiler's magics (%memit and %mprun) are built into tsprof: nothing to load.\n",
  );
});

test("%load_ext of anything else is a usage error", async () => {
  await assert.rejects(
    run("autoreload"),
    (e: Error) =>
      e instanceof UsageError &&
      /no extension "autoreload" in tsprof; line_profiler and memory_profiler are built in/.test(e.message),
  );
});

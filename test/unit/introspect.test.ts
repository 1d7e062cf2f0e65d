import { test } from "node:test";
import assert from "node:assert/strict";
import { createRegistry } from "../../magics";
import { completeMagicOption, inspectMagic } from "../../magics/core/introspect";
import { helpText } from "../../magics/core/registry";

const registry = createRegistry();
const at = (code: string) => ({ code: code.replace("|", ""), cursor: code.indexOf("|") });

test("Shift-Tab on a magic's name shows what %name? shows", () => {
  const lprunHelp = helpText(registry.get("lprun", "line"));
  for (const code of [
    "%lprun| -f matmul forward(x)",
    "%lp|run -f f g()",
    "|%lprun",
    "const r = %lprun| -r -f f g()",
    "let a = 1;\n  %lprun| -f f g()\nfoo()",
  ]) {
    const { code: c, cursor } = at(code);
    assert.equal(inspectMagic(registry, c, cursor), lprunHelp, code);
  }
  const { code, cursor } = at("%%timeit| setup()");
  assert.equal(inspectMagic(registry, code, cursor), helpText(registry.get("timeit", "cell")));
});

test("Shift-Tab on an option shows its line; in the statement or on plain code, nothing", () => {
  const { code, cursor } = at("%prun -s| cumulative f()");
  assert.equal(
    inspectMagic(registry, code, cursor),
    "%prun -s KEY: sort by KEY: time (tottime, the default), cumulative (cumtime), calls (ncalls), name, filename, line, stdname, nfl (repeatable)",
  );
  for (const code of ["%prun -s cumulative f(x, -|1)", "const a = 1;|", "%nosuchmagic| x", "%%nosuch| -f f"]) {
    const c = at(code);
    assert.equal(inspectMagic(registry, c.code, c.cursor), null, code);
  }
});

test("Tab after `%memit -` completes the options, each with its one-line help", () => {
  const { code, cursor } = at("%memit -|");
  const completions = completeMagicOption(registry, code, cursor);
  assert.ok(completions);
  assert.deepEqual(completions.matches, ["-r", "-i", "-t", "-o", "-q", "-g", "-h"]);
  assert.equal(completions.cursorStart, cursor - 1);
  const help = completions.types.find((t) => t.text === "-r");
  assert.deepEqual(help, {
    start: cursor - 1,
    end: cursor,
    text: "-r",
    type: "option",
    signature: "-r N: run the statement N times and report the highest peak (default 1)",
  });
});

test("option completion narrows on what was typed, and stops at the statement", () => {
  const narrowed = at("%prun -q -s cumulative -l|");
  assert.deepEqual(completeMagicOption(registry, narrowed.code, narrowed.cursor)?.matches, ["-l"]);
  for (const code of ["%prun f(x, -|", "%prun -s -|", "x -|", "%prun|"]) {
    const c = at(code);
    assert.equal(completeMagicOption(registry, c.code, c.cursor), null, code);
  }
});

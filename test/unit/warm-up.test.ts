/**
 * The compiler thread's warm-up (warm-up.ts) converts its cells on the kernel's own converter:
 * cells converted after it convert exactly as on a converter that never warmed up, and none of
 * its names is declared.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { converter } from "../../kernel/compiler-thread/tslab-compiler";
import { warmUp } from "../../kernel/compiler-thread/warm-up";

const CELLS = [
  "const xs: string[] = ['a'];\nxs.length",
  "xs",
  "interface Item { label: string }\nconst item: Item = { label: 'b' };",
  "const wrong: number = item.label;",
  "item.label + xs[0]",
];

test("after a warm-up, cells convert as on a converter that never warmed up, and its names are not declared", async () => {
  const warmed = converter.createConverter({ isJS: false, isBrowser: false });
  const fresh = converter.createConverter({ isJS: false, isBrowser: false });
  try {
    await warmUp(() => warmed);
    assert.deepEqual(
      warmed.convert("", "bag.total").diagnostics.map((d) => d.messageText),
      ["Cannot find name 'bag'."],
    );
    let decl = { warmed: "", fresh: "" };
    for (const cell of CELLS) {
      const [a, b] = [warmed.convert(decl.warmed, cell), fresh.convert(decl.fresh, cell)];
      assert.deepEqual(
        { ...a, diagnostics: a.diagnostics.map((d) => d.messageText) },
        { ...b, diagnostics: b.diagnostics.map((d) => d.messageText) },
        cell,
      );
      decl = { warmed: a.declOutput ?? decl.warmed, fresh: b.declOutput ?? decl.fresh };
    }
  } finally {
    warmed.close();
    fresh.close();
  }
});

test("a warm-up stops once its converter is gone", async () => {
  let asked = 0;
  await warmUp(() => {
    asked++;
    return undefined;
  });
  assert.equal(asked, 1);
});

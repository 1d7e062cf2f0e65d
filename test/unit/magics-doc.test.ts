/** docs/magics.md is the magics' declarations, written out: it cannot drift from them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { createRegistry } from "../../magics";
import { defineMagic, MagicRegistry, optionFlag, optionsOf } from "../../magics/core/registry";
import { MAGICS_DOC, magicsDoc, REGENERATE } from "../../scripts/magics-doc";

test("docs/magics.md is what the declarations generate", () => {
  const committed = fs.existsSync(MAGICS_DOC) ? fs.readFileSync(MAGICS_DOC, "utf8") : "(missing)";
  assert.ok(
    committed === magicsDoc(createRegistry()),
    `docs/magics.md differs from the magics' declarations: run \`${REGENERATE}\` and commit the result`,
  );
});

test("every registered magic has a section with its usage and every option it declares", () => {
  const registry = createRegistry();
  const doc = magicsDoc(registry);
  for (const spec of registry.all()) {
    const section = doc.split(`\n## %${spec.name}\n`)[1]?.split("\n## ")[0];
    assert.ok(section, `no section for %${spec.name}`);
    for (const option of optionsOf(spec))
      assert.ok(section.includes(`| \`${optionFlag(option)}\` |`), `%${spec.name}: ${optionFlag(option)} missing`);
    assert.ok(section.includes("| `-h` | show this help |"), `%${spec.name}: -h missing`);
  }
});

test("a magic registered later gets its section and its index row without touching the generator", () => {
  const registry = new MagicRegistry();
  registry.register(
    defineMagic({
      name: "demo",
      forms: ["line", "cell"],
      summary: "A demo | with a pipe.",
      description: "Does nothing.\n\nExamples:\n  %demo -n 3 x",
      positional: "statement",
      options: { count: { short: "n", type: "integer", help: "how many", multiple: true } },
      async run() {},
    }),
  );
  const doc = magicsDoc(registry);
  assert.ok(doc.includes("| [`%demo`, `%%demo`](#demo) | A demo \\| with a pipe. |"));
  assert.ok(
    doc.includes(
      "## %demo\n\n`%demo`, `%%demo`: A demo | with a pipe.\n\n```text\n%demo [-n N] statement\n%%demo [-n N] statement\n```",
    ),
  );
  assert.ok(doc.includes("```text\nDoes nothing.\n\nExamples:\n  %demo -n 3 x\n```"));
  assert.ok(doc.includes("| `-n N` | how many (repeatable) |"));
});

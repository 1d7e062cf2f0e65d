import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NOTEBOOK_PACKAGES, PACKAGED_NOTEBOOKS, prepareFolder } from "../../kernel/cli/walkthrough";

const ROOT = path.resolve(__dirname, "../../..");
const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-walkthrough-unit-"));

test("the working folder gets the packaged notebooks it lacks; one the user already has is kept as it is", () => {
  const dir = path.join(scratch(), "tsprof-notebooks");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "02-exercises.ipynb"), "my answers");
  const notebooks = prepareFolder(dir);
  assert.deepEqual(notebooks, [
    "01-forward-pass.ipynb",
    "02-exercises.ipynb",
    "03-why-lines-dont-add-up.ipynb",
    "04-transformer-block.ipynb",
  ]);
  assert.equal(fs.readFileSync(path.join(dir, "02-exercises.ipynb"), "utf8"), "my answers");
  assert.deepEqual(
    fs.readFileSync(path.join(dir, "01-forward-pass.ipynb")),
    fs.readFileSync(path.join(PACKAGED_NOTEBOOKS, "01-forward-pass.ipynb")),
  );
});

test("a package without notebooks is an error, not an empty walkthrough", () => {
  const empty = scratch();
  assert.throws(
    () => prepareFolder(path.join(scratch(), "work"), empty),
    /No notebooks found in .*package is incomplete/,
  );
});

/** Bare module names a notebook's code cells import or require. */
function importedPackages(file: string): string[] {
  const cells: { cell_type: string; source: string | string[] }[] = JSON.parse(fs.readFileSync(file, "utf8")).cells;
  const code = cells
    .filter((c) => c.cell_type === "code")
    .map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source))
    .join("\n");
  const statements =
    /^\s*import\s[^;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|\brequire\(\s*["']([^"']+)["']\s*\)/gm;
  const names = [...code.matchAll(statements)].map((m) => m[1] ?? m[2] ?? m[3]);
  return names.filter((n) => !n.startsWith(".") && !n.startsWith("node:") && n !== "tsprof");
}

test("what the notebooks import is a runtime dependency that the walkthrough makes importable", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const imported = [
    ...new Set(
      fs
        .readdirSync(PACKAGED_NOTEBOOKS)
        .filter((f) => f.endsWith(".ipynb"))
        .flatMap((f) => importedPackages(path.join(PACKAGED_NOTEBOOKS, f))),
    ),
  ].sort();
  assert.deepEqual(imported, [...NOTEBOOK_PACKAGES].sort());
  for (const name of imported) assert.ok(pkg.dependencies[name], `${name} is in dependencies, not devDependencies`);
  assert.ok(pkg.files.includes("notebooks/*.ipynb"), "the notebooks travel in the package");
});

/**
 * `jupyter nbconvert --to notebook --execute` runs a tsprof notebook headless (nbclient drives
 * the installed kernel), and the saved notebook has execution counts and the cells' outputs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, runPython } from "./harness";

interface Notebook {
  cells: { cell_type: string; source: string | string[]; execution_count?: number | null; outputs?: any[] }[];
}

function nbconvert(dir: string, input: string, extra: string[] = []): Promise<{ code: number | null; log: string }> {
  return runPython(
    ["-m", "nbconvert", "--to", "notebook", "--execute", input, "--output", "executed.ipynb", ...extra],
    dir,
  );
}

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-nbconvert-"));
}

const codeCells = (nb: Notebook) => nb.cells.filter((c) => c.cell_type === "code");
const textOf = (value: string | string[]) => (Array.isArray(value) ? value.join("") : value);

test("nbconvert --execute runs the fixture notebook: counts in order, outputs, no errors", async () => {
  const dir = scratch();
  fs.copyFileSync(path.join(ROOT, "test/fixtures/small.ipynb"), path.join(dir, "small.ipynb"));
  const { code, log } = await nbconvert(dir, "small.ipynb");
  assert.equal(code, 0, log);
  const nb: Notebook = JSON.parse(fs.readFileSync(path.join(dir, "executed.ipynb"), "utf8"));
  const cells = codeCells(nb);
  assert.deepEqual(
    cells.map((c) => c.execution_count),
    cells.map((_, i) => i + 1),
  );
  const outputs = cells.flatMap((c) => c.outputs ?? []);
  assert.deepEqual(
    outputs.filter((o) => o.output_type === "error"),
    [],
  );
  const [define, square, squares, awaited, html, lsmagic] = cells;
  assert.deepEqual(define.outputs, []);
  assert.equal(square.outputs!.length, 1);
  assert.equal(square.outputs![0].output_type, "execute_result");
  assert.equal(square.outputs![0].execution_count, 2);
  assert.equal(textOf(square.outputs![0].data["text/plain"]), "49");
  assert.deepEqual(
    squares.outputs!.map((o) => [o.output_type, o.name, textOf(o.text)]),
    [["stream", "stdout", "squares: 1, 4, 9\n"]],
  );
  assert.equal(textOf(awaited.outputs![0].data["text/plain"]), "'awaited'");
  assert.equal(textOf(html.outputs![0].data["text/html"]), "<b>3 squares</b>");
  assert.match(textOf(lsmagic.outputs![0].data["text/plain"]), /Available line magics/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a failing cell stops nbconvert with the error's name and message; --allow-errors saves it", async () => {
  const dir = scratch();
  const cell = (source: string) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });
  const notebook = {
    cells: [cell("const n = 1;"), cell("if (n === 1) throw new TypeError('bad input');"), cell("n + 1")],
    metadata: { kernelspec: { name: "tsprof", display_name: "TypeScript (tsprof)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 4,
  };
  fs.writeFileSync(path.join(dir, "failing.ipynb"), JSON.stringify(notebook));

  const stopped = await nbconvert(dir, "failing.ipynb");
  assert.notEqual(stopped.code, 0);
  assert.match(stopped.log, /TypeError: bad input/);

  const allowed = await nbconvert(dir, "failing.ipynb", ["--allow-errors"]);
  assert.equal(allowed.code, 0, allowed.log);
  const nb: Notebook = JSON.parse(fs.readFileSync(path.join(dir, "executed.ipynb"), "utf8"));
  const [, failing, after] = codeCells(nb);
  const error = failing.outputs!.find((o) => o.output_type === "error");
  assert.equal(error.ename, "TypeError");
  assert.equal(error.evalue, "bad input");
  assert.match(error.traceback.join("\n"), /<cell 2>:1/);
  assert.equal(after.execution_count, 3, "with --allow-errors nbclient goes on (it sends stop_on_error false)");
  assert.equal(textOf(after.outputs![0].data["text/plain"]), "2");
  fs.rmSync(dir, { recursive: true, force: true });
});

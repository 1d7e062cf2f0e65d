/**
 * The project's rules for comments in the kernel and the magics: no measured numbers (they live in the
 * bench output and the docs, not in comments that go stale), file headers of at most 5 lines that link
 * to docs/how-it-works.md rather than explain again, and no comment line over 120 columns.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ROOT, sources } from "./fixtures/sources";

const UNIT = String.raw`(?:×|%|ms|µs|us|ns|s|MiB|KiB|MB|kB)(?![A-Za-z])`;
const MEASURED = [
  new RegExp(String.raw`\d+\.\d+\s*×`), // a measured ratio ("1.06×"); a rule's whole factor ("over 4×") is not one
  new RegExp(String.raw`\d+(?:\.\d+)?\s*[–-]\s*\d+(?:\.\d+)?\s*${UNIT}`), // a range ("5–10% slower")
  new RegExp(String.raw`(?:~|about |measured:? )\d`), // an approximate or measured figure ("first ~95 ms")
  new RegExp(String.raw`\d+(?:\.\d+)?\s*(?:MB|kB|KB)\b`), // a size that changes with each build
];

/** The comment text of a source: line comments and the lines of block comments. */
function comments(source: string): string[] {
  return [...source.matchAll(/\/\*[\s\S]*?\*\/|(?<![:"'`\\])\/\/.*$/gm)].flatMap((m) => m[0].split("\n"));
}

test("no comment in kernel/ or magics/ carries a measured number", () => {
  const found = [...sources("kernel"), ...sources("magics")].flatMap((file) =>
    comments(fs.readFileSync(path.join(ROOT, file), "utf8"))
      .filter((line) => MEASURED.some((pattern) => pattern.test(line)))
      .map((line) => `${file}: ${line.trim()}`),
  );
  assert.deepEqual(found, []);
});

test("the patterns find the issue's examples", () => {
  for (const line of [
    "// about 1.06× overhead",
    " * ran 5–10% slower",
    " * the first one in ~95 ms.",
    " * without the 4.8 MB full library",
  ]) {
    assert.ok(
      comments(line.startsWith("//") ? line : `/*${line} */`).some((l) => MEASURED.some((p) => p.test(l))),
      line,
    );
  }
});

const MAX_HEADER_LINES = 5;
const MAX_COLUMNS = 120;

/** The file's leading block comment (after a shebang line, if any), or null when it has none. */
function header(source: string): string | null {
  return /^(?:#!.*\n)?(\/\*[\s\S]*?\*\/)/.exec(source)?.[1] ?? null;
}

test(`every file in kernel/ and magics/ starts with a header of at most ${MAX_HEADER_LINES} lines`, () => {
  const found = [...sources("kernel"), ...sources("magics")].flatMap((file) => {
    const comment = header(fs.readFileSync(path.join(ROOT, file), "utf8"));
    if (comment === null) return [`${file}: no header`];
    const lines = comment.split("\n").length;
    return lines > MAX_HEADER_LINES ? [`${file}: a header of ${lines} lines`] : [];
  });
  assert.deepEqual(found, []);
});

test(`no comment line in kernel/ or magics/ is over ${MAX_COLUMNS} columns`, () => {
  const found = [...sources("kernel"), ...sources("magics")].flatMap((file) =>
    comments(fs.readFileSync(path.join(ROOT, file), "utf8"))
      .filter((line) => [...line].length > MAX_COLUMNS)
      .map((line) => `${file}: ${line.trim()}`),
  );
  assert.deepEqual(found, []);
});

test("the header rule reads a header after a shebang and counts its lines", () => {
  assert.equal(header("#!/usr/bin/env node\n/** One line. */\ncode();"), "/** One line. */");
  assert.equal(header("import x from 'x';\n/** Not a header. */"), null);
  assert.equal(header("/**\n * a\n * b\n * c\n * d\n */\n")?.split("\n").length, 6);
});

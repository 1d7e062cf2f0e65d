/**
 * The project's rule that measured numbers live in the bench output and the README, not in
 * comments that go stale: no comment of the kernel or the magics states a measured ratio, a
 * range, an approximate figure or a size.
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

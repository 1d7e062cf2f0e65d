/** The README's claim: kernel/exec/tslab-bridge.ts is the one place that reaches into tslab. */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ROOT, sources } from "./fixtures/sources";
import { isTslabCode } from "../../kernel/exec/tslab-bridge";

const BRIDGE = path.join("kernel", "exec", "tslab-bridge.ts");

/** A module specifier or path into tslab or its TypeScript, or tslab's display hook. */
const REACHES_INTO_TSLAB = /["'`](?:@tslab\/|tslab\/)|node_modules["'`]?[,/\\ ]+["'`]?@?tslab|lastWriteDisplayData/;

test("no file of the kernel or the magics but the bridge reaches into tslab", () => {
  const files = [...sources("kernel"), ...sources("magics")];
  assert.ok(files.includes(BRIDGE) && files.length > 20);
  const reaching = files.filter((file) => file !== BRIDGE && REACHES_INTO_TSLAB.test(fs.readFileSync(path.join(ROOT, file), "utf8")));
  assert.deepEqual(reaching, []);
  assert.match(fs.readFileSync(path.join(ROOT, BRIDGE), "utf8"), REACHES_INTO_TSLAB, "the pattern finds the bridge's own reaching");
});

test("isTslabCode knows tslab's files and its TypeScript's, as paths and file: URLs, and nothing else", () => {
  const converter = require.resolve("tslab/dist/converter");
  assert.equal(isTslabCode(converter), true);
  assert.equal(isTslabCode(`file://${converter}`), true);
  assert.equal(isTslabCode(require.resolve("@tslab/typescript-for-tslab")), true);
  assert.equal(isTslabCode(path.join(ROOT, "dist", "kernel", "exec", "executor.js")), false);
  assert.equal(isTslabCode("<cell 3>"), false);
});

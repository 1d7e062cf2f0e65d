/**
 * The README's claims: the bridges (the main thread's, the compiler thread's, and the loader they
 * share) are the only places that reach into tslab, and the kernel's main thread never loads
 * TypeScript.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { ROOT, sources } from "./fixtures/sources";
import { execFileSync } from "node:child_process";
import { isTslabCode } from "../../kernel/exec/tslab-bridge";

const BRIDGES = [
  path.join("kernel", "exec", "tslab-bridge.ts"),
  path.join("kernel", "compiler-thread", "tslab-compiler.ts"),
  path.join("kernel", "exec", "tslab-modules.ts"),
];
const COMPILER_THREAD = path.join("kernel", "compiler-thread");

/** A module specifier or path into tslab or its TypeScript, or tslab's display hook. */
const REACHES_INTO_TSLAB = /["'`](?:@tslab\/|tslab\/)|node_modules["'`]?[,/\\ ]+["'`]?@?tslab|lastWriteDisplayData/;

test("no file of the kernel or the magics but the bridges reaches into tslab", () => {
  const files = [...sources("kernel"), ...sources("magics")];
  assert.ok(BRIDGES.every((bridge) => files.includes(bridge)) && files.length > 20);
  const reaching = files.filter(
    (file) => !BRIDGES.includes(file) && REACHES_INTO_TSLAB.test(fs.readFileSync(path.join(ROOT, file), "utf8")),
  );
  assert.deepEqual(reaching, []);
  for (const bridge of BRIDGES)
    assert.match(
      fs.readFileSync(path.join(ROOT, bridge), "utf8"),
      REACHES_INTO_TSLAB,
      `the pattern finds ${bridge}'s own reaching`,
    );
});

test("only the compiler thread's folder imports its files' code: the other threads import their types at most", () => {
  const files = [...sources("kernel"), ...sources("magics")].filter((file) => !file.startsWith(COMPILER_THREAD));
  const valueImport = /^import (?!type )[^;]*from "([^"]+)";$/gm;
  const crossing = files.flatMap((file) =>
    [...fs.readFileSync(path.join(ROOT, file), "utf8").matchAll(valueImport)]
      .map((m) => path.normalize(path.join(path.dirname(file), m[1])))
      .filter((target) => target.startsWith(COMPILER_THREAD))
      .map((target) => `${file} → ${target}`),
  );
  assert.deepEqual(crossing, []);
});

test("the kernel's main thread runs cells without loading TypeScript: the compiler thread does", () => {
  const dist = path.join(ROOT, "dist");
  const script = `
    const { Executor } = require(${JSON.stringify(path.join(dist, "kernel", "exec", "executor.js"))});
    require(${JSON.stringify(path.join(dist, "kernel", "jupyter", "server.js"))});
    require(${JSON.stringify(path.join(dist, "magics", "index.js"))});
    const executor = new Executor(process.cwd(), {});
    executor.run("const n: number = 6 * 7;\\nn", { file: "<cell 1>", line: 1 }).then(({ value }) => {
      const loaded = Object.keys(require.cache).filter((file) => /typescript/.test(file));
      console.log(JSON.stringify({ value, loaded }));
      process.exit(0);
    });`;
  const { value, loaded } = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
  assert.equal(value, 42);
  assert.deepEqual(loaded, []);
});

test("isTslabCode knows tslab's files and its TypeScript's, as paths and file: URLs, and nothing else", () => {
  const converter = require.resolve("tslab/dist/converter");
  assert.equal(isTslabCode(converter), true);
  assert.equal(isTslabCode(`file://${converter}`), true);
  assert.equal(isTslabCode(require.resolve("@tslab/typescript-for-tslab")), true);
  assert.equal(isTslabCode(path.join(ROOT, "dist", "kernel", "exec", "executor.js")), false);
  assert.equal(isTslabCode("<cell 3>"), false);
});

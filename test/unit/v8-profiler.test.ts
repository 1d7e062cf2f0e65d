/**
 * v8-profiler-next as the kernel loads it (v8-profiler.ts): its own native binding, none of its
 * installer's modules in the heap, and a profile that names the code it sampled.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

test("the profiler loads its binding without node-pre-gyp's modules, and profiles", () => {
  // A process of its own: this one may have loaded the package already.
  const script = `
    const { profiler } = require(${JSON.stringify(require.resolve("../../magics/measure/samplers/v8-profiler"))});
    const installer = Object.keys(require.cache).filter((f) => /node-pre-gyp|npmlog|semver/.test(f));
    profiler.setGenerateType(1);
    profiler.startProfiling("t", true);
    function spinForAWhile() { const end = Date.now() + 50; let s = 0; while (Date.now() < end) s += Math.sqrt(s + 1); return s; }
    spinForAWhile();
    const profile = profiler.stopProfiling("t");
    const named = profile.nodes.some((n) => n.callFrame.functionName === "spinForAWhile");
    profile.delete();
    process.stdout.write(JSON.stringify({ installer, named }));`;
  const { installer, named } = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
  assert.deepEqual(installer, []);
  assert.equal(named, true);
});

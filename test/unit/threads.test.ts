/**
 * Worker threads in the %prun model and views: a worker's frames in the user's terms, its thread
 * profile (table, tree and flame-chart spans) from a hand-made V8 profile, the text sections, the
 * HTML thread column, the per-thread .cpuprofile names, and %time's CPU per thread.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildThreadProfile, type V8CpuProfile } from "../../magics/measure/builders/cpu-profile";
import { isProbeFrame, PROBE_URL, workerFrameResolver } from "../../magics/measure/builders/worker-frames";
import { workerLabel } from "../../magics/measure/samplers/worker-sampler";
import { cpuProfileHtml } from "../../magics/views/cpu-profile-views";
import { threadProfileFile } from "../../magics/views/cpuprofile-export";
import { cpuProfileText, timeText } from "../../magics/views";
import type { CpuProfileResult, ThreadProfile } from "../../magics/model/profile";
import { cpuProfile } from "./fixtures/profiles";

const frame = (functionName: string, url: string, lineNumber = 1, columnNumber = 1) => ({
  functionName,
  url,
  lineNumber,
  columnNumber,
});

test("a worker's frames: its eval string by line, files relative to the notebook, Node's start-up and tsprof's probe dropped", () => {
  const resolve = workerFrameResolver(3, "/nb");
  assert.deepEqual(resolve(frame("spin", "[worker eval]", 2, 10))?.ref, {
    name: "spin",
    file: "<worker 3 eval>",
    line: 2,
    category: "module",
  });
  assert.equal(resolve(frame("", "[worker eval]", 0, 0))?.ref.name, "<module>", "the string's top level");
  assert.equal(resolve(frame("", "[worker eval]", 4, 7))?.ref.name, "<anonymous>@<worker 3 eval>:4");
  assert.deepEqual(resolve(frame("work", "file:///nb/lib/w.js", 5))?.ref, {
    name: "work",
    file: "lib/w.js",
    line: 5,
    category: "module",
  });
  assert.equal(resolve(frame("parse", "file:///nb/node_modules/p/index.js", 9))?.ref.category, "library");
  assert.equal(resolve(frame("readFileSync", "node:fs", 441))?.ref.category, "node");
  assert.equal(resolve(frame("(garbage collector)", ""))?.ref.category, "runtime");
  assert.equal(resolve(frame("runInContext", ""))?.ref.name, "runInContext");
  for (const dropped of [
    frame("evalScript", "node:internal/process/execution"),
    frame("", "[worker eval]-wrapper", 6),
    frame("", ""),
    frame("finish", PROBE_URL),
  ]) {
    assert.equal(resolve(dropped), null, JSON.stringify(dropped));
  }
  assert.ok(isProbeFrame(frame("finish", PROBE_URL)));
});

test("a worker's label: its name, else its file, else eval", () => {
  assert.equal(workerLabel(1, { workerId: "1", title: "[worker 1] band 1", url: "" }, "/nb"), "worker 1 (band 1)");
  assert.equal(
    workerLabel(2, { workerId: "2", title: "[worker 2]", url: "file:///nb/w.js" }, "/nb"),
    "worker 2 (w.js)",
  );
  assert.equal(workerLabel(3, { workerId: "3", title: "[worker 3]", url: "" }, "/nb"), "worker 3 (eval)");
});

/**
 * (root) > Node's start-up > the string's top level > spin, sampled at 1 ms: 2 samples in the
 * top level, 3 in spin, 1 in tsprof's probe (left out), 1 in the garbage collector.
 */
const WORKER_PROFILE: V8CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)", "", 0, 0), children: [2, 6] },
    { id: 2, callFrame: frame("evalScript", "node:internal/process/execution", 72), children: [3] },
    { id: 3, callFrame: frame("", "[worker eval]", 1, 1), children: [4, 5] },
    { id: 4, callFrame: frame("spin", "[worker eval]", 2, 10), children: [] },
    { id: 5, callFrame: frame("finish", PROBE_URL, 6), children: [] },
    { id: 6, callFrame: frame("(garbage collector)", "", 0, 0), children: [] },
  ],
  samples: [3, 4, 4, 4, 3, 5, 6],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000],
  startTime: 10_000,
  endTime: 17_000,
};

function workerThread(): ThreadProfile {
  return buildThreadProfile({
    profile: WORKER_PROFILE,
    resolve: workerFrameResolver(1, "/nb"),
    calls: [],
    label: "worker 1 (eval)",
    threadId: 1,
    cpuTime: 0.0042,
    status: "ended",
    sampleInterval: 1e-3,
    origin: 9_000,
    rootAtUserCode: false,
    excludes: isProbeFrame,
  });
}

test("a worker's profile: its own table and tree, the probe's sample left out, times relative to the statement", () => {
  const t = workerThread();
  const row = (name: string) => t.table.rows.find((r) => r.fn.name === name)!;
  // 7 samples over 7 ms: 1 ms each; the probe's sample counts for nothing.
  assert.equal(row("spin").tottime.toFixed(4), "0.0030");
  assert.equal(row("<module>").tottime.toFixed(4), "0.0020");
  assert.equal(row("<module>").cumtime.toFixed(4), "0.0050");
  assert.equal(row("spin").ncalls, null);
  assert.ok(!t.table.rows.some((r) => r.fn.name === "finish"));
  assert.equal(t.start, 0.001);
  assert.equal(t.end, 0.008);
  assert.equal(t.table.totalTime, 0.007);
});

test("flame spans: one box per run of the same frames at a depth, from sample to sample", () => {
  const spans = workerThread().spans.map(
    (s) => `${s.depth} ${s.fn.name} ${(s.start * 1e3).toFixed(0)}-${(s.end * 1e3).toFixed(0)}`,
  );
  // Sample times are startTime plus the deltas: 11, 12, … 17 ms on the profile's clock, 2 … 8 ms after the statement began.
  assert.deepEqual(spans, ["0 <module> 2-7", "1 spin 3-6", "0 (garbage collector) 8-8"]);
});

function withWorker(): CpuProfileResult {
  const result = cpuProfile();
  const main = { ...result.threads[0], cpuTime: 0.5, start: 0, end: 0.5234 };
  return { ...result, threads: [main, workerThread()] };
}

test("text: the summary's threads line, then one section per thread headed Thread: …", () => {
  const text = cpuProfileText(withWorker(), { sort: ["time"], limits: ["1"] });
  assert.equal(
    text,
    [
      "         1240 calls counted (cell and local-module functions) in 0.523 seconds; library calls are timed, not counted",
      "         wall time 0.523 s; CPU time per thread: main 0.500 s, worker 1 (eval) 0.004 s; sampled every 100 µs (main), 1 ms (workers)",
      "",
      "Thread: main — 0.500 s CPU in 0.523 s profiled",
      "   Ordered by: internal time",
      "   List reduced from 6 to 1 due to restriction <1>",
      "",
      "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)",
      "        2    0.401    0.201    0.401    0.201 <cell 3>:12(matmul)",
      "",
      "Thread: worker 1 (eval) — 0.004 s CPU in 0.007 s profiled, ended during the statement",
      "   Ordered by: internal time",
      "   List reduced from 3 to 1 due to restriction <1>",
      "",
      "   ncalls  tottime  percall  cumtime  percall filename:lineno(function)",
      "        -    0.003             0.003          <worker 1 eval>:2(spin)",
      "",
      "   -: calls not counted (Node.js internals, libraries and the runtime are timed only)",
    ].join("\n"),
  );
});

test("text: a thread on a CPU under a tenth of its time is waiting; one that did not answer says so", () => {
  const result = withWorker();
  result.threads[1] = { ...result.threads[1], cpuTime: 0.0001 };
  assert.match(
    cpuProfileText(result, { sort: ["time"], limits: [] }),
    /Thread: worker 1 \(eval\) — 0\.000 s CPU in 0\.007 s profiled, waiting \(on a CPU 1% of the time/,
  );
  result.threads[1] = { ...result.threads[1], status: "unanswered", cpuTime: null };
  assert.match(
    cpuProfileText(result, { sort: ["time"], limits: [] }),
    /Thread: worker 1 \(eval\) — did not answer within the deadline \(blocked outside JavaScript\?\), no profile/,
  );
});

test("HTML: one table with a thread column and a menu of the threads to filter by", () => {
  const html = cpuProfileHtml(withWorker(), { sort: ["time"], limits: [] });
  assert.ok(
    html.includes(
      `<select data-tsprof-filter="0"><option value="">all</option><option value="main">main</option><option value="worker 1 (eval)">worker 1 (eval)</option></select>`,
    ),
    html,
  );
  assert.ok(html.includes(">thread<"));
  assert.equal(html.match(/<tr><td[^>]*>worker 1 \(eval\)<\/td>/g)?.length, 3, "the worker's three functions");
});

test("-D names: the main thread's file as given, each worker's with its threadId before the extension", () => {
  const [main, worker] = withWorker().threads;
  assert.equal(threadProfileFile("out/forward.cpuprofile", main), "out/forward.cpuprofile");
  assert.equal(threadProfileFile("out/forward.cpuprofile", worker), "out/forward.worker-1.cpuprofile");
  assert.equal(threadProfileFile("forward", worker), "forward.worker-1");
});

test("%time: a CPU-per-thread line between IPython's two when workers ran", () => {
  const threads = [
    { label: "main", cpu: 0.146 },
    { label: "worker 1 (eval)", cpu: 0.143 },
    { label: "other threads", cpu: null },
  ];
  assert.equal(
    timeText({ user: 0.285, system: 0.0125, wall: 0.152, statement: "f()", threads }),
    "CPU times: user 285 ms, sys: 12.5 ms, total: 298 ms\nCPU per thread: main 146 ms, worker 1 (eval) 143 ms, other threads unknown\nWall time: 152 ms",
  );
});

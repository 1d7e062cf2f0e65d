/**
 * %prun's time after an await (issue 23): which stacks are the statement's (a library's
 * continuation, Node's event loop, the kernel's own work), the async call tree from samples and
 * awaits, the event loop's blocked stretches, and the await tracker on real promises.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { userStacks, type V8CpuProfile } from "../../magics/measure/builders/cpu-profile";
import { buildPrunProfile } from "../../magics/measure/builders/prun-profile";
import { trackAwaits, type AwaitRecord, type TrackedAwaits } from "../../magics/measure/samplers/await-tracker";
import { asyncTreeText, eventLoopText } from "../../magics/views/cpu-profile-text";
import { functionDescription } from "../../magics/views/profile-order";
import type { ResolvedFrame, V8Frame } from "../../magics/core/context";
import type { CallTreeNode } from "../../magics/model/profile";
import { cellRef } from "./fixtures/profiles";

const KERNEL_URL = "/kernel/dist/kernel/exec/executor.js";
const LIB_URL = "/nb/node_modules/lib/index.js";

/** Frames by function name: the kernel's (from its script), the cell's, a library's, Node's internals, V8's own. */
const FRAMES: Record<string, { url: string; resolved: ResolvedFrame | null }> = {
  "(root)": { url: "", resolved: { ref: { name: "(root)", file: "", line: 0, category: "runtime" }, counter: null } },
  "(idle)": { url: "", resolved: { ref: { name: "(idle)", file: "", line: 0, category: "runtime" }, counter: null } },
  "new Promise": {
    url: "",
    resolved: { ref: { name: "new Promise", file: "", line: 0, category: "runtime" }, counter: null },
  },
  runCell: { url: KERNEL_URL, resolved: null },
  processTimers: { url: "node:internal/timers", resolved: null },
  "": { url: "<cell 2>", resolved: { ref: cellRef("<module>", 1, "<cell 2>"), counter: { unit: 1, index: 0 } } },
  fetchAll: { url: "<cell 1>", resolved: { ref: cellRef("fetchAll", 4), counter: { unit: 0, index: 1 } } },
  fetchUser: { url: "<cell 1>", resolved: { ref: cellRef("fetchUser", 3), counter: { unit: 0, index: 0 } } },
  spin: { url: "<cell 1>", resolved: { ref: cellRef("spin", 2), counter: { unit: 0, index: 2 } } },
  sleep: { url: "<cell 1>", resolved: { ref: cellRef("sleep", 1), counter: { unit: 0, index: 3 } } },
  workAsync: {
    url: LIB_URL,
    resolved: {
      ref: { name: "workAsync", file: "node_modules/lib/index.js", line: 2, category: "library" },
      counter: null,
    },
  },
  libSpin: {
    url: LIB_URL,
    resolved: { ref: { name: "spin", file: "node_modules/lib/index.js", line: 1, category: "library" }, counter: null },
  },
};

const frame = (functionName: string): V8Frame => ({
  functionName,
  url: FRAMES[functionName].url,
  lineNumber: 1,
  columnNumber: 1,
});
const resolve = (f: V8Frame) => FRAMES[f.functionName].resolved;

/** A profile from stacks (root first, "(root)" implied), one sample each, 10 ms apart from time 0. */
function profileOf(stacks: string[][]): V8CpuProfile {
  const nodes: V8CpuProfile["nodes"] = [{ id: 1, callFrame: frame("(root)"), children: [] }];
  const idOf = new Map<string, number>();
  const samples = stacks.map((stack) => {
    let parent = 1;
    let key = "";
    for (const name of stack) {
      key += `/${name}`;
      let id = idOf.get(key);
      if (!id) {
        id = nodes.length + 1;
        idOf.set(key, id);
        nodes.push({ id, callFrame: frame(name), children: [] });
        nodes[parent - 1].children!.push(id);
      }
      parent = id;
    }
    return parent;
  });
  return {
    nodes,
    samples,
    timeDeltas: samples.map((_, i) => (i === 0 ? 0 : 10_000)),
    startTime: 0,
    endTime: samples.length * 10_000,
  };
}

test("after an await: a library's continuation keeps its stack, Node's internals alone are the event loop's, the kernel's own work is set apart, and kernel code called from the user's is the user's", () => {
  const profile = profileOf([
    ["runCell", ""],
    ["workAsync", "libSpin"],
    ["processTimers"],
    ["runCell"],
    ["", "fetchUser", "runCell", "processTimers"],
  ]);
  const stacks = userStacks(profile.nodes, resolve);
  const names = profile.samples.map((id) => stacks.get(id)!.map((f) => f.ref.name));
  assert.deepEqual(names, [
    ["<module>"],
    ["workAsync", "spin"],
    ["(Node.js event loop)"],
    [],
    ["<module>", "fetchUser"],
  ]);
});

/** An await record as the tracker makes one: frames top first (the awaiting function, then its callers). */
function awaitAt(
  names: string[],
  sites: string[],
  [start, end, resumedUntil]: number[],
  awaited: AwaitRecord["awaited"] = "unknown",
  kind: AwaitRecord["kind"] = "await",
): AwaitRecord {
  return { kind, within: null, frames: names.map(frame), sites, awaited, start, end, resumedUntil };
}

function build(stacks: string[][], awaits: AwaitRecord[], loopThreshold = 0.05) {
  return buildPrunProfile({
    profile: profileOf(stacks),
    resolve,
    calls: [
      { ref: cellRef("fetchUser", 3), counter: { unit: 0, index: 0 }, calls: 2 },
      { ref: cellRef("fetchAll", 4), counter: { unit: 0, index: 1 }, calls: 1 },
    ],
    statement: "await fetchAll(2)",
    wallTime: stacks.length * 0.01,
    sampleInterval: 0.01,
    awaits: { awaits, untracked: 0 },
    loopThreshold,
  });
}

const pathTimes = (node: CallTreeNode, prefix = ""): string[] =>
  node.children.flatMap((c) => [
    `${prefix}${c.fn.name} ${Math.round(c.totalTime * 1000)}`,
    ...pathTimes(c, `${prefix}${c.fn.name} > `),
  ]);

test("the async tree: idle time goes to the innermost pending await, under what it awaited; a continuation goes under the async functions awaiting it; idle with nothing pending stays (idle)", () => {
  // The cell awaits fetchAll, which awaits fetchUser (line 4), which awaits sleep's promise (line 3): all pending from 0 to
  // 30 ms; then fetchUser resumes and computes until 45 ms, and everything has returned by 48 ms.
  const awaits = [
    awaitAt(
      ["fetchUser", "fetchAll", ""],
      ["<cell 1>:3", "<cell 1>:4", "<cell 2>:1"],
      [0, 30_000, 45_000],
      frame("sleep"),
    ),
    awaitAt(["fetchAll", ""], ["<cell 1>:4", "<cell 2>:1"], [0, 45_000, 46_000], frame("fetchUser")),
    awaitAt([""], ["<cell 2>:1"], [0, 46_000, 48_000], frame("fetchAll")),
  ];
  const result = build(
    [["", "fetchAll", "fetchUser"], ["(idle)"], ["(idle)"], ["fetchUser", "spin"], ["fetchUser", "spin"], ["(idle)"]],
    awaits,
  );
  assert.deepEqual(
    [result.async!.awaiting, result.async!.computing, result.async!.idle].map((s) => Math.round(s * 1000)),
    [20, 30, 10],
  );
  assert.equal(
    asyncTreeText(result.async!),
    [
      "Async call tree: wall-clock time across awaits, each await's time charged to the function that awaited (awaiting f: waiting there on the promise of f, the function it called)",
      "",
      "  seconds      %  function",
      "    0.050   83.3  <cell 2>:1(<module>)",
      "    0.050   83.3    <cell 1>:4(fetchAll)",
      "    0.050   83.3      <cell 1>:3(fetchUser) ×2",
      "    0.020   33.3        awaiting <cell 1>:1(sleep)",
      "    0.020   33.3        <cell 1>:2(spin)",
      "    0.010   16.7  {(idle)}",
      "",
      "  3 awaits; awaiting 0.020 s, computing 0.030 s, idle with nothing of the statement's pending 0.010 s",
    ].join("\n"),
  );
});

test("an await node names a native callee, a promise of unknown origin and a thenable, each apart", () => {
  const awaits = (["thenable", "unknown", frame("new Promise")] as const).map((awaited, i) =>
    awaitAt(
      ["fetchUser", "fetchAll", ""],
      ["<cell 1>:3", "<cell 1>:4", "<cell 2>:1"],
      [i * 20_000, (i + 1) * 20_000, (i + 1) * 20_000],
      awaited,
    ),
  );
  const result = build([["", "fetchAll"], ["(idle)"], ["(idle)"], ["(idle)"], ["(idle)"], ["(idle)"]], awaits);
  const fetchUser = result.async!.tree.children[0].children[0].children[0];
  assert.deepEqual(
    fetchUser.children.map((c) => `${functionDescription(c)} ${Math.round(c.totalTime * 1000)}`),
    ["awaiting <thenable> 10", "awaiting <promise> 20", "awaiting new Promise 20"],
  );
});

test("concurrent awaits share an idle sample; a .then() is not an await of its caller", () => {
  const awaits = [
    awaitAt(["fetchUser", "fetchAll", ""], ["<cell 1>:3", "<cell 1>:4", "<cell 2>:1"], [0, 40_000, 41_000]),
    awaitAt(["fetchUser", "fetchAll", ""], ["<cell 1>:3", "<cell 1>:4", "<cell 2>:1"], [0, 40_000, 41_000]),
    awaitAt(["fetchAll", ""], ["<cell 1>:4", "<cell 2>:1"], [0, 40_000, 41_000], "unknown", "then"),
  ];
  const result = build([["", "fetchAll"], ["(idle)"], ["(idle)"]], awaits);
  const awaitNode = result.async!.tree.children[0].children[0].children[0].children[0];
  assert.equal(functionDescription(awaitNode), "awaiting <promise>");
  assert.equal(Math.round(awaitNode.totalTime * 1000), 20);
  assert.equal(result.async!.awaits, 2);
});

test("the event loop: stretches without an idle sample longer than the threshold, longest first, with their functions; none for a statement that never yielded", () => {
  const stacks = [
    ["", "fetchAll"],
    ["(idle)"],
    ["fetchUser", "spin"],
    ["fetchUser", "spin"],
    ["fetchUser", "spin"],
    ["fetchUser"],
    ["(idle)"],
    ["fetchUser", "spin"],
    ["(idle)"],
  ];
  const report = build(stacks, [], 0.015).eventLoop!;
  assert.deepEqual(
    report.stretches.map((s) => [
      Math.round(s.duration * 1000),
      Math.round(s.start * 1000),
      s.functions.map((f) => `${f.fn.name} ${Math.round(f.seconds * 1000)}`),
    ]),
    [[40, 20, ["spin 30", "fetchUser 10"]]],
  );
  assert.equal(
    eventLoopText(report),
    [
      "Event loop blocked: stretches longer than 15 ms without a pause (the loop could serve nothing else), longest first",
      "  40 ms from 0.020 s:",
      "      0.030 s  <cell 1>:2(spin)",
      "      0.010 s  <cell 1>:3(fetchUser)",
    ].join("\n"),
  );
  assert.equal(
    build(
      [
        ["", "fetchAll"],
        ["", "fetchAll"],
      ],
      [],
    ).eventLoop,
    undefined,
  );
});

test("the tracker, on real promises: an await's stack names the awaiting function and, through V8's async stack traces, the one awaiting it; a .then() is told apart", async () => {
  const tracked: TrackedAwaits = { awaits: [], untracked: 0 };
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  async function inner() {
    await tick();
    await tick();
  }
  async function outer() {
    await inner();
    Promise.resolve().then(() => 0);
  }
  await trackAwaits(outer, tracked);
  const described = tracked.awaits.map(
    (a) =>
      `${a.kind} ${a.frames
        .map((f) => f.functionName)
        .filter((n) => n === "inner" || n === "outer")
        .join("<")}`,
  );
  assert.ok(described.includes("await inner<outer"), described.join("\n"));
  assert.ok(
    described.includes("then outer"),
    tracked.awaits
      .map(
        (a) =>
          `${a.kind} ${a.frames
            .slice(0, 3)
            .map((f) => f.functionName)
            .join("<")}`,
      )
      .join("\n"),
  );
  const second = tracked.awaits.filter((a) => a.kind === "await" && a.frames[0].functionName === "inner")[1];
  assert.ok(
    second.frames.some((f) => f.functionName === "outer"),
    "after its first await, inner's callers come from V8's async stack trace",
  );
  const ours = tracked.awaits.filter(
    (a) => a.kind === "await" && (a.frames[0].functionName === "inner" || a.frames[0].functionName === "outer"),
  );
  assert.equal(ours.length, 3);
  assert.ok(
    ours.every((a) => a.end !== null && a.end >= a.start && a.resumedUntil !== null && a.resumedUntil >= a.end),
    "each resumed, after it began",
  );
});

test("the tracker names what each await waited on: a helper's promise, an async callee (recursive too), a native, a thenable, a promise made before it started", async () => {
  const tracked: TrackedAwaits = { awaits: [], untracked: 0 };
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  const early = tick();
  async function down(n: number): Promise<number> {
    if (n > 0) return await down(n - 1);
    await tick();
    return 0;
  }
  async function main() {
    await down(1);
    await new Promise<void>((resolve) => setImmediate(resolve));
    await { then: (resolve: () => void) => setTimeout(resolve, 5) };
    await 5;
    await early;
  }
  await trackAwaits(main, tracked);
  const named = (a: AwaitRecord) => (typeof a.awaited === "string" ? `<${a.awaited}>` : a.awaited.functionName);
  const ours = tracked.awaits.filter((a) => a.kind === "await" && ["down", "main"].includes(a.frames[0].functionName));
  assert.deepEqual(
    ours.map((a) => `${a.frames[0].functionName} awaits ${named(a)}`),
    [
      "down awaits tick",
      "down awaits down",
      "main awaits down",
      "main awaits new Promise",
      "main awaits <thenable>",
      "main awaits <thenable>",
      "main awaits <unknown>",
    ],
  );
  assert.ok(
    ours.every((a) => a.end !== null),
    "the promise V8 makes to wrap a value awaited is not left pending as an await of its own",
  );
});

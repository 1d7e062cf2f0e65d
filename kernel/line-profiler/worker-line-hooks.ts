/**
 * %lprun in worker threads, the kernel's side: the counting code for a worker's own copies of the
 * profiled functions, made as the main thread's is, counting into shared memory the main thread makes.
 * See docs/how-it-works.md, "Threads".
 */
import type * as acorn from "acorn";
import type { WorkerLineCode } from "../../magics/core/context";
import { walk } from "../instrument/ast";
import {
  FIELD_NAME,
  fieldHelper,
  helperNames,
  instrumentScript,
  LAST_PROBE_TIME,
  NOW_NAME,
  ownerHelpers,
  probeNames,
  type Owner,
} from "./line-instrument";
import { PARKED } from "./line-sampler";

/** A profiled function, as a worker's copy of it must read. */
export interface WorkerTarget {
  /** Its source text, from its first character to its last, as V8 has it on the main thread. */
  text: string;
  slot: number;
  /** Its index in LineProbes.functions. */
  index: number;
  /** How many probes its counting version has: a copy's must have as many. */
  probeCount: number;
  /** The URL of the script it is in on the main thread. */
  url: string;
}

type Parse = (source: string, url: string) => { program: acorn.Program; comments: acorn.Comment[] };

export function workerLineCode(targets: WorkerTarget[], clockLines: boolean, parse: Parse): WorkerLineCode {
  return {
    instrument: (source) => instrumentCopies(source, targets, clockLines, parse),
    functions: targets.map((t) => ({ index: t.index, probes: t.probeCount + 1 })),
    openScript: (channel, binding) => openScript(targets, channel, binding),
    adoptScript,
    teardownScript: () => teardownScript(targets),
    files: [...new Set(targets.map((t) => t.url).filter((url) => url.startsWith("file:") || url.startsWith("/")))],
  };
}

function instrumentCopies(
  source: string,
  targets: WorkerTarget[],
  clockLines: boolean,
  parse: Parse,
): { text: string; functions: number[] } | null {
  const present = targets.filter((t) => source.includes(t.text));
  if (present.length === 0) return null;
  let parsed: ReturnType<Parse>;
  try {
    parsed = parse(source, "");
  } catch {
    return null;
  }
  const found: { target: WorkerTarget; owner: Owner }[] = [];
  walk(parsed.program, (node) => {
    if (!isOwnerNode(node)) return;
    const target = present.find(
      (t) => t.text.length === node.end - node.start && source.startsWith(t.text, node.start),
    );
    if (target && !found.some((f) => f.target === target))
      found.push({ target, owner: { node: node as Owner["node"], slot: target.slot } });
  });
  if (found.length === 0) return null;
  const instrumented = instrumentScript(
    source,
    found.map((f) => f.owner),
    { clockLines, comments: parsed.comments },
  );
  // The same text gives the same probes; anything else would put counts on the wrong lines.
  const same = found.filter((f, i) => instrumented.probes[i].length === f.target.probeCount);
  if (same.length !== found.length) return null;
  return { text: instrumented.text, functions: found.map((f) => f.target.index) };
}

const OWNER_TYPES = new Set([
  "FunctionDeclaration",
  "FunctionExpression",
  "ArrowFunctionExpression",
  "ClassDeclaration",
  "ClassExpression",
]);

function isOwnerNode(node: acorn.AnyNode): boolean {
  return OWNER_TYPES.has(node.type);
}

const INBOX = `Symbol.for("tsprof.lineCounters")`;

/**
 * Opens, in the worker, the channel its counters come on, and takes them from it when they come:
 * `[function index, arrays][]`, defined under the names the counting code reads, with the
 * helpers. A worker waiting for its debugger has them at once (adoptScript); a running one, from
 * its event loop, and then calls `binding` to say so. `process.getBuiltinModule`, because a
 * worker's `require` is not a global.
 */
function openScript(targets: WorkerTarget[], channel: string, binding: string): string {
  const names = Object.fromEntries(targets.map((t) => [t.index, probeNames(t.slot)]));
  const helperNamesOf = Object.fromEntries(targets.map((t) => [t.index, helperNames(t.slot)]));
  return `(() => {
  const report = globalThis[${JSON.stringify(binding)}];
  delete globalThis[${JSON.stringify(binding)}];
  const inbox = new (process.getBuiltinModule("node:worker_threads").BroadcastChannel)(${JSON.stringify(channel)});
  const names = ${JSON.stringify(names)};
  const helperNames = ${JSON.stringify(helperNamesOf)};
  const define = (name, value) => Object.defineProperty(globalThis, name, { value, writable: false, configurable: true, enumerable: false });
  const now = () => performance.now();
  const clocked = (${ownerHelpers.toString()})(now, ${LAST_PROBE_TIME}, ${PARKED});
  const adopt = (message) => {
    inbox.close();
    delete globalThis[${INBOX}];
    for (const [index, arrays] of message) {
      for (const [key, name] of Object.entries(names[index])) define(name, arrays[key]);
      const helpers = clocked(arrays.hits, arrays.current, arrays.clock, arrays.lineClock);
      for (const [key, name] of Object.entries(helperNames[index])) define(name, helpers[key]);
    }
    if (!(${JSON.stringify(NOW_NAME)} in globalThis)) {
      define(${JSON.stringify(NOW_NAME)}, now);
      define(${JSON.stringify(FIELD_NAME)}, (${fieldHelper.toString()})(now, ${LAST_PROBE_TIME}));
    }
  };
  inbox.onmessage = (event) => {
    adopt(event.data);
    try { report("adopted"); } catch {}
  };
  Object.defineProperty(globalThis, ${INBOX}, { value: { inbox, adopt }, configurable: true });
  return true;
})()
//# sourceURL=tsprof:worker-lines`;
}

/** Takes the counters now if they are there: true if it did. */
function adoptScript(): string {
  return `(() => {
  const open = globalThis[${INBOX}];
  const received = open && process.getBuiltinModule("node:worker_threads").receiveMessageOnPort(open.inbox);
  if (!received) return false;
  open.adopt(received.message);
  return true;
})()
//# sourceURL=tsprof:worker-lines`;
}

function teardownScript(targets: WorkerTarget[]): string {
  const names = targets.flatMap((t) => [...Object.values(probeNames(t.slot)), ...Object.values(helperNames(t.slot))]);
  return `for (const name of ${JSON.stringify(names)}) delete globalThis[name]; true\n//# sourceURL=tsprof:worker-lines`;
}

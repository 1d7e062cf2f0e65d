import { test } from "node:test";
import inspector from "node:inspector";
import vm from "node:vm";
import assert from "node:assert/strict";
import * as acorn from "acorn";
import { PARSE_OPTIONS } from "../../kernel/instrument/functions";
import { TWIN_SPOT } from "../../kernel/instrument/instrument";
import {
  FIELD_NAME,
  helperNames,
  instrumentScript,
  LAST_PROBE_TIME,
  NOW_NAME,
  ownerHelpers,
  probeNames,
  V8_DIFF_LINE_LIMIT,
  type OwnerNode,
} from "../../kernel/line-profiler/line-instrument";
import { PARKED } from "../../kernel/line-profiler/line-sampler";

/** Instruments the first function of `js` (or the node `pick` chooses) and compiles it; `hitsOn(line)` reads a line's hits as %lprun shows them. */
function profiled(js: string, options: { clockLines?: boolean; pick?: (program: acorn.Program) => OwnerNode } = {}) {
  const comments: acorn.Comment[] = [];
  const program = acorn.parse(js, { ...PARSE_OPTIONS, onComment: comments });
  const node = options.pick ? options.pick(program) : (program.body[0] as acorn.FunctionDeclaration);
  const instrumented = instrumentScript(js, [{ node, slot: 0 }], { clockLines: options.clockLines ?? false, comments });
  const probes = instrumented.probes[0];
  const hits = new Uint32Array(probes.length + 1);
  const current = new Int32Array(PARKED + probes.length + 1);
  const clock = new Float64Array(LAST_PROBE_TIME + 1);
  const lineClock = new Float64Array(probes.length + 1);
  const names = probeNames(0);
  const field = (
    h: Uint32Array,
    c: Int32Array,
    _k: Float64Array,
    _l: Float64Array | null,
    id: number,
    value: () => unknown,
  ) => (h[id]++, value());
  // The script's first statement, as a value: `(function f…)`, `(class Buf…)`, `((x) => …)`.
  const now = () => performance.now();
  const helpers = ownerHelpers(now, LAST_PROBE_TIME, PARKED)(hits, current, clock, lineClock);
  const names0 = helperNames(0);
  const compiled = new Function(
    names.hits,
    names.current,
    names.clock,
    names.lineClock,
    ...Object.values(names0),
    NOW_NAME,
    FIELD_NAME,
    `return (${instrumented.text.split("\n").length > 0 ? instrumented.text.replace(/\nconst after = 1;$/, "") : ""});`,
  )(hits, current, clock, lineClock, ...Object.keys(names0).map((k) => helpers[k as keyof typeof helpers]), now, field);
  const hitsOn = (line: number) => {
    const first = probes.find((p) => p.loc.line === line);
    return first ? hits[first.id] : null;
  };
  return {
    text: instrumented.text,
    spotted: instrumented.spotted,
    compiled,
    hits,
    current,
    clock,
    lineClock,
    probes,
    hitsOn,
  };
}

test("a loop of 10 with an if taken 3 times: exact hits, header counts iterations + 1", () => {
  const { compiled, hitsOn, current } = profiled(
    [
      "function f() {", //                1
      "  let taken = 0;", //              2
      "  for (let i = 0; i < 10; i++) {", // 3
      "    if (i % 3 === 0) {", //        4
      "      taken++;", //                5
      "    }", //                         6
      "  }", //                           7
      "  return taken;", //               8
      "}",
    ].join("\n"),
  );
  assert.equal(compiled(), 4);
  assert.deepEqual([2, 3, 4, 5, 6, 8].map(hitsOn), [1, 11, 10, 4, null, 1]);
  assert.equal(current[0], 0, "the current-statement cell is cleared when the function returns");
  assert.equal(current[1], 0, "no call is left running");
});

test("the if taken exactly 3 times of 10", () => {
  const { compiled, hitsOn } = profiled(
    [
      "function f() {",
      "  let n = 0;",
      "  for (let i = 0; i < 10; i++)",
      "    if (i < 3) n++;",
      "  return n;",
      "}",
    ].join("\n"),
  );
  assert.equal(compiled(), 3);
  assert.deepEqual([3, 4].map(hitsOn), [11, 10]);
});

test("else-if chains count each condition that is evaluated, on its own line", () => {
  const { compiled, hitsOn } = profiled(
    [
      "function f(xs) {",
      "  let s = '';",
      "  for (const x of xs) {",
      "    if (x < 0) s += 'n';",
      "    else if (x === 0) s += 'z';",
      "    else if (x < 10) s += 's';",
      "    else s += 'b';",
      "  }",
      "  return s;",
      "}",
    ].join("\n"),
  );
  assert.equal(compiled([-1, 0, 5, 50, 7]), "nzsbs");
  assert.deepEqual([3, 4, 5, 6, 7].map(hitsOn), [6, 5, 4, 3, 1]);
});

test("while, do-while, for(;;), labels with continue, switch cases", () => {
  const { compiled, hitsOn } = profiled(
    [
      "function f() {",
      "  let n = 0, m = 0;",
      "  while (n < 5) n++;",
      "  do {",
      "    m++;",
      "  } while (m < 3);",
      "  outer: for (const a of [1, 2, 3]) {",
      "    for (;;) { if (a === 2) continue outer; break; }",
      "    switch (a) {",
      "      case 1: m += 10; break;",
      "      default: m += 100;",
      "    }",
      "  }",
      "  return n + m;",
      "}",
    ].join("\n"),
  );
  assert.equal(compiled(), 5 + 3 + 10 + 100);
  assert.deepEqual([3, 4, 5, 6, 7, 8, 9, 10, 11].map(hitsOn), [6, 1, 3, 3, 4, 3, 2, 1, 1]);
});

test("arrow callbacks count on their own lines and give the line back to their caller", () => {
  const { compiled, hitsOn, current } = profiled(
    [
      "function f(xs) {",
      "  const doubled = xs.map((x) =>",
      "    x * 2);",
      "  const wrapped = xs.map((x) => ({ x }));",
      "  return doubled.reduce((a, b) => {",
      "    return a + b;",
      "  }, 0) + wrapped.length;",
      "}",
    ].join("\n"),
  );
  assert.equal(compiled([1, 2, 3]), 12 + 3);
  assert.deepEqual([2, 3, 4, 5, 6].map(hitsOn), [1, 3, 1, 1, 3]);
  assert.equal(current[0], 0);
});

test("the current statement is restored after a throw and across recursion", () => {
  const js = ["function f(n) {", "  if (n === 0) throw new Error('bottom');", "  return f(n - 1);", "}"].join("\n");
  const { compiled, current, hitsOn } = profiled(js);
  assert.throws(() => compiled(3), /bottom/);
  assert.equal(current[0], 0);
  assert.equal(hitsOn(2), 4, "the recursive calls reach the copy through its own name");
});

test("a plain owner's guard goes around the call of its twin, whose loops are then in no try block; a throw still restores the line and stops the clock", () => {
  const js = [
    "function f(n) {",
    "  for (let i = 0; i < n; i++) if (i === 2) throw new Error('two');",
    "  return n;",
    "}",
  ].join("\n");
  const { text, compiled, current, clock, hitsOn } = profiled(js);
  const twin = text.split("\n")[1];
  assert.match(
    twin,
    /^const __tsprof_lp = __tsprof_lc0\[0\]; .* try \{ return \(\(n\) => \{ (.*) \}\)\(n\); \} finally \{ __tsprof_lc0\[0\] = __tsprof_lp; .*\}$/,
  );
  assert.doesNotMatch(twin.slice(twin.indexOf("=> {"), twin.lastIndexOf("})(n);")), /\btry\b/);
  assert.equal(compiled(2), 2);
  assert.throws(() => compiled(5), /two/);
  assert.deepEqual([current[0], current[1]], [0, 0], "no line current and no activation running after the throw");
  assert.ok(clock[0] > 0);
  assert.equal(hitsOn(2), 3 + 3);
});

test("the twin is one new line before the body's first line; directives stay first; async and generator bodies work", async () => {
  const js = [
    "async function f(xs) {",
    '  "use strict";',
    "  let s = 0;",
    "  for (const x of xs) s += await x;",
    "  return s;",
    "}",
  ].join("\n");
  const { text, compiled, hitsOn } = profiled(js);
  const lines = text.split("\n");
  assert.equal(lines.length, js.split("\n").length + 1);
  assert.deepEqual(
    lines.filter((_, i) => i !== 2),
    js.split("\n"),
    "every original line is still there, unchanged",
  );
  assert.match(lines[2], /^return \(async \(xs\) => \{ const __tsprof_lp/);
  assert.equal(await compiled([1, Promise.resolve(2), 3]), 6);
  assert.deepEqual([3, 4, 5].map(hitsOn), [1, 4, 1]);
  const gen = profiled(["function* g() {", "  for (let i = 0; i < 3; i++) yield i;", "}"].join("\n"));
  assert.deepEqual([...gen.compiled()], [0, 1, 2]);
  assert.equal(gen.hitsOn(2), 4);
  assert.equal(gen.current[0], 0);
});

test("the twin takes the parameters as its own, with their defaults and destructuring applied; a body reading `arguments` keeps them shared; a twin inside a line captures them", () => {
  const js = ["function f({ a, b = 2 }, [c], ...rest) {", "  return a + b + c + rest.length;", "}"].join("\n");
  const destructured = profiled(js);
  assert.match(destructured.text, /return \(\(a, b, c, rest\) => \{.*\}\)\(a, b, c, rest\);/);
  assert.equal(destructured.compiled({ a: 1 }, [3], 9, 9), 8);
  assert.equal(destructured.hitsOn(2), 1);
  // Sloppy code: `arguments[0]` is `a` itself, so the twin must read the function's own `a`.
  const aliased = profiled(["function g(a) {", "  arguments[0] = 5;", "  return a;", "}"].join("\n"));
  assert.match(aliased.text, /return \(\(\) => \{/);
  assert.equal(aliased.compiled(1), 5);
  const generator = profiled(
    ["function* g(n) {", "  for (let i = 0; i < n; i++) yield arguments.length;", "}"].join("\n"),
  );
  assert.deepEqual([...generator.compiled(2, "extra")], [2, 2]);
});

test("a one-line function gets its twin inside its line; the line keeps its number", () => {
  const { text, spotted, compiled, hitsOn, clock } = profiled("function f(x) { return x * 2; }\nconst after = 1;");
  assert.match(
    text,
    /^function f\(x\) \{\uFEFF const __tsprof_lp = [^;]*; [^;]*; try \{ return \(\(\) => \{.*\} \uFEFF return x \* 2; \}\n/,
    "captures x: a parameter list in the line could be matched with the function's own",
  );
  assert.equal(
    spotted,
    "function f(x) {\uFEFF\uFEFF return x * 2; }\nconst after = 1;",
    "no twin spot in the source: the edit adds one first",
  );
  assert.equal(text.split("\n").length, 2);
  assert.equal(compiled(4), 8);
  assert.equal(hitsOn(1), 1);
  assert.ok(clock[0] > 0, "the call was clocked");
});

test("in code tsprof compiled, a one-line function's twin goes between the two characters of its twin spot, which occur nowhere in the twin", () => {
  const js = `function f(x) { (__tsprof_k.active && __tsprof_c[0]++);${TWIN_SPOT} return [1].map((y) => (__tsprof_k.active && __tsprof_c[1]++, y * x)); }\nconst after = 1;`;
  const { text, spotted } = profiled(js);
  assert.equal(spotted, null, "the spot is there already");
  const [before, twin, rest] = text.split(TWIN_SPOT[0]);
  assert.equal(before + TWIN_SPOT + rest, js, "the twin is one insertion, in the spot");
  assert.match(twin, /^ const __tsprof_lp = .*return \(\(\) => \{/);
});

test("on one line the copy means what the lines meant: comments, template literals, semicolons a line break stood for", () => {
  const js = [
    "function f(a) {",
    "  // a comment with a quote ' and a brace {",
    "  let s = `x",
    "y`",
    "  let t = 'p\\",
    "q'",
    "  return [s, t, a]",
    "}",
  ].join("\n");
  const { compiled, hitsOn } = profiled(js);
  assert.deepEqual(compiled(1), ["x\ny", "pq", 1]);
  assert.deepEqual([3, 5, 7].map(hitsOn), [1, 1, 1]);
});

test("a class: its constructor and instance field initializers, each counted on its line", () => {
  const js = [
    "class Buf {",
    "  data = [1, 2];",
    "  size = this.data.length;",
    "  constructor(n) {",
    "    this.n = n;",
    "  }",
    "  other() { return 1; }",
    "}",
  ].join("\n");
  const { compiled, hitsOn } = profiled(js, { pick: (program) => program.body[0] as acorn.ClassDeclaration });
  const Buf = compiled as unknown as new (n: number) => { n: number; size: number };
  const made = [new Buf(3), new Buf(4)];
  assert.deepEqual(
    made.map((b) => [b.n, b.size]),
    [
      [3, 2],
      [4, 2],
    ],
  );
  assert.deepEqual([2, 3, 5, 7].map(hitsOn), [2, 2, 2, null]);
});

test("an arrow with an expression body keeps its original expression after the twin", () => {
  const js = "(x) => x * 3";
  const { compiled, hitsOn, current } = profiled(js, {
    pick: (program) => (program.body[0] as acorn.ExpressionStatement).expression as acorn.ArrowFunctionExpression,
  });
  assert.equal((compiled as any)(2), 6);
  assert.equal(hitsOn(1), 1);
  assert.equal(current[1], 0);
});

/** The clocked time of all the probes' statements (index 0, "not running", is where time outside the owner goes). */
function lineTotal(probes: { id: number }[], lineClock: Float64Array): number {
  return probes.reduce((sum, p) => sum + lineClock[p.id], 0);
}

test("-c: a callback on the line that calls it does not count the line's time twice", () => {
  const js = [
    "function f(xs) {",
    "  return xs.map((x) => { let y = 0; for (let i = 0; i < 2000; i++) y += Math.sqrt(i * x); return y; });",
    "}",
  ].join("\n");
  const { compiled, probes, lineClock, clock } = profiled(js, { clockLines: true });
  compiled(Array.from({ length: 50 }, (_, i) => i));
  const total = lineTotal(probes, lineClock);
  assert.ok(
    Math.abs(total - clock[0]) <= clock[0] * 0.1 + 0.05,
    `the line times add up to the clocked total (${total} vs ${clock[0]})`,
  );
});

test("-c clocks every line: the time of a line includes what it called", () => {
  const js = [
    "function f() {",
    "  let s = 0;",
    "  for (let i = 0; i < 20000; i++) s += Math.sqrt(i);",
    "  return s;",
    "}",
  ].join("\n");
  const { compiled, probes, lineClock, clock } = profiled(js, { clockLines: true });
  compiled();
  const loopLine = probes.filter((p) => p.loc.line === 3).reduce((sum, p) => sum + lineClock[p.id], 0);
  const total = lineTotal(probes, lineClock);
  assert.ok(loopLine / total > 0.9, `the loop line holds most of the time (${lineClock.join(", ")})`);
  assert.ok(
    Math.abs(total - clock[0]) <= clock[0] * 0.1 + 0.05,
    `the line times add up to the clocked total (${total} vs ${clock[0]})`,
  );
});

/** An iterable whose `next` spins `ms` and records the statement its caller is on. */
function spinningIterable(values: number[], ms: number, current: () => number, seen: number[]) {
  return {
    [Symbol.iterator]() {
      let i = 0;
      return {
        next() {
          seen.push(current());
          const end = performance.now() + ms;
          while (performance.now() < end);
          return i < values.length ? { value: values[i++], done: false } : { value: undefined, done: true };
        },
      };
    },
  };
}

const FOR_OF = [
  "function f(it) {", //           1
  "  let total = 0;", //           2
  "  for (const v of it) {", //    3
  "    if (v < 0) continue;", //   4
  "    total += v", //             5 (no semicolon)
  "  }", //                        6
  "  return total;", //            7
  "}",
].join("\n");

test("for…of: each call of the iterator's next runs on the for line (after the body, after a continue), with the same hits", () => {
  const { compiled, probes, current, hitsOn } = profiled(FOR_OF);
  const seen: number[] = [];
  assert.equal(compiled(spinningIterable([1, -1, 2], 0, () => current[0], seen)), 3);
  const lineOf = (id: number) => probes.find((p) => p.id === id)!.loc.line;
  assert.deepEqual(seen.map(lineOf), [3, 3, 3, 3]);
  assert.deepEqual([3, 4, 5, 7].map(hitsOn), [4, 3, 2, 1]);
});

test("-c for…of: the iterator's time is the for line's", () => {
  const { compiled, probes, lineClock } = profiled(FOR_OF, { clockLines: true });
  compiled(spinningIterable([1, 2, 3], 2, () => 0, []));
  const onLine = (line: number) =>
    probes.filter((p) => p.loc.line === line).reduce((sum, p) => sum + lineClock[p.id], 0);
  assert.ok(onLine(3) > 7, `four calls of next, 2 ms each, on the for line: ${onLine(3)} ms`);
  assert.ok(onLine(5) < 1, `the body's line: ${onLine(5)} ms`);
});

test("async calls of an owner that interleave: none is left running, and with -c no line gets time after the last returned", async () => {
  const js = ["async function f(ms) {", "  await new Promise((r) => setTimeout(r, ms));", "  return ms;", "}"].join(
    "\n",
  );
  for (const clockLines of [false, true]) {
    const { compiled, current, clock, probes, lineClock } = profiled(js, { clockLines });
    // The first to start returns first, and the other then restores the line it started on.
    await Promise.all([compiled(5), compiled(20)]);
    assert.equal(current[1], 0, "no call is left running");
    assert.equal(current[PARKED], 0, "none is left awaiting");
    const awaited = probes.filter((p) => p.loc.line === 2).reduce((sum, p) => sum + lineClock[p.id], 0);
    if (clockLines)
      assert.ok(
        awaited > 0.9 * clock[0],
        `the await line holds the time some call awaited there: ${awaited} of ${clock[0]} ms`,
      );
    const before = lineTotal(probes, lineClock);
    await new Promise((r) => setTimeout(r, 30));
    await compiled(0);
    if (clockLines)
      assert.ok(
        lineTotal(probes, lineClock) - before < 10,
        `the wait between the runs went to no line: ${lineTotal(probes, lineClock) - before} ms`,
      );
    assert.ok(
      lineTotal(probes, lineClock) <= clock[0] + 1e-9,
      `the lines (${lineTotal(probes, lineClock)} ms) within the clocked total (${clock[0]} ms)`,
    );
  }
});

test("an await that throws, caught or not, leaves no call counted as awaiting", async () => {
  const js = [
    "async function f(fail) {",
    "  try {",
    "    await Promise.reject(new Error('x'));",
    "  } catch {}",
    "  await 0;",
    "  if (fail) await Promise.reject(new Error('y'));",
    "  return 1;",
    "}",
  ].join("\n");
  for (const clockLines of [false, true]) {
    const { compiled, current } = profiled(js, { clockLines });
    assert.equal(await compiled(false), 1);
    await assert.rejects(compiled(true), /y/);
    assert.deepEqual(
      [current[1], current[PARKED], ...current.slice(PARKED + 1)].filter((n) => n !== 0),
      [],
      `${clockLines}: ${current.join()}`,
    );
  }
});

test("a one-line async arrow's counting version, sampled or -c, is well within what V8's live edit follows", () => {
  const js = `const arrow = async () => { (__tsprof_k.active && __tsprof_c[0]++);${TWIN_SPOT} await sleep(10); return 1; };`;
  const program = acorn.parse(js, PARSE_OPTIONS);
  const node = (program.body[0] as acorn.VariableDeclaration).declarations[0].init as acorn.ArrowFunctionExpression;
  for (const clockLines of [false, true]) {
    const made = instrumentScript(js, [{ node, slot: 123 }], { clockLines, comments: [] });
    assert.deepEqual(made.longLines, []);
    assert.ok(made.text.length < 0.75 * V8_DIFF_LINE_LIMIT, `${made.text.length} characters: ${made.text}`);
  }
});

/**
 * V8's live edit on a script of its own: the twin text changes with the slot (its arrays' names),
 * and before twin spots a one-line function was reached at some slots and not at others (each of
 * these three at some of the slots tried here). Each is edited in and back, as %lprun does: by
 * way of the spotted source where the script has no spots of its own.
 */
test("with V8's live edit, a one-line function is reached and put back at every slot, with or without the unit's twin spots", () => {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params: object): any => {
    let reply: any;
    session.post(method, params, (error, r) => {
      if (error) throw error;
      reply = r;
    });
    return reply;
  };
  const scripts = new Map<string, string>();
  session.on("Debugger.scriptParsed", (m) => scripts.set(m.params.url, m.params.scriptId));
  post("Debugger.enable", {});
  try {
    const counter = `(__tsprof_k.active && __tsprof_c[0]++);`;
    const bodies = ["return 1;", "const b = a * 2; return b + 1;", "let s = 0; for (const x of [a]) s += x; return s;"];
    const missed: string[] = [];
    let file = 0;
    for (const body of bodies) {
      for (const compiled of [`${counter}${TWIN_SPOT} `, ""]) {
        for (const slot of [0, 9, 10, 99, 100]) {
          const js = `(function (exports) { function one(a) { ${compiled}${body} }\nexports.one = one;\n})(globalThis.__tsprof_liveEditTest = {})`;
          const url = `tsprof-live-edit-test-${++file}.js`;
          vm.runInThisContext(js, { filename: url });
          const one = (globalThis as any).__tsprof_liveEditTest.one as Function;
          const comments: acorn.Comment[] = [];
          const program = acorn.parse(js, { ...PARSE_OPTIONS, onComment: comments });
          const node = ((program.body[0] as acorn.ExpressionStatement).expression as any).callee.body
            .body[0] as acorn.FunctionDeclaration;
          const made = instrumentScript(js, [{ node, slot }], { clockLines: false, comments });
          const scriptId = scripts.get(url)!;
          for (const text of [made.spotted, made.text])
            if (text !== null) post("Debugger.setScriptSource", { scriptId, scriptSource: text });
          const reached = one.toString().includes("__tsprof_lh");
          for (const text of [made.spotted, js])
            if (text !== null) post("Debugger.setScriptSource", { scriptId, scriptSource: text });
          const back = one.toString() === js.slice(js.indexOf("function one"), js.indexOf("\nexports"));
          if (!reached || !back)
            missed.push(
              `${compiled ? "cell" : "package"} "${body}" at slot ${slot}: ${reached ? "not put back" : "not reached"}`,
            );
        }
      }
    }
    assert.deepEqual(missed, []);
  } finally {
    delete (globalThis as any).__tsprof_liveEditTest;
    post("Debugger.disable", {});
    session.disconnect();
  }
});

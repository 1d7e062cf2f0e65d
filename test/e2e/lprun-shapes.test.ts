/**
 * %lprun through a real Jupyter server and the installed kernel, on the shapes of code it used to
 * miss or mismeasure: async functions whose calls overlap or return early (line times only while
 * a call runs or awaits, never over 100%), -c on one-line async arrows, bound functions,
 * constructors of every class shape, `for…of` over a generator (its time on the `for` line), and
 * code that many function objects share (a library's dispatcher).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { kernelForFile, plain, type Execution } from "./harness";
import { hits, tables, type Row, type Table } from "./line-tables";

const ASYNC = `const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function L() {
  await sleep(20);
  return 1;
}
async function P() {
  await L();
  await sleep(200);
}
async function both() {
  await Promise.all([L(), sleep(5).then(L)]);
  await sleep(200);
}
function spin(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}
const arrow = async () => { await sleep(10); return 1; };`;

/** A package shaped like typed-function (one dispatcher closure per function) and gpt-tokenizer (a method bound in the constructor). */
const PACKAGES: Record<string, string> = {
  "node_modules/tiny-typed/package.json": '{ "name": "tiny-typed", "version": "1.0.0", "main": "index.js" }',
  "node_modules/tiny-typed/index.js": [
    "function typed(name, impl) {",
    "  return function dispatch(...args) {",
    "    if (args.length !== impl.length) throw new TypeError(name + ': wrong number of arguments');",
    "    return impl(...args);",
    "  };",
    "}",
    "exports.det = typed('det', (m) => m[0] * m[3] - m[1] * m[2]);",
    "exports.add = typed('add', (a, b) => a + b);",
    "exports.mul = typed('mul', (a, b) => a * b);",
    "class Tokenizer {",
    "  constructor() { this.encode = this.encode.bind(this); }",
    "  encode(text) {",
    "    const out = [];",
    "    for (const ch of text) out.push(ch.charCodeAt(0));",
    "    return out;",
    "  }",
    "}",
    "exports.encode = new Tokenizer().encode;",
    "",
  ].join("\n"),
};

const session = kernelForFile(async ({ jupyter, ok }) => {
  for (const [file, text] of Object.entries(PACKAGES)) {
    const full = path.join(jupyter.notebookDir, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
  await ok(ASYNC);
});
const { ok } = session;

/** Microseconds (the default unit) and % Time of the row holding `text`. */
function row(table: Table, text: string): Row {
  const found = table.rows.find((r) => r.contents.includes(text));
  assert.ok(found, `a row with ${text} in ${JSON.stringify(table.rows)}`);
  return found;
}

/** The Total time line of a table, in seconds. */
function total(run: Execution, index = 0): number {
  const block = String(run.displays[0]["text/plain"]).split(/\n(?=Total time: )/)[index + 1];
  return Number(/^Total time: ([\d.e-]+) s/.exec(block)![1]);
}

/** No line over 100%, and the lines' times within the Total time (rounding aside). */
function assertWithinTotal(run: Execution, table: Table, index = 0): void {
  const text = String(run.displays[0]["text/plain"]);
  assert.ok(
    table.rows.every((r) => (r.percent ?? 0) <= 100),
    text,
  );
  const sum = table.rows.reduce((s, r) => s + (r.time ?? 0), 0);
  assert.ok(sum <= total(run, index) * 1e6 * 1.001 + 1, `lines ${sum} µs, total ${total(run, index)} s:\n${text}`);
}

describe("%lprun on async functions: line times only while a call runs or awaits in its body", () => {
  test("a function that returned is charged nothing while its caller goes on waiting (the issue's L and P)", async () => {
    const run = await ok("%lprun -f L await P()");
    const [table] = tables(run);
    assertWithinTotal(run, table);
    assert.ok(total(run) >= 0.015 && total(run) < 0.15, `L ran about 20 ms of P's 220: ${total(run)} s`);
    assert.ok(row(table, "await sleep(20);").percent! >= 90, String(run.displays[0]["text/plain"]));
  });

  test("calls that overlap, the first to start returning first: sampled and with -c", async () => {
    for (const flags of ["", "-c "]) {
      const run = await ok(`%lprun ${flags}-f L await both()`);
      const [table] = tables(run);
      assert.deepEqual(hits(run, [3, 4]), [2, 2], flags);
      assertWithinTotal(run, table);
      assert.ok(total(run) < 0.15, `L's calls ran for some 25 ms of 225: ${total(run)} s (${flags})`);
      // The second call still awaits after the first returned: that time is its await's too.
      assert.ok(row(table, "await sleep(20);").percent! >= 90, `${flags}\n${run.displays[0]["text/plain"]}`);
    }
  });

  test("%%lprun: the cell's own awaits hold what they awaited, sampled and with -c", async () => {
    for (const flags of ["", " -c"]) {
      const run = await ok(`%%lprun${flags}\nawait sleep(30);\nconst got = await L();`);
      const table = tables(run).find((t) => t.header[2] === "Function: <module> at line 1")!;
      assertWithinTotal(run, table);
      assert.ok(row(table, "await sleep(30);").time! >= 20_000, `${flags}\n${run.displays[0]["text/plain"]}`);
      assert.ok(row(table, "const got = await L();").time! >= 10_000, `${flags}\n${run.displays[0]["text/plain"]}`);
    }
  });

  test("a short run read by few samples: no line over 100%", async () => {
    await ok("function brief() {\n  spin(0.3);\n  return 1;\n}");
    for (let i = 0; i < 5; i++) {
      const run = await ok("%lprun -f brief brief()");
      assertWithinTotal(run, tables(run)[0]);
    }
  });
});

describe("%lprun -c on one-line functions, and refusals that name the line", () => {
  test("-c on a one-line async arrow: counted, with the awaited time on its line", async () => {
    const run = await ok("%lprun -c -f arrow await arrow()");
    const [table] = tables(run);
    assert.equal(table.rows.length, 1);
    assert.equal(table.rows[0].hits, 1);
    assert.ok(table.rows[0].time! >= 5000, `a 10 ms sleep on the line: ${table.rows[0].time} µs`);
    assert.equal((await ok("await arrow()")).result?.["text/plain"], "1");
  });

  test("a one-line function too long for V8's live edit: the refusal names its line in the cell", async () => {
    const body = Array.from({ length: 70 }, (_, i) => `s += n * ${i};`).join(" ");
    const cell = await ok(`// line 1\nfunction longOne(n: number) { let s = 0; ${body} return s; }`);
    const run = await session.kernel.execute("%lprun -f longOne longOne(2)");
    assert.equal(run.status, "error");
    assert.match(
      plain(run.text),
      new RegExp(
        `line too long for V8's live edit to follow \\(line 2 of <cell ${cell.executionCount}>, over 800 characters`,
      ),
    );
  });
});

describe("%lprun -f on a bound function profiles its target, and says so", () => {
  test("f.bind(…), bound twice", async () => {
    await ok(
      "function addUp(this: unknown, n: number) {\n  let s = 0;\n  for (let i = 0; i < n; i++) s += i;\n  return s;\n}\nconst boundAddUp = addUp.bind(null).bind(null);",
    );
    const run = await ok("%lprun -f boundAddUp boundAddUp(10)");
    assert.match(
      run.stdout,
      /^boundAddUp is a bound function: %lprun profiles the function it calls, addUp \(<cell \d+>:1\)\.$/m,
    );
    assert.equal(tables(run)[0].header[2], "Function: addUp at line 1");
    assert.deepEqual(hits(run, [2, 3, 4]), [1, 11, 1]);
  });

  test("a package's method bound in its constructor (gpt-tokenizer's encode)", async () => {
    await ok('import { encode, det, add } from "tiny-typed";');
    const run = await ok('%lprun -f encode encode("hello")');
    assert.match(
      run.stdout,
      /^encode is a bound function: %lprun profiles the function it calls, Tokenizer\.encode \(node_modules\/tiny-typed\/index\.js:12\)\.$/m,
    );
    assert.deepEqual(hits(run, [13, 14, 15]), [1, 6, 1]);
    assert.equal((await ok('encode("hi").join()')).result?.["text/plain"], "'104,105'");
  });
});

describe("%lprun -f on a class, whatever its shape", () => {
  test("declared fields with no initializer, on one line (the issue's Buf) and on several", async () => {
    const oneLine = await ok(
      "class Buf { data: number[]; constructor(n: number) { this.data = []; for (let i = 0; i < n; i++) this.data.push(i); } }",
    );
    const run = await ok("%lprun -f Buf new Buf(10)");
    assert.deepEqual(tables(run)[0].header.slice(1, 3), [
      `File: <cell ${oneLine.executionCount}>`,
      "Function: Buf at line 1",
    ]);
    assert.deepEqual(hits(run, [1]), [1]);
    await ok(
      "class Rows {\n  data: number[];\n  constructor(n: number) {\n    this.data = [];\n    for (let i = 0; i < n; i++) this.data.push(i);\n  }\n}",
    );
    assert.deepEqual(hits(await ok("%lprun -f Rows new Rows(10)"), [4, 5]), [1, 11]);
    assert.equal(
      (await ok("new Buf(3).data.join() + ' ' + new Rows(2).data.join()")).result?.["text/plain"],
      "'0,1,2 0,1'",
    );
  });

  test("parameter properties, and a subclass calling super(…): each class's own constructor", async () => {
    await ok(
      "class Layer {\n  constructor(private w: number[]) {\n    this.w.push(1);\n  }\n  size() { return this.w.length; }\n}\nclass Dense extends Layer {\n  units: number;\n  constructor(w: number[], units: number) {\n    super(w);\n    this.units = units;\n  }\n}",
    );
    const layer = await ok("%lprun -f Layer new Layer([])");
    assert.deepEqual(hits(layer, [2, 3]), [1, 1]);
    const dense = await ok("%lprun -f Dense -f Layer new Dense([0], 4)");
    assert.deepEqual(hits(dense, [10, 11], "Dense"), [1, 1]);
    assert.deepEqual(hits(dense, [3], "Layer"), [1]);
    assert.equal((await ok("const d = new Dense([0], 4); [d.size(), d.units].join()")).result?.["text/plain"], "'2,4'");
  });

  test("a class with no code of its own to run on new: the refusal says why and what to profile", async () => {
    await ok("class Plain extends Layer {\n  extra(): number { return 1; }\n}");
    const run = await session.kernel.execute("%lprun -f Plain new Plain([])");
    assert.equal(run.status, "error");
    assert.match(
      plain(run.text),
      /%lprun has no lines to count in Plain: the class has no constructor and no field initializers of its own, so none of its code runs when one is made: its base class's constructor runs instead, so profile that class\. Its methods can be profiled \(-f Plain\.prototype\.NAME\)\./,
    );
  });
});

describe("%lprun: for…of charges its iterator's time to the for line, as line_profiler does", () => {
  const GENERATOR =
    "function* slowGen(n: number) {\n  for (let i = 0; i < n; i++) {\n    spin(2);\n    yield i;\n  }\n}\nfunction useGen(n: number) {\n  let total = 0;\n  for (const v of slowGen(n)) {\n    total += v;\n  }\n  return total;\n}";

  test("a generator's work is on the for line, sampled and with -c; the hits are as before", async () => {
    await ok(GENERATOR);
    for (const flags of ["-c ", ""]) {
      const run = await ok(`%lprun ${flags}-f useGen useGen(40)`);
      const [table] = tables(run);
      assert.deepEqual(hits(run, [9, 10]), [41, 40], flags);
      assert.ok(row(table, "for (const v of slowGen(n))").percent! >= 80, `${flags}\n${run.displays[0]["text/plain"]}`);
      assert.ok(row(table, "total += v;").percent! <= 10, `${flags}\n${run.displays[0]["text/plain"]}`);
    }
  });
});

describe("%lprun -f on code that many function objects share", () => {
  test("a library's dispatcher: the output says how many functions share it, and counts every call of any", async () => {
    const run = await ok("%lprun -f det add(1, 2) + det([1, 2, 3, 4])");
    assert.match(
      run.stdout,
      /^det runs code that 3 functions share \(closures made by one function, like a library's dispatcher\): %lprun counts the lines of dispatch \(node_modules\/tiny-typed\/index\.js:2\) in every call of any of them\.$/m,
    );
    assert.deepEqual(hits(run, [3, 4]), [2, 2]);
  });

  test("closures from a cell: said when two exist, not when one does", async () => {
    await ok(
      "function makeScale(k: number) {\n  return function scale(x: number) {\n    return x * k;\n  };\n}\nconst twice = makeScale(2);",
    );
    assert.doesNotMatch((await ok("%lprun -f twice twice(1)")).stdout, /share/);
    await ok("const thrice = makeScale(3);");
    const run = await ok("%lprun -f twice twice(1) + thrice(1)");
    assert.match(
      run.stdout,
      /^twice runs code that 2 functions share .*: %lprun counts the lines of scale \(<cell \d+>:2\) in every call of any of them\.$/m,
    );
    assert.deepEqual(hits(run, [3]), [2]);
  });
});

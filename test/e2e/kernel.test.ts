/**
 * The tsprof kernel through a real Jupyter server, the way a notebook front end drives it:
 * state across cells, outputs, errors and their tracebacks, ipykernel's abort semantics,
 * magics' dispatch and help, interrupts, and the protocol requests besides execute.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { kernelForFile, plain } from "./harness";

const session = kernelForFile();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("cells", () => {
  test("a function defined in one cell is called in the next, with an execute_result", async () => {
    const define = await session.kernel.execute("function double(x: number): number {\n  return 2 * x;\n}");
    assert.equal(define.status, "ok");
    assert.deepEqual(define.outputs, []);
    const use = await session.kernel.execute("double(21)");
    assert.equal(use.status, "ok");
    assert.deepEqual(use.result, { "text/plain": "42" });
    const result = use.outputs.find((o) => o.output_type === "execute_result");
    assert.equal(result && "execution_count" in result ? result.execution_count : null, use.executionCount);
  });

  test("execution counts go up by one and match the execute_input", async () => {
    const a = await session.kernel.execute("1");
    const b = await session.kernel.execute("2");
    assert.equal(b.executionCount, a.executionCount! + 1);
    assert.equal(a.inputExecutionCount, a.executionCount);
    assert.equal(b.inputExecutionCount, b.executionCount);
  });

  test("console.log and console.error stream to stdout and stderr", async () => {
    const run = await session.kernel.execute('console.log("hello", 1 + 1);\nconsole.error("careful");');
    assert.equal(run.status, "ok");
    assert.equal(run.stdout, "hello 2\n");
    assert.equal(run.stderr, "careful\n");
    assert.equal(run.result, undefined, "a statement ending in a call that returns undefined shows no result");
  });

  test("top-level await gives its value and keeps the names it declares", async () => {
    const run = await session.kernel.execute(
      "const awaited = await new Promise<number>((r) => setTimeout(() => r(5), 20));\nawaited * 2",
    );
    assert.equal(run.status, "ok");
    assert.deepEqual(run.result, { "text/plain": "10" });
    assert.deepEqual((await session.kernel.execute("awaited + 1")).result, { "text/plain": "6" });
  });

  test("values are shown as text/plain, as JavaScript would write them", async () => {
    const run = await session.kernel.execute('({ a: 1, b: "two" })');
    assert.equal(run.status, "ok");
    assert.match(String(run.result?.["text/plain"]), /a: 1/);
    assert.match(String(run.result?.["text/plain"]), /b: 'two'/);
    assert.deepEqual(
      (await session.kernel.execute(`"it's"`)).result,
      { "text/plain": `"it's"` },
      "a string is quoted so it reads back",
    );
  });

  test("tsprof.display sends display_data, and display.clear() sends clear_output", async () => {
    const run = await session.kernel.execute(
      'import * as tsprof from "tsprof";\nconsole.log("before");\ntsprof.display.clear();\ntsprof.display.html("<b>after</b>");',
    );
    assert.equal(run.status, "ok", run.text);
    assert.deepEqual(
      run.outputs.map((o) => o.output_type),
      ["stream", "clear_output", "display_data"],
    );
    assert.deepEqual(run.displays[0]["text/html"], "<b>after</b>");
  });

  test("an ESM-only module in the kernel's directory is imported", async () => {
    // tslab issue #72: `import` of an ES module failed with ERR_REQUIRE_ESM.
    const write = await session.kernel.execute(
      'import * as fs from "fs";\nfs.writeFileSync("esm-only.mjs", "export const answer = 42;\\nexport default function hi() { return \\"hi\\"; }\\n");',
    );
    assert.equal(write.status, "ok", write.text);
    const run = await session.kernel.execute('import hi, { answer } from "./esm-only.mjs";\n`${hi()} ${answer}`');
    assert.equal(run.status, "ok", run.text);
    assert.deepEqual(run.result, { "text/plain": "'hi 42'" });
  });
});

describe("errors", () => {
  test("a throwing cell gives an error reply naming the cell line, and the next cell runs", async () => {
    await session.kernel.execute("const before = 41;");
    const failing = await session.kernel.execute(
      "const x = 1;\nfunction fail() {\n  throw new RangeError('out of range');\n}\nfail();",
    );
    assert.equal(failing.status, "error");
    assert.equal(failing.error?.ename, "RangeError");
    assert.equal(failing.error?.evalue, "out of range");
    const traceback = plain(failing.error!.traceback.join("\n"));
    assert.match(traceback, new RegExp(`<cell ${failing.executionCount}>:3`));
    assert.match(traceback, /throw new RangeError/);
    assert.ok(
      failing.outputs.some((o) => o.output_type === "error"),
      "the error is also shown as an output",
    );
    // Sent right after the error reply: it runs and sees the state from before.
    const next = await session.kernel.execute("before + 1");
    assert.equal(next.status, "ok");
    assert.deepEqual(next.result, { "text/plain": "42" });
  });

  test("the traceback names each cell's line: a function from an earlier cell, awaited", async () => {
    const define = await session.kernel.execute(
      "async function later(n: number) {\n  await null;\n  throw new TypeError(`async fail ${n}`);\n}",
    );
    const call = await session.kernel.execute("const n = 7;\nawait later(n);");
    assert.equal(call.status, "error");
    assert.equal(call.error?.ename, "TypeError");
    assert.equal(call.error?.evalue, "async fail 7");
    assert.deepEqual(plain(call.error!.traceback.join("\n")).split("\n"), [
      "TypeError: async fail 7",
      `    at later (<cell ${define.executionCount}>:3)`,
      "    3 |   throw new TypeError(`async fail ${n}`);",
      `    at <cell ${call.executionCount}>:2`,
      "    2 | await later(n);",
    ]);
  });

  test("a compile error is a CompileError quoting the cell line; earlier state is kept", async () => {
    await session.kernel.execute("const kept = 'still here';");
    const run = await session.kernel.execute("const ok = 1;\nconst wrong: number = 'text';");
    assert.equal(run.status, "error");
    assert.equal(run.error?.ename, "CompileError");
    assert.match(run.error!.evalue, /not assignable to type 'number'/);
    const traceback = plain(run.error!.traceback.join("\n"));
    assert.match(traceback, new RegExp(`<cell ${run.executionCount}>:2:`));
    assert.match(traceback, /const wrong: number = 'text';/);
    assert.deepEqual((await session.kernel.execute("kept")).result, { "text/plain": "'still here'" });
  });

  test("throwing a value that is not an Error still gives a named error", async () => {
    const run = await session.kernel.execute('throw "plain string";');
    assert.equal(run.status, "error");
    assert.equal(run.error?.ename, "Uncaught");
    assert.match(run.error!.evalue, /plain string/);
  });

  test("requests queued behind a failing cell are aborted; one sent after the reply runs", async () => {
    // Sent together, as "Run All" does. The failing cell waits a little so the third request
    // has surely reached the kernel before the error.
    const first = session.kernel.execute("'first'");
    const failing = session.kernel.execute(
      "await new Promise((r) => setTimeout(r, 300));\nthrow new Error('stop here');",
    );
    const third = session.kernel.execute("'third'");
    const [a, b, c] = await Promise.all([first, failing, third]);
    assert.equal(a.status, "ok");
    assert.equal(b.status, "error");
    assert.deepEqual([b.error?.ename, b.error?.evalue], ["Error", "stop here"]);
    assert.equal(c.status, "aborted");
    assert.deepEqual(c.outputs, []);
    const after = await session.kernel.execute("'after'");
    assert.equal(after.status, "ok");
    assert.deepEqual(after.result, { "text/plain": "'after'" });
  });

  test("Run All whose first cell fails at once: the cells sent with it are aborted", async () => {
    // No wait in the failing cell: the later requests may still be on their way when it fails.
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all(
        ["throw new Error('fails at once');", "'second'", "'third'", "'fourth'"].map((c) => session.kernel.execute(c)),
      );
      assert.deepEqual(
        runs.map((r) => r.status),
        ["error", "aborted", "aborted", "aborted"],
        `round ${round}`,
      );
    }
    assert.equal((await session.kernel.execute("'after'")).status, "ok");
  });

  test("with stop_on_error false, queued requests still run", async () => {
    const failing = session.kernel.execute(
      "await new Promise((r) => setTimeout(r, 300));\nthrow new Error('not fatal');",
      { stopOnError: false },
    );
    const next = session.kernel.execute("'runs'");
    const [b, c] = await Promise.all([failing, next]);
    assert.equal(b.status, "error");
    assert.deepEqual([b.error?.ename, b.error?.evalue], ["Error", "not fatal"]);
    assert.equal(c.status, "ok");
    assert.deepEqual(c.result, { "text/plain": "'runs'" });
  });
});

describe("magics", () => {
  test("an unknown magic is a UsageError that names it; state is kept", async () => {
    await session.kernel.execute("const survivor = 'yes';");
    const run = await session.kernel.execute("%nosuchmagic 1 + 1");
    assert.equal(run.status, "error");
    assert.equal(run.error?.ename, "UsageError");
    assert.match(run.error!.evalue, /%nosuchmagic/);
    assert.match(run.error!.evalue, /%lsmagic/);
    assert.deepEqual((await session.kernel.execute("survivor")).result, { "text/plain": "'yes'" });
  });

  test("a malformed option is a UsageError", async () => {
    const run = await session.kernel.execute("%prun -Z double(1)");
    assert.equal(run.status, "error");
    assert.equal(run.error?.ename, "UsageError");
    assert.match(run.error!.evalue, /-Z/);
  });

  test("%lsmagic lists the line and cell magics", async () => {
    const run = await session.kernel.execute("%lsmagic");
    assert.equal(run.status, "ok");
    const text = String(run.displays[0]?.["text/plain"]);
    assert.match(text, /Available line magics:/);
    assert.match(text, /%lsmagic/);
    assert.match(text, /%prun/);
    assert.match(text, /Available cell magics:/);
    assert.match(text, /%%prun/);
    assert.match(String(run.displays[0]?.["text/html"]), /<table>/);
  });

  test("the article's %load_ext lines run as written: the magics are built in", async () => {
    const run = await session.kernel.execute("%load_ext line_profiler\n%load_ext memory_profiler");
    assert.equal(run.status, "ok");
    assert.equal(
      run.stdout,
      "line_profiler's magics (%lprun) are built into tsprof: nothing to load.\nmemory_profiler's magics (%memit and %mprun) are built into tsprof: nothing to load.\n",
    );
  });

  test("%prun? and %prun -h send the help to the pager, not the cell output", async () => {
    for (const code of ["%prun?", "%prun -h"]) {
      const run = await session.kernel.execute(code);
      assert.equal(run.status, "ok");
      assert.deepEqual(run.outputs, [], code);
      assert.match(run.pager ?? "", /^%prun \[-s KEY\]/, code);
      assert.match(run.pager ?? "", /-s KEY/, code);
    }
  });

  test("code around a line magic runs in order in the same context", async () => {
    const run = await session.kernel.execute("const around = 2;\n%lsmagic\nconsole.log(around * 3);");
    assert.equal(run.status, "ok", run.text);
    assert.deepEqual(
      run.outputs.map((o) => o.output_type),
      ["display_data", "stream"],
    );
    assert.equal(run.stdout, "6\n");
  });
});

describe("magic lines are found lexically", () => {
  test("a `%` line inside a template literal is the template's text (the issue's first example)", async () => {
    const run = await session.ok("const report = `totals:\n%d items\ndone`;\nreport");
    assert.deepEqual(run.result, { "text/plain": "'totals:\\n%d items\\ndone'" });
  });

  test("a `%` line inside a block comment is the comment's text (the issue's second example)", async () => {
    const run = await session.ok("/* note:\n%timeit is slow here\n*/ 1 + 2");
    assert.deepEqual(run.result, { "text/plain": "3" });
  });
});

describe("kernel diagnostics", () => {
  test("the kernel's own log lines go to the server's log, never into a cell", async () => {
    const run = await session.ok(
      "setTimeout(() => { throw new Error('late failure'); }, 0);\nawait new Promise((r) => setTimeout(r, 200));\nconsole.log('cell output');",
    );
    assert.equal(run.stdout, "cell output\n");
    assert.equal(run.stderr, "");
    const deadline = Date.now() + 10_000;
    while (
      !/\[tsprof\] Uncaught exception \(the kernel keeps running\): Error: late failure/.test(session.jupyter.log()) &&
      Date.now() < deadline
    )
      await sleep(100);
    assert.match(
      session.jupyter.log(),
      /\[tsprof\] Uncaught exception \(the kernel keeps running\): Error: late failure/,
    );
  });
});

describe("interrupt", () => {
  test("interrupting `while (true) {}` stops the cell; earlier state is kept", async () => {
    await session.kernel.execute("const beforeLoop = 'kept';");
    const stopped = await session.kernel.executeInterrupted("while (true) {}", 500);
    assert.equal(stopped.status, "error");
    assert.equal(stopped.error?.ename, "KeyboardInterrupt");
    const next = await session.kernel.execute("beforeLoop");
    assert.equal(next.status, "ok");
    assert.deepEqual(next.result, { "text/plain": "'kept'" });
  });

  test("an interrupt that comes while the cell still compiles stops it before its loop starts", async () => {
    // A long cell takes a while to type-check; the interrupt arrives during that.
    const declarations = Array.from({ length: 1000 }, (_, i) => `let v${i}: number = ${i} * 2;`).join("\n");
    const stopped = await session.kernel.executeInterrupted(`${declarations}\nwhile (true) {}`, 0);
    assert.equal(stopped.status, "error");
    assert.equal(stopped.error?.ename, "KeyboardInterrupt");
    assert.equal((await session.kernel.execute("beforeLoop")).status, "ok");
  });

  test("interrupting a cell that awaits a promise that never settles", async () => {
    const stopped = await session.kernel.executeInterrupted("await new Promise(() => {});", 300);
    assert.equal(stopped.status, "error");
    assert.equal(stopped.error?.ename, "KeyboardInterrupt");
    assert.equal((await session.kernel.execute("1 + 1")).status, "ok");
  });

  test("an interrupt while the kernel is idle does not affect the next cell", async () => {
    await session.kernel.interrupt();
    await sleep(200);
    const run = await session.kernel.execute("'unaffected'");
    assert.equal(run.status, "ok");
    assert.deepEqual(run.result, { "text/plain": "'unaffected'" });
  });
});

describe("protocol", () => {
  test("kernel_info names tsprof and the TypeScript version", async () => {
    const info = session.kernel.info;
    assert.equal(info.status, "ok");
    assert.equal(info.implementation, "tsprof");
    assert.equal(info.language_info.name, "typescript");
    assert.match(info.language_info.version, /^\d+\.\d+\.\d+/);
    assert.equal(info.language_info.file_extension, ".ts");
  });

  test("is_complete: complete, incomplete with indent, invalid", async () => {
    const ask = async (code: string) => (await session.kernel.connection.requestIsComplete({ code })).content;
    assert.equal((await ask("const a = 1;")).status, "complete");
    const open = await ask("function f() {");
    assert.equal(open.status, "incomplete");
    assert.equal(typeof (open as { indent?: string }).indent, "string");
    assert.equal((await ask("let = ;")).status, "invalid");
  });

  test("complete_request offers names from earlier cells and magics", async () => {
    await session.kernel.execute("const completionTarget = { alpha: 1, beta: 2 };");
    const members = (await session.kernel.connection.requestComplete({ code: "completionTarget.al", cursor_pos: 19 }))
      .content;
    assert.equal(members.status, "ok");
    assert.ok(members.status === "ok" && members.matches.includes("alpha"), JSON.stringify(members));
    const magics = (await session.kernel.connection.requestComplete({ code: "%pr", cursor_pos: 3 })).content;
    assert.ok(magics.status === "ok" && magics.matches.includes("%prun"), JSON.stringify(magics));
  });

  test("inspect_request shows a name's type", async () => {
    const reply = (
      await session.kernel.connection.requestInspect({ code: "completionTarget", cursor_pos: 5, detail_level: 0 })
    ).content;
    assert.equal(reply.status, "ok");
    assert.ok(reply.status === "ok" && reply.found);
    assert.match(String(reply.status === "ok" && reply.data["text/plain"]), /alpha: number/);
  });

  test("a complete_request or inspect_request the kernel cannot answer gets an error reply; the kernel goes on", async () => {
    const { connection } = session.kernel;
    const completion = (await connection.requestComplete({ code: null as unknown as string, cursor_pos: 3 })).content;
    assert.equal(completion.status, "error", JSON.stringify(completion));
    assert.equal((completion as { ename?: string }).ename, "TypeError");
    const inspection = (
      await connection.requestInspect({ code: null as unknown as string, cursor_pos: 3, detail_level: 0 })
    ).content;
    assert.equal(inspection.status, "error", JSON.stringify(inspection));
    assert.deepEqual((await session.kernel.execute("completionTarget.beta")).result, { "text/plain": "2" });
  });

  test("Shift-Tab on %lprun shows %lprun?'s help; Tab after `%memit -` offers its options with their help", async () => {
    const help = (await session.kernel.execute("%lprun?")).pager;
    const inspected = (
      await session.kernel.connection.requestInspect({ code: "%lprun -f f g()", cursor_pos: 6, detail_level: 0 })
    ).content;
    assert.ok(inspected.status === "ok" && inspected.found, JSON.stringify(inspected));
    assert.ok(help?.startsWith("%lprun [-f FUNC]"), help);
    assert.equal(inspected.data["text/plain"], help);
    const options = (await session.kernel.connection.requestComplete({ code: "%memit -", cursor_pos: 8 })).content;
    assert.ok(options.status === "ok", JSON.stringify(options));
    assert.deepEqual(options.matches, ["-r", "-i", "-t", "-o", "-q", "-g", "-h"]);
    assert.equal(options.cursor_start, 7);
    const types = options.metadata._jupyter_types_experimental as { text: string; signature: string }[];
    assert.match(types.find((t) => t.text === "-g")!.signature, /^-g: collect garbage/);
    // JupyterLab shows a completion's documentation from an inspect request at the completed text.
    const documented = (
      await session.kernel.connection.requestInspect({ code: "%memit -g", cursor_pos: 9, detail_level: 0 })
    ).content;
    assert.ok(documented.status === "ok" && documented.found);
    assert.match(String(documented.data["text/plain"]), /^%memit -g: collect garbage/);
  });

  test("history_request answers tail and search over this session's cells", async () => {
    await session.kernel.execute("const historyMarker = 'h1';");
    const tail = (
      await session.kernel.connection.requestHistory({ hist_access_type: "tail", n: 3, output: false, raw: true })
    ).content;
    assert.equal(tail.status, "ok");
    const inputs = tail.status === "ok" ? tail.history.map((h) => h[2]) : [];
    assert.equal(inputs.length, 3);
    assert.equal(inputs[2], "const historyMarker = 'h1';");
    const search = (
      await session.kernel.connection.requestHistory({
        hist_access_type: "search",
        pattern: "*historyMarker*",
        output: false,
        raw: true,
        n: 10,
        unique: true,
      })
    ).content;
    assert.ok(search.status === "ok" && search.history.length === 1, JSON.stringify(search));
  });

  test("comm_info_request is answered with a comm_info_reply", async () => {
    const reply = await session.kernel.connection.requestCommInfo({});
    assert.equal(reply.header.msg_type, "comm_info_reply");
    assert.equal(reply.content.status, "ok");
  });
});

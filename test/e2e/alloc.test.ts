/**
 * %alloc and %%alloc through a real Jupyter server and the installed kernel: two functions
 * allocating 30 MB and 10 MB of JS arrays attributed 3:1, a leak kept in a global array shown
 * live, garbage shown collected, a typed array's bytes outside the heap, -r, -D's .heapprofile,
 * a hostile function name escaped in the HTML, bad options and a throwing statement.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { kernelForFile, plain, type Execution } from "./harness";

/** The cell defining the functions: their file is `<cell N>`. */
let defs: string;

const XSS = "<img src=x onerror=alert(1)>";
const MB = 1e6;

/** Each row is 1250 doubles, 10 kB; 1000 rows are 10 MB of JS arrays. */
const DEFINITIONS = `function rows(n: number): number[][] { const out: number[][] = []; for (let i = 0; i < n; i++) out.push(new Array(1250).fill(i + 0.5)); return out; }
function thirty(): number { let k = 0; for (let r = 0; r < 3; r++) k += rows(1000).length; return k; }
function ten(): number { return rows(1000).length; }
const kept: number[][][] = [];
function leak(): void { kept.push(rows(1000)); }
function garbage(): number { let n = 0; for (let r = 0; r < 4; r++) n += rows(1000).length; return n; }
const hostile = { ["${XSS}"](): number { return rows(500).length; } };
function typed(): Float64Array { return new Float64Array(1_000_000).fill(1); }`;

const session = kernelForFile(async ({ ok }) => {
  defs = `<cell ${(await ok(DEFINITIONS)).executionCount}>`;
  // Warm up, so that the measured runs allocate what optimized code allocates.
  await ok("thirty(); ten(); garbage(); hostile['" + XSS + "']();");
});
const { ok } = session;

const PLOTLY = "application/vnd.plotly.v1+json";
const table = (run: Execution) => String(run.displays[0]?.["text/plain"] ?? "");

/** The numbers of a returned profile, read back from the kernel. */
async function numbers(expression: string): Promise<any> {
  return JSON.parse((await ok(`console.log(JSON.stringify(${expression}))`)).stdout);
}

describe("%alloc", () => {
  test("30 MB and 10 MB of JS arrays: attributed 3:1 ± 15%, with the table, the HTML and the icicle", async (t) => {
    const run = await ok("%alloc -g thirty(); ten()");
    const text = table(run);
    assert.match(
      text,
      /^ {9}[\d.]+ [KMG]iB allocated in \d+\.\d{3} seconds \([\d,]+ sampled allocations, one per 16\.0 KiB on average/,
      text,
    );
    assert.ok(text.includes("  samples       self      total filename:lineno(function)"), text);
    assert.match(text, new RegExp(`^ +\\d+ +[\\d.]+ MiB +[\\d.]+ MiB ${defs}:1\\(rows\\)$`, "m"), text);
    assert.match(text, /Typed arrays and Buffers count here as their small JS handle/);
    assert.match(String(run.displays[0]["text/html"]), /<table data-tsprof-sortable/);
    assert.equal((run.displays[1][PLOTLY] as any).data[0].type, "icicle");

    await ok("const threeToOne = %alloc -q -r thirty(); ten()");
    const rows = await numbers("threeToOne.rows.map((r) => [r.fn.name, r.fn.file, r.totalBytes])");
    const total = (name: string) => rows.find(([n, file]: string[]) => n === name && file === defs)[2];
    const ratio = total("thirty") / total("ten");
    t.diagnostic(`thirty ${total("thirty")} B, ten ${total("ten")} B, ratio ${ratio.toFixed(2)}`);
    assert.ok(Math.abs(ratio / 3 - 1) <= 0.15, `ratio ${ratio}`);
    assert.ok(Math.abs(total("thirty") / (30 * MB) - 1) <= 0.15, `thirty: ${total("thirty")}`);
  });

  test("a leak kept in a global array is still live; garbage is allocated and collected", async (t) => {
    const leaked = await ok("const leaked = %alloc -g -r leak()");
    const leakedLine = table(leaked).split("\n")[1];
    t.diagnostic(leakedLine.trim());
    const leakHeap = await numbers("leaked.heap");
    assert.ok(leakHeap.live >= 0.85 * 10 * MB, leakedLine);
    assert.match(leakedLine, /still live \(reachable after a full collection\)/);
    const collected = await ok("const collected = %alloc -g -r garbage()");
    const garbageLine = table(collected).split("\n")[1];
    t.diagnostic(garbageLine.trim());
    const garbageHeap = await numbers("collected.heap");
    assert.ok(garbageHeap.collected >= 0.85 * 40 * MB, garbageLine);
    assert.ok(garbageHeap.live < 0.05 * garbageHeap.allocated, garbageLine);
    assert.equal((await ok("kept.length")).result?.["text/plain"], "1");
  });

  test("a Float64Array: a small JS handle in the table, its 8 MB in arrayBuffers beside it", async () => {
    const text = table(await ok("%alloc -g const eight = typed()"));
    assert.match(text, /Outside the JS heap: external \+7\.6\d MiB, arrayBuffers \+7\.6\d MiB/, text);
    assert.doesNotMatch(text, /MiB +[\d.]+ MiB .*\(typed\)/, "no MiB attributed to typed() itself");
  });

  test("-D writes a .heapprofile that parses, with the function named by its cell line", async () => {
    const run = await ok("%alloc -q -D ten.heapprofile ten()");
    assert.deepEqual(run.displays, []);
    assert.match(run.stdout, /Allocation profile saved as a \.heapprofile to 'ten\.heapprofile'/);
    const profile = JSON.parse(fs.readFileSync(path.join(session.jupyter.notebookDir, "ten.heapprofile"), "utf8"));
    const found: any[] = [];
    const walk = (node: any) => (found.push(node), node.children.forEach(walk));
    walk(profile.head);
    const ten = found.find((n) => n.callFrame.functionName === "ten");
    assert.ok(ten, JSON.stringify(found.map((n) => n.callFrame)));
    assert.deepEqual([ten.callFrame.url, ten.callFrame.lineNumber], [defs, 2], "DevTools counts lines from 0");
    assert.ok(Array.isArray(profile.samples) && profile.samples.length > 100, "samples");
  });

  test("a hostile function name is escaped in the HTML table", async () => {
    const run = await ok(`%alloc hostile["${XSS}"]()`);
    assert.ok(table(run).includes(`(hostile.${XSS})`), table(run));
    const html = String(run.displays[0]["text/html"]);
    assert.ok(!html.includes(XSS), "not raw in the HTML");
    assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;"));
  });

  test("-r's result renders with tsprof.display.profile; %alloc? and %lsmagic know it", async () => {
    const shown = await ok(
      'import * as tsprof from "tsprof";\ntsprof.display.profile(threeToOne, { sort: ["total"], limits: ["2"] })',
    );
    assert.match(table(shown), /Ordered by: total bytes\n   List reduced from \d+ to 2 due to restriction <2>/);
    const help = await ok("%alloc?");
    for (const flag of [
      "-i BYTES",
      "default 16384",
      "-g",
      "-r",
      "-D FILE",
      "-q",
      "-s KEY",
      "-l LIMIT",
      "Typed arrays and Buffers",
    ])
      assert.ok(help.pager?.includes(flag), `${flag} in:\n${help.pager}`);
    const list = await ok("%lsmagic");
    assert.match(list.text, /%alloc/);
    assert.match(list.text, /%%alloc/);
  });

  test("%%alloc profiles the cell; its names stay defined", async () => {
    const run = await ok("%%alloc -s total\nconst fromCell = ten();\nconst alsoFromCell = rows(10).length;");
    assert.match(table(run), /Ordered by: total bytes/);
    assert.equal((await ok("[fromCell, alsoFromCell]")).result?.["text/plain"], "[ 1000, 10 ]");
  });

  test("bad options and a throwing statement: one paragraph, what was measured first, the kernel keeps going", async () => {
    const key = await session.kernel.execute("%alloc -s nosuchkey ten()");
    assert.equal(key.status, "error");
    assert.match(plain(key.text), /%alloc: unknown sort key 'nosuchkey'/);
    assert.deepEqual(key.displays, [], "refused before running");
    const interval = await session.kernel.execute("%alloc -i lots ten()");
    assert.match(plain(interval.text), /%alloc: option -i expects an integer, got "lots"/);
    const zero = await session.kernel.execute("%alloc -i 0 ten()");
    assert.match(plain(zero.text), /%alloc: -i must be at least 1 byte, got 0/);
    const threw = await session.kernel.execute('%alloc ten(); throw new Error("boom")');
    assert.equal(threw.status, "error");
    assert.deepEqual([threw.error?.ename, threw.error?.evalue], ["Error", "boom"]);
    const kinds = threw.outputs.map((o) => o.output_type);
    assert.ok(kinds.indexOf("display_data") < kinds.indexOf("error"), kinds.join());
    assert.match(table(threw), /\(ten\)/);
    assert.match(table(await ok("%alloc ten()")), /\(ten\)/, "the next %alloc works");
  });
});

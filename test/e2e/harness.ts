/**
 * End-to-end harness: a real Jupyter server (Debian's `notebook` package, or `jupyter_server` where
 * installed) on 127.0.0.1 with a random port and token, the tsprof kernelspec installed into a
 * temporary prefix (found through JUPYTER_PATH), and kernels driven with @jupyterlab/services, the
 * client JupyterLab itself uses. Nothing is mocked: cells go over the REST API and WebSocket to
 * the server, and over ZeroMQ to the kernel process.
 *
 *   const jupyter = await startJupyter();
 *   const kernel = await startKernel(jupyter);
 *   const run = await kernel.execute("1 + 1");   // run.status, run.outputs, run.text, run.result
 *   await kernel.shutdown(); await jupyter.stop();
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { KernelAPI, KernelConnection, ServerConnection, type Kernel, type KernelMessage } from "@jupyterlab/services";

/** Debian's Python, the one with Jupyter (a pyenv python3 earlier on PATH may lack it). */
export const PYTHON = "/usr/bin/python3";
/** The repository root (this file runs as dist/test/e2e/harness.js). */
export const ROOT = path.resolve(__dirname, "../../..");
export const KERNEL_NAME = "tsprof";

/** Options every Jupyter process of the tests gets (see TEAM.md: frozen modules break debugpy checks). */
const PYTHON_ENV = { PYDEVD_DISABLE_FILE_VALIDATION: "1", PYTHONWARNINGS: "ignore" };

export interface TestKernelspec {
  /** The `--prefix` the kernelspec went into. */
  prefix: string;
  /** `<prefix>/share/jupyter`, the JUPYTER_PATH entry that finds it. */
  jupyterPath: string;
  /** process.env plus JUPYTER_PATH and the Python settings: the env to run any Jupyter tool with. */
  env: NodeJS.ProcessEnv;
}

let kernelspec: TestKernelspec | null = null;

/**
 * Installs the tsprof kernelspec into a temporary prefix with the real CLI (`tsprof install
 * --prefix`), once per test process. Jupyter tools run with the returned env find it first.
 */
export function installTestKernelspec(): TestKernelspec {
  if (kernelspec) return kernelspec;
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-kernelspec-"));
  const run = spawnSync(
    process.execPath,
    [path.join(ROOT, "dist/kernel/cli/cli.js"), "install", "--prefix", prefix, "--python", PYTHON],
    {
      encoding: "utf8",
    },
  );
  if (run.status !== 0)
    throw new Error(`tsprof install --prefix ${prefix} failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  const jupyterPath = path.join(prefix, "share", "jupyter");
  if (!fs.existsSync(path.join(jupyterPath, "kernels", KERNEL_NAME, "kernel.json"))) {
    throw new Error(
      `tsprof install did not write ${jupyterPath}/kernels/${KERNEL_NAME}/kernel.json:\n${run.stdout}${run.stderr}`,
    );
  }
  const env = {
    ...process.env,
    ...PYTHON_ENV,
    JUPYTER_PATH: [jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
  };
  process.once("exit", () => fs.rmSync(prefix, { recursive: true, force: true }));
  kernelspec = { prefix, jupyterPath, env };
  return kernelspec;
}

/**
 * Runs Debian's Python (e.g. `-m nbconvert ...`) with the test kernelspec on JUPYTER_PATH and
 * returns its exit code and everything it printed.
 */
export function runPython(
  args: string[],
  cwd: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; log: string }> {
  const env = { ...installTestKernelspec().env, ...extraEnv };
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-Xfrozen_modules=off", ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout!.on("data", (d) => (log += d));
    child.stderr!.on("data", (d) => (log += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, log }));
  });
}

export interface JupyterOptions {
  /** The server's root directory (kernels start here). Default: a fresh temporary directory. */
  notebookDir?: string;
  /** How long to wait for the server to answer /api. */
  startTimeoutMs?: number;
  /** Which server: classic Notebook's pages need "notebook". Default: jupyter_server where installed. */
  server?: ServerKind;
  /** More command-line options for the server. */
  args?: string[];
  /** More Jupyter data dirs (each with `kernels/NAME/kernel.json`) for the server to find kernelspecs in, after tsprof's. */
  jupyterPaths?: string[];
}

export interface JupyterHandle {
  baseUrl: string;
  token: string;
  /** The env the server (and so every kernel) runs with. */
  env: NodeJS.ProcessEnv;
  jupyterPath: string;
  notebookDir: string;
  serverSettings: ServerConnection.ISettings;
  /** Everything the server wrote to stdout/stderr so far (for failure messages). */
  log(): string;
  /** Shuts down the server's kernels, then the server. */
  stop(): Promise<void>;
}

export type ServerKind = "jupyter_server" | "notebook";

/** jupyter_server where installed (what JupyterLab runs on), else classic Notebook 6's own server. */
function defaultServer(): ServerKind {
  return spawnSync(PYTHON, ["-c", "import jupyter_server"], { stdio: "ignore" }).status === 0
    ? "jupyter_server"
    : "notebook";
}

function serverCommand(kind: ServerKind, port: number, token: string, notebookDir: string, extra: string[]): string[] {
  const common = [
    "-Xfrozen_modules=off",
    "-m",
    kind,
    "--allow-root",
    "--ip=127.0.0.1",
    `--port=${port}`,
    "--no-browser",
    ...extra,
  ];
  if (kind === "jupyter_server") {
    // Jupyter Server 1 (Debian bookworm's) knows only ServerApp.token; 2 still honours it, and reads IdentityProvider.token.
    return [
      ...common,
      `--ServerApp.token=${token}`,
      `--IdentityProvider.token=${token}`,
      "--ServerApp.port_retries=0",
      `--ServerApp.root_dir=${notebookDir}`,
    ];
  }
  return [...common, `--NotebookApp.token=${token}`, "--NotebookApp.port_retries=0", `--notebook-dir=${notebookDir}`];
}

/**
 * `ws` for the client, offering no subprotocol: the classic notebook server accepts none, and
 * @jupyterlab/services would otherwise open every connection twice (logging a "Connection lost").
 * Both servers speak the default JSON protocol.
 */
class LegacyProtocolWebSocket extends WebSocket {
  constructor(url: string, _protocols?: string | string[]) {
    super(url);
  }
}

/** @jupyterlab/services logs each socket it opens with console.debug; keep test output readable. */
const consoleDebug = console.debug.bind(console);
console.debug = (...args: unknown[]) => {
  if (typeof args[0] === "string" && args[0].startsWith("Starting WebSocket:")) return;
  consoleDebug(...args);
};

/** Servers a test did not stop (it failed or timed out) die with the test process. */
const liveServers = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of liveServers) child.kill("SIGKILL");
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a Jupyter server with the tsprof kernelspec and waits until its REST API answers. */
export async function startJupyter(options: JupyterOptions = {}): Promise<JupyterHandle> {
  // Another process may take the free port between probe and bind: try a few ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startJupyterOnce(options);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof PortTakenError)) throw e;
    }
  }
}

class PortTakenError extends Error {}

async function startJupyterOnce(options: JupyterOptions): Promise<JupyterHandle> {
  const spec = installTestKernelspec();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "tsprof-jupyter-"));
  const notebookDir = options.notebookDir ?? path.join(scratch, "notebooks");
  fs.mkdirSync(notebookDir, { recursive: true });
  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  // Runtime and config dirs of its own: no user config, no clash with other servers' files.
  const jupyterPath = [spec.env.JUPYTER_PATH, ...(options.jupyterPaths ?? [])].join(path.delimiter);
  const env = {
    ...spec.env,
    JUPYTER_PATH: jupyterPath,
    JUPYTER_RUNTIME_DIR: path.join(scratch, "runtime"),
    JUPYTER_CONFIG_DIR: path.join(scratch, "config"),
  };
  const child = spawn(
    PYTHON,
    serverCommand(options.server ?? defaultServer(), port, token, notebookDir, options.args ?? []),
    { env, cwd: notebookDir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  liveServers.add(child);

  const baseUrl = `http://127.0.0.1:${port}/`;
  const serverSettings = ServerConnection.makeSettings({
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}/`,
    token,
    appendToken: true,
    WebSocket: LegacyProtocolWebSocket as unknown as typeof globalThis.WebSocket,
    fetch: globalThis.fetch,
    Request: globalThis.Request,
    Headers: globalThis.Headers,
  });
  const handle: JupyterHandle = {
    baseUrl,
    token,
    env,
    jupyterPath: spec.jupyterPath,
    notebookDir,
    serverSettings,
    log: () => output,
    stop: async () => {
      await shutdownKernels(serverSettings);
      await stopProcess(child);
      liveServers.delete(child);
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
  try {
    await waitForApi(baseUrl, token, child, () => output, options.startTimeoutMs ?? 60_000);
  } catch (e) {
    await handle.stop();
    if (/already in use|no available port/i.test(output)) throw new PortTakenError(`port ${port} taken`);
    throw e;
  }
  return handle;
}

async function waitForApi(
  baseUrl: string,
  token: string,
  child: ChildProcess,
  log: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The Jupyter server exited (${child.exitCode ?? child.signalCode}) before answering:\n${log()}`);
    }
    try {
      const response = await fetch(`${baseUrl}api/kernelspecs?token=${token}`);
      if (response.ok) {
        const specs = (await response.json()) as { kernelspecs: Record<string, unknown> };
        if (!(KERNEL_NAME in specs.kernelspecs))
          throw new Error(
            `The server does not list the ${KERNEL_NAME} kernelspec: ${JSON.stringify(Object.keys(specs.kernelspecs))}`,
          );
        return;
      }
    } catch (e) {
      if (e instanceof Error && e.message.includes("kernelspec")) throw e;
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`The Jupyter server did not answer ${baseUrl}api within ${timeoutMs} ms:\n${log()}`);
}

async function shutdownKernels(settings: ServerConnection.ISettings): Promise<void> {
  try {
    const running = await KernelAPI.listRunning(settings);
    await Promise.all(running.map((k) => KernelAPI.shutdownKernel(k.id, settings).catch(() => {})));
  } catch {
    // The server is already gone.
  }
}

async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One output of a cell, as nbformat stores it; `clear_output` is kept in sequence too. */
export type Output =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | {
      output_type: "display_data";
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
      transient?: Record<string, unknown>;
    }
  | {
      output_type: "update_display_data";
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
      transient?: Record<string, unknown>;
    }
  | {
      output_type: "execute_result";
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
      execution_count: number | null;
    }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] }
  | { output_type: "clear_output"; wait: boolean };

export interface Execution {
  status: "ok" | "error" | "aborted";
  /** The IOPub outputs of this request, in order. */
  outputs: Output[];
  /** What a user reads: streams, text/plain of results and displays, and error tracebacks, in order. */
  text: string;
  stdout: string;
  stderr: string;
  /** The execute_result's MIME bundle, if any. */
  result: Record<string, unknown> | undefined;
  /** The MIME bundles of display_data outputs. */
  displays: Record<string, unknown>[];
  /** ename/evalue/traceback of the error reply. */
  error: { ename: string; evalue: string; traceback: string[] } | undefined;
  executionCount: number | null;
  /** The execute_input's execution_count (what a saved notebook records). */
  inputExecutionCount: number | null;
  /** execute_reply payloads (e.g. the pager for `%prun?`). */
  payload: { source: string; data?: Record<string, unknown>; [key: string]: unknown }[];
  /** The pager text of the payload, if any. */
  pager: string | undefined;
  reply: KernelMessage.IExecuteReplyMsg;
}

export interface ExecuteOptions {
  /** Rejects (with the outputs so far) if the reply and idle status take longer. Default 120 s. */
  timeoutMs?: number;
  storeHistory?: boolean;
  silent?: boolean;
  stopOnError?: boolean;
  /** Called when the kernel announces the request (execute_input): it is about to run it. */
  onInput?: (executionCount: number) => void;
}

export interface KernelHandle {
  id: string;
  connection: Kernel.IKernelConnection;
  info: KernelMessage.IInfoReply;
  execute(code: string, options?: ExecuteOptions): Promise<Execution>;
  /** Interrupts through the server's REST API (the server sends SIGINT, as the kernelspec asks). */
  interrupt(): Promise<void>;
  /** Starts `code`, interrupts it `delayMs` after the kernel announced it (execute_input), and returns its reply. */
  executeInterrupted(code: string, delayMs: number): Promise<Execution>;
  shutdown(): Promise<void>;
}

/** One server and one kernel shared by a test file's tests; set once the file's `before` has run. */
export interface FileSession {
  jupyter: JupyterHandle;
  kernel: KernelHandle;
  /** Runs code and asserts it succeeded (the assertion message is the cell's output). */
  ok(code: string): Promise<Execution>;
}

/**
 * Registers the test file's `before` (start a server and a tsprof kernel, then `prepare`) and
 * `after` (stop both), and returns the session they fill in.
 */
export function kernelForFile(prepare?: (session: FileSession) => Promise<void> | void): FileSession {
  const session = {
    ok: async (code: string) => {
      const run = await session.kernel.execute(code);
      assert.equal(run.status, "ok", run.text);
      return run;
    },
  } as FileSession;
  before(async () => {
    session.jupyter = await startJupyter();
    session.kernel = await startKernel(session.jupyter);
    await prepare?.(session);
  });
  after(async () => {
    await session.kernel?.shutdown();
    await session.jupyter?.stop();
  });
  return session;
}

/** Starts a kernel (default: tsprof) on the server and connects to it over WebSocket. */
export async function startKernel(jupyter: JupyterHandle, name = KERNEL_NAME): Promise<KernelHandle> {
  const model = await KernelAPI.startNew({ name }, jupyter.serverSettings);
  const connection = new KernelConnection({ model, serverSettings: jupyter.serverSettings, handleComms: false });
  const info = await withTimeout(
    connection.info,
    60_000,
    () => `The ${name} kernel did not answer kernel_info within 60 s. Server log:\n${jupyter.log()}`,
  );
  const interrupt = () => KernelAPI.interruptKernel(model.id, jupyter.serverSettings);
  return {
    id: model.id,
    connection,
    info,
    execute: (code, options) => execute(connection, code, options ?? {}),
    interrupt,
    executeInterrupted: async (code, delayMs) => {
      let announced!: () => void;
      const started = new Promise<void>((resolve) => (announced = resolve));
      const running = execute(connection, code, { onInput: () => announced() });
      await started;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await interrupt();
      return running;
    },
    shutdown: async () => {
      connection.dispose();
      await KernelAPI.shutdownKernel(model.id, jupyter.serverSettings).catch(() => {});
    },
  };
}

async function execute(
  connection: Kernel.IKernelConnection,
  code: string,
  options: ExecuteOptions,
): Promise<Execution> {
  const future = connection.requestExecute({
    code,
    silent: options.silent ?? false,
    store_history: options.storeHistory ?? true,
    stop_on_error: options.stopOnError ?? true,
    allow_stdin: false,
  });
  const outputs: Output[] = [];
  let inputExecutionCount: number | null = null;
  future.onIOPub = (msg) => {
    const type = msg.header.msg_type;
    const content = msg.content as any;
    if (type === "execute_input") {
      inputExecutionCount = content.execution_count;
      options.onInput?.(content.execution_count);
    } else if (
      type === "stream" ||
      type === "display_data" ||
      type === "update_display_data" ||
      type === "execute_result" ||
      type === "error"
    ) {
      outputs.push({ output_type: type, ...content });
    } else if (type === "clear_output") outputs.push({ output_type: "clear_output", wait: !!content.wait });
  };
  const reply = (await withTimeout(future.done, options.timeoutMs ?? 120_000, () => {
    return `No execute_reply within ${options.timeoutMs ?? 120_000} ms for:\n${code}\nOutputs so far: ${JSON.stringify(outputs)}`;
  })) as KernelMessage.IExecuteReplyMsg;
  return summarize(reply, outputs, inputExecutionCount);
}

function summarize(
  reply: KernelMessage.IExecuteReplyMsg,
  outputs: Output[],
  inputExecutionCount: number | null,
): Execution {
  const content = reply.content as any;
  const textOf = (o: Output): string => {
    if (o.output_type === "stream") return o.text;
    if (o.output_type === "error") return o.traceback.join("\n") + "\n";
    if (o.output_type === "clear_output") return "";
    const plain = o.data["text/plain"];
    return typeof plain === "string" ? plain + "\n" : "";
  };
  const streams = (name: string) =>
    outputs.map((o) => (o.output_type === "stream" && o.name === name ? o.text : "")).join("");
  const payload = (content.payload ?? []) as Execution["payload"];
  const page = payload.find((p) => p.source === "page");
  return {
    status: content.status,
    outputs,
    text: outputs.map(textOf).join(""),
    stdout: streams("stdout"),
    stderr: streams("stderr"),
    result: outputs.find((o) => o.output_type === "execute_result")?.["data" as never],
    displays: outputs.flatMap((o) => (o.output_type === "display_data" ? [o.data] : [])),
    error:
      content.status === "error"
        ? { ename: content.ename, evalue: content.evalue, traceback: content.traceback }
        : undefined,
    executionCount: content.execution_count ?? null,
    inputExecutionCount,
    payload,
    pager: page?.data?.["text/plain"] as string | undefined,
    reply,
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Strips ANSI colour codes (tracebacks may carry them). */
export function plain(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

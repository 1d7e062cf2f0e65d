/**
 * The kernel's side of the Jupyter messaging protocol: shell requests one at a time, control requests at
 * once, busy/idle around each, outputs on IOPub; a failed cell aborts what was sent before its reply.
 * See docs/how-it-works.md, "The Jupyter side".
 */
import { routeDisplayData, typescriptVersion } from "../exec/tslab-bridge";
import { Connection, PROTOCOL_VERSION, type Message } from "./protocol";
import { errorContent } from "../exec/errors";
import { mimeBundleOf } from "./format";
import { History } from "./history";
import { compiler } from "../exec/compiler";
import { completeReply, inspectReply } from "./completion";
import { AbortQueue } from "./abort-queue";
import { kernelLog } from "./log";
import { bindCellOutput } from "../public";
import type { CellOutput, CellRunner } from "../exec/cell-runner";
import type { Executor } from "../exec/executor";
import type { MagicRegistry } from "../../magics/core/registry";
import type { MimeBundle } from "../../magics/core/context";

const VERSION: string = require("../../../package.json").version;

export class KernelServer {
  private executionCount = 0;
  private readonly queue: Message[] = [];
  private working = false;
  private readonly aborts = new AbortQueue();
  private readonly history = new History();
  /** Where console output goes: the last cell that ran, like IPython's output after a cell ends. */
  private currentParent: Message | null = null;

  constructor(
    private readonly connection: Connection,
    private readonly executor: Executor,
    private readonly runner: CellRunner,
    private readonly registry: MagicRegistry,
  ) {}

  async start(): Promise<void> {
    await this.connection.bind();
    this.redirectConsole();
    void this.receive(this.connection.shell, (m) => this.enqueue(m));
    void this.receive(this.connection.control, (m) => this.handle(m, "control"));
  }

  private async receive(socket: Connection["shell"], onMessage: (m: Message) => void): Promise<void> {
    for await (const message of this.connection.messages(socket)) onMessage(message);
  }

  private enqueue(message: Message): void {
    this.aborts.receive(message);
    this.queue.push(message);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) await this.handle(next, "shell");
    } finally {
      this.working = false;
    }
  }

  private async handle(message: Message, channel: "shell" | "control"): Promise<void> {
    await this.status("busy", message);
    try {
      const reply = await this.reply(message).catch((e) => this.errorReply(message, e));
      if (reply) await this.connection.send(channel, reply.type, reply.content, message);
    } finally {
      await this.status("idle", message);
    }
    // Once the idle status is out, unless the next request is already being handled.
    if (channel === "shell") setImmediate(() => this.whenIdle());
    // A restart is the front end starting a new process: this one ends either way.
    if (message.header.msg_type === "shutdown_request") this.shutdown();
  }

  private whenIdle(): void {
    if (this.working) return;
    try {
      this.runner.idle();
    } catch (e) {
      // No cell is running to show it: the kernel's log has it, and the kernel goes on.
      kernelLog("idle work failed:", e);
    }
  }

  private async reply(message: Message): Promise<{ type: string; content: unknown } | null> {
    const c = message.content;
    switch (message.header.msg_type) {
      case "kernel_info_request":
        return { type: "kernel_info_reply", content: this.kernelInfo() };
      case "execute_request":
        return { type: "execute_reply", content: await this.execute(message) };
      case "complete_request":
        return { type: "complete_reply", content: completeReply(this.registry, this.executor, c.code, c.cursor_pos) };
      case "inspect_request":
        return { type: "inspect_reply", content: inspectReply(this.registry, this.executor, c.code, c.cursor_pos) };
      case "is_complete_request":
        return { type: "is_complete_reply", content: compiler.isComplete(c.code) };
      case "history_request":
        return { type: "history_reply", content: { status: "ok", history: this.history.query(c) } };
      case "comm_info_request":
        return { type: "comm_info_reply", content: { status: "ok", comms: {} } };
      case "interrupt_request":
        this.runner.interrupt();
        return { type: "interrupt_reply", content: { status: "ok" } };
      case "shutdown_request":
        return { type: "shutdown_reply", content: { status: "ok", restart: !!c.restart } };
      default:
        return null;
    }
  }

  /**
   * A request other than a cell's that failed (a completion the converter could not make): the
   * front end gets its reply, with the error, instead of waiting for ever; the kernel's log has it.
   */
  private errorReply(message: Message, e: unknown): { type: string; content: unknown } {
    kernelLog(`${message.header.msg_type} failed:`, e);
    const { ename, evalue, traceback } = errorContent(e, this.executor);
    return {
      type: message.header.msg_type.replace(/_request$/, "_reply"),
      content: { status: "error", ename, evalue, traceback },
    };
  }

  private kernelInfo() {
    return {
      status: "ok",
      protocol_version: PROTOCOL_VERSION,
      implementation: "tsprof",
      implementation_version: VERSION,
      language_info: {
        name: "typescript",
        version: typescriptVersion,
        mimetype: "text/typescript",
        file_extension: ".ts",
        // tslab's setting: TypeScript highlighting in both Notebook and JupyterLab.
        codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
      },
      banner:
        `tsprof ${VERSION}: TypeScript ${typescriptVersion} on Node.js ${process.version}, ` +
        `with profiling magics (%lsmagic lists them)`,
      help_links: [{ text: "tsprof magics", url: "https://www.npmjs.com/package/tsprof" }],
    };
  }

  private async execute(message: Message) {
    const { code, silent, store_history = true, stop_on_error = true } = message.content;
    if (this.aborts.isAborted(message)) return { status: "aborted", execution_count: this.executionCount };
    const counts = !silent && store_history;
    if (counts) this.executionCount++;
    const count = this.executionCount;
    if (counts) this.history.add(count, code);
    this.executor.beginCell();
    if (!silent) await this.connection.send("iopub", "execute_input", { code, execution_count: count }, message);
    const payload: unknown[] = [];
    this.currentParent = message;
    routeDisplayData((data, update) => {
      void this.connection.send("iopub", update ? "update_display_data" : "display_data", data, message);
    });
    try {
      const output = this.output(message, count, silent, payload);
      bindCellOutput(output);
      await this.runner.run(code, count, output);
      return { status: "ok", execution_count: count, payload, user_expressions: {} };
    } catch (e) {
      const error = errorContent(e, this.executor);
      await this.connection.send("iopub", "error", error, message);
      if (stop_on_error) await this.aborts.failing(message);
      return { status: "error", execution_count: count, ...error, payload };
    }
  }

  private output(message: Message, count: number, silent: boolean, payload: unknown[]): CellOutput {
    const send = (type: string, content: unknown) => {
      if (!silent) void this.connection.send("iopub", type, content, message);
    };
    return {
      stream: (name, text) => send("stream", { name, text }),
      display: (bundle: MimeBundle) => send("display_data", { data: bundle, metadata: {}, transient: {} }),
      page: (text) => payload.push({ source: "page", data: { "text/plain": text }, start: 0 }),
      result: (value) => {
        const data = mimeBundleOf(value);
        this.history.setOutput(count, String(data["text/plain"] ?? ""));
        send("execute_result", { execution_count: count, data, metadata: {} });
      },
      clear: (wait) => send("clear_output", { wait }),
    };
  }

  /** console.log and process.stdout go to the cell that is running (or ran last). */
  private redirectConsole(): void {
    for (const name of ["stdout", "stderr"] as const) {
      process[name].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
        if (this.currentParent) void this.connection.send("iopub", "stream", { name, text }, this.currentParent);
        const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
        callback?.();
        return true;
      }) as typeof process.stdout.write;
    }
  }

  private async status(state: "busy" | "idle", parent: Message): Promise<void> {
    await this.connection.send("iopub", "status", { execution_state: state }, parent);
  }

  private shutdown(): void {
    this.executor.close();
    this.connection.close();
    setImmediate(() => process.exit(0));
  }
}

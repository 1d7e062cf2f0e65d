/**
 * The Jupyter wire protocol over ZeroMQ (https://jupyter-client.readthedocs.io/en/latest/messaging.html):
 * signed multipart messages on five sockets. See docs/how-it-works.md, "The Jupyter side".
 */
import { createHmac, randomUUID } from "node:crypto";
import fs from "node:fs";
import * as zmq from "zeromq";
import type { KernelMessage } from "@jupyterlab/services";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = "<IDS|MSG>";

export interface ConnectionInfo {
  transport: string;
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

export type Header = KernelMessage.IHeader;

/** A message as received: routing identities plus the four JSON parts. */
export interface Message {
  identities: Buffer[];
  header: Header;
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: any;
}

export type Channel = "shell" | "control" | "iopub" | "stdin";

export class Connection {
  readonly shell = new zmq.Router();
  readonly control = new zmq.Router();
  readonly stdin = new zmq.Router();
  readonly iopub = new zmq.Publisher();
  private readonly heartbeat = new zmq.Reply();
  private readonly session = randomUUID();

  constructor(private readonly info: ConnectionInfo) {}

  static fromFile(file: string): Connection {
    return new Connection(JSON.parse(fs.readFileSync(file, "utf8")));
  }

  async bind(): Promise<void> {
    const url = (port: number) => `${this.info.transport}://${this.info.ip}:${port}`;
    await Promise.all([
      this.shell.bind(url(this.info.shell_port)),
      this.control.bind(url(this.info.control_port)),
      this.stdin.bind(url(this.info.stdin_port)),
      this.iopub.bind(url(this.info.iopub_port)),
      this.heartbeat.bind(url(this.info.hb_port)),
    ]);
    void this.echoHeartbeats();
  }

  private async echoHeartbeats(): Promise<void> {
    try {
      for await (const frames of this.heartbeat) await this.heartbeat.send(frames);
    } catch (e) {
      // A ping that came as the kernel shut down has no one to answer.
      if (!this.heartbeat.closed) throw e;
    }
  }

  /** Reads signed messages from a socket; messages with a bad signature are dropped. */
  async *messages(socket: zmq.Router): AsyncGenerator<Message> {
    for await (const frames of socket) {
      const message = this.parse(frames);
      if (message) yield message;
    }
  }

  parse(frames: Buffer[]): Message | null {
    const at = frames.findIndex((f) => f.toString() === DELIMITER);
    if (at < 0) return null;
    const [signature, ...parts] = frames.slice(at + 1);
    if (signature.toString() !== this.sign(parts.slice(0, 4).map(String))) return null;
    const [header, parent_header, metadata, content] = parts.slice(0, 4).map((p) => JSON.parse(p.toString()));
    return { identities: frames.slice(0, at), header, parent_header, metadata, content };
  }

  /** Sends a message of `msgType` in reply to (or on behalf of) `parent`. */
  async send(
    channel: Channel,
    msgType: string,
    content: unknown,
    parent: Message | null,
    metadata: Record<string, unknown> = {},
  ): Promise<void> {
    const header = {
      msg_id: randomUUID(),
      session: this.session,
      username: "tsprof",
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    };
    const parts = [header, parent?.header ?? {}, metadata, content].map((p) => JSON.stringify(p));
    const identities = channel === "iopub" ? [Buffer.from(msgType)] : (parent?.identities ?? []);
    const socket = channel === "iopub" ? this.iopub : this[channel];
    const frames = [...identities, DELIMITER, this.sign(parts), ...parts];
    // zeromq allows one send in progress per socket: chain them, keeping the order of calls.
    const previous = this.sending.get(socket) ?? Promise.resolve();
    const next = previous.then(() => socket.send(frames));
    this.sending.set(
      socket,
      next.catch(() => {}),
    );
    await next;
  }

  private readonly sending = new Map<zmq.Socket, Promise<void>>();

  private sign(parts: string[]): string {
    if (!this.info.key) return "";
    const hmac = createHmac(this.info.signature_scheme.replace(/^hmac-/, ""), this.info.key);
    for (const p of parts) hmac.update(p);
    return hmac.digest("hex");
  }

  close(): void {
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.heartbeat]) s.close();
  }
}

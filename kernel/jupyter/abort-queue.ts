/**
 * Which execute requests a failed cell aborts (ipykernel's stop_on_error): those its front end sent
 * before it could have seen the error reply, so that "Run All" stops at the error.
 * See docs/how-it-works.md, "The Jupyter side".
 */
import type { Message } from "./protocol";

export class AbortQueue {
  private received = 0;
  private abortThrough = 0;
  private readonly arrival = new WeakMap<Message, { sequence: number; at: number }>();
  private failed: { session: string; sentBefore: number } | null = null;

  receive(message: Message): void {
    this.arrival.set(message, { sequence: ++this.received, at: Date.now() });
  }

  isAborted(message: Message): boolean {
    if ((this.arrival.get(message)?.sequence ?? 0) <= this.abortThrough) return true;
    const sent = sentAt(message);
    return (
      this.failed !== null &&
      message.header.session === this.failed.session &&
      sent !== null &&
      sent < this.failed.sentBefore
    );
  }

  /** Called as `message`'s cell fails, before its error reply is sent. */
  async failing(message: Message): Promise<void> {
    // Let the receive loop take in what ZeroMQ already holds, so "already sent" means received.
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    this.abortThrough = this.received;
    const sent = sentAt(message);
    const arrived = this.arrival.get(message)?.at;
    this.failed =
      sent !== null && arrived !== undefined
        ? { session: message.header.session, sentBefore: sent + (Date.now() - arrived) }
        : null;
  }
}

/** The header's date in ms on the sender's clock, or null if it has none. */
function sentAt(message: Message): number | null {
  const date = Date.parse(String(message.header.date ?? ""));
  return Number.isNaN(date) ? null : date;
}

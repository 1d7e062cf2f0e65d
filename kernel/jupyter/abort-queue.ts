/**
 * Which execute requests a failed cell aborts (ipykernel's stop_on_error): the ones its front end
 * had sent before it could have seen the error reply, so that "Run All" stops at the error.
 *
 * Either of two rules aborts a request:
 * - arrival: it reached the kernel before the error reply (once the receive loop has taken in
 *   what ZeroMQ already holds);
 * - the sender's clock: it comes from the failing request's session, and its header date is
 *   earlier than the failing request's date plus the time the kernel held that request (from
 *   receiving it to its error reply). Such a request was sent before the reply could reach the
 *   sender, even if it was still on its way when the cell failed. Both dates come from the
 *   sender's clock, so a clock offset between sender and kernel cancels out.
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

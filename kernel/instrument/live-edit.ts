/**
 * V8's live edit, through the inspector session of the kernel's own thread: where a function's
 * code is (`[[FunctionLocation]]`), the source of its script, and replacing that source. A
 * replaced script's functions run the new code at once, closures created before included, with
 * the variables they captured; replacing it again with the original puts everything back.
 *
 * The debugger is enabled only while a magic edits (from construction to `close`): V8 then reports every script, and
 * editing walks the heap, so both cost time in proportion to what the process holds, and nothing
 * of it is paid by cells that do not profile lines.
 */
import inspector from "node:inspector";

/** What V8 answers to an edit (Debugger.setScriptSource's `status`). */
export type EditStatus = "Ok" | "CompileError" | "BlockedByActiveFunction" | "BlockedByActiveGenerator" | "BlockedByTopLevelEsModuleChange";

export interface CodeLocation {
  scriptId: string;
  /** The script's URL: a cell's `<cell N>`, a module's path or file: URL. */
  url: string;
  /** 0-based, as the inspector gives them. */
  lineNumber: number;
  columnNumber: number;
}

/** A function with no code location: native, or built into V8. */
export class NoSourceError extends Error {}

const HOLDER = "__tsprof_live_edit_target__";

export class LiveEditSession {
  private readonly urls = new Map<string, string>();
  private readonly onScript = (message: { params: { scriptId: string; url: string } }) => this.urls.set(message.params.scriptId, message.params.url);

  private readonly session = new inspector.Session();

  /** Connects and enables the debugger; `close` disables it. */
  constructor() {
    this.session.connect();
    this.session.on("Debugger.scriptParsed", this.onScript);
    this.post("Debugger.enable", {});
  }

  /** Where `fn`'s code is; a bound function's target is followed. */
  locate(fn: Function): CodeLocation {
    (globalThis as any)[HOLDER] = fn;
    try {
      let { objectId } = this.post("Runtime.evaluate", { expression: `globalThis.${HOLDER}`, objectGroup: HOLDER }).result;
      for (;;) {
        const { internalProperties = [] } = this.post("Runtime.getProperties", { objectId, ownProperties: true });
        const property = (name: string) => internalProperties.find((p: any) => p.name === name)?.value;
        const location = property("[[FunctionLocation]]")?.value;
        if (location) return { ...location, url: this.urls.get(location.scriptId) ?? "" };
        objectId = property("[[TargetFunction]]")?.objectId;
        if (!objectId) throw new NoSourceError();
      }
    } finally {
      delete (globalThis as any)[HOLDER];
      this.post("Runtime.releaseObjectGroup", { objectGroup: HOLDER });
    }
  }

  source(scriptId: string): string {
    return this.post("Debugger.getScriptSource", { scriptId }).scriptSource;
  }

  /** Replaces a script's source; the status says why V8 refused, if it did. */
  replace(scriptId: string, scriptSource: string): { status: EditStatus; message?: string } {
    const reply = this.post("Debugger.setScriptSource", { scriptId, scriptSource, allowTopFrameEditing: false });
    return { status: reply.status ?? "Ok", message: reply.exceptionDetails?.text };
  }

  urlOf(scriptId: string): string {
    return this.urls.get(scriptId) ?? "";
  }

  /** The newest script whose URL passes `test`, or null. */
  scriptIdOf(test: (url: string) => boolean): string | null {
    const ids = [...this.urls.keys()].reverse();
    return ids.find((id) => test(this.urls.get(id)!)) ?? null;
  }

  close(): void {
    try {
      this.post("Debugger.disable", {});
    } finally {
      this.session.off("Debugger.scriptParsed", this.onScript);
      this.session.disconnect();
    }
  }

  /** The kernel's own session answers synchronously. */
  private post(method: string, params: object): any {
    let reply: any;
    let error: Error | null = null;
    this.session.post(method, params, (e, r) => {
      error = e;
      reply = r;
    });
    if (error) throw error;
    return reply;
  }
}

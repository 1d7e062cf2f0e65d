/**
 * V8's live edit through the inspector session of the kernel's own thread: where a function's code is,
 * its script's source, and replacing that source. The debugger is on only while a magic edits.
 * See docs/how-it-works.md, "Live edit (%lprun)".
 */
import inspector from "node:inspector";

/** What V8 answers to an edit (Debugger.setScriptSource's `status`). */
export type EditStatus =
  "Ok" | "CompileError" | "BlockedByActiveFunction" | "BlockedByActiveGenerator" | "BlockedByTopLevelEsModuleChange";

export interface CodeLocation {
  scriptId: string;
  /** The script's URL: a cell's `<cell N>`, a module's path or file: URL. */
  url: string;
  /** 0-based, as the inspector gives them. */
  lineNumber: number;
  columnNumber: number;
}

function sameLocation(a: Omit<CodeLocation, "url"> | undefined, b: CodeLocation): boolean {
  return (
    a !== undefined && a.scriptId === b.scriptId && a.lineNumber === b.lineNumber && a.columnNumber === b.columnNumber
  );
}

/** A function with no code location: native, or built into V8. */
export class NoSourceError extends Error {}

const HOLDER = "__tsprof_live_edit_target__";

export class LiveEditSession {
  private readonly urls = new Map<string, string>();
  private readonly onScript = (message: { params: { scriptId: string; url: string } }) =>
    this.urls.set(message.params.scriptId, message.params.url);

  private readonly session = new inspector.Session();

  /** Connects and enables the debugger; `close` disables it. */
  constructor() {
    this.session.connect();
    this.session.on("Debugger.scriptParsed", this.onScript);
    this.post("Debugger.enable", {});
  }

  /** Where `fn`'s code is; a bound function's target is followed. */
  locate(fn: Function): CodeLocation {
    const location = this.withHeld(
      this.boundTarget(fn),
      (objectId) => this.internalProperty(objectId, "[[FunctionLocation]]")?.value,
    );
    if (!location) throw new NoSourceError();
    return { ...location, url: this.urls.get(location.scriptId) ?? "" };
  }

  /** The function a bound function calls, through any bound functions in between; `fn` itself if it is not bound. */
  boundTarget(fn: Function): Function {
    let target = fn;
    for (;;) {
      const next = this.withHeld(target, (objectId) => {
        const inner = this.internalProperty(objectId, "[[TargetFunction]]")?.objectId;
        if (!inner) return null;
        this.post("Runtime.callFunctionOn", {
          objectId: inner,
          functionDeclaration: `function () { globalThis.${HOLDER} = this; }`,
          objectGroup: HOLDER,
        });
        return (globalThis as any)[HOLDER] as Function;
      });
      if (!next) return target;
      target = next;
    }
  }

  /**
   * How many function objects run `fn`'s code (`location`), `fn` included: the closures one
   * function made, each time it ran. A heap query, so asked only for functions made inside others.
   */
  functionsSharingCode(fn: Function, location: CodeLocation): number {
    return this.withHeld(fn, (objectId) => {
      const call = (on: string, functionDeclaration: string, args: object[] = []) =>
        this.post("Runtime.callFunctionOn", { objectId: on, functionDeclaration, arguments: args, objectGroup: HOLDER })
          .result.objectId;
      const prototype = call(objectId, "function () { return Object.getPrototypeOf(this); }");
      const all = this.post("Runtime.queryObjects", { prototypeObjectId: prototype, objectGroup: HOLDER }).objects
        .objectId;
      const sameText = call(
        all,
        "function (fn) { const read = globalThis.__tsprof__?.executedText ?? ((f) => " +
          "Function.prototype.toString.call(f)); const text = read(fn); return this.filter((f) => " +
          "typeof f === 'function' && read(f) === text); }",
        [{ objectId }],
      );
      const { result } = this.post("Runtime.getProperties", { objectId: sameText, ownProperties: true });
      return result.filter(
        (p: any) =>
          /^\d+$/.test(p.name) &&
          sameLocation(this.internalProperty(p.value.objectId, "[[FunctionLocation]]")?.value, location),
      ).length;
    });
  }

  /** Runs `use` with the inspector's id of `value`. */
  private withHeld<T>(value: unknown, use: (objectId: string) => T): T {
    (globalThis as any)[HOLDER] = value;
    try {
      const { objectId } = this.post("Runtime.evaluate", {
        expression: `globalThis.${HOLDER}`,
        objectGroup: HOLDER,
      }).result;
      return use(objectId);
    } finally {
      delete (globalThis as any)[HOLDER];
      this.post("Runtime.releaseObjectGroup", { objectGroup: HOLDER });
    }
  }

  private internalProperty(objectId: string, name: string): { value?: any; objectId?: string } | undefined {
    const { internalProperties = [] } = this.post("Runtime.getProperties", { objectId, ownProperties: true });
    return internalProperties.find((p: any) => p.name === name)?.value;
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

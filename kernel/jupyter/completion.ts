/**
 * `complete_request` and `inspect_request`: a magic's names, options and help come from the
 * registry, the rest from TypeScript through the executor.
 */
import { quickInfo } from "../exec/tslab-bridge";
import type { Executor } from "../exec/executor";
import type { MagicRegistry } from "../../magics/core/registry";
import { completeMagicOption, inspectMagic } from "../../magics/core/introspect";

export function completeReply(registry: MagicRegistry, executor: Executor, code: string, cursor: number) {
  const option = completeMagicOption(registry, code, cursor);
  if (option) {
    return {
      status: "ok",
      matches: option.matches,
      cursor_start: option.cursorStart,
      cursor_end: cursor,
      metadata: { _jupyter_types_experimental: option.types },
    };
  }
  const magic = /(^|\n)\s*(%%?)(\w*)$/.exec(code.slice(0, cursor));
  if (magic) {
    const form = magic[2] === "%%" ? "cell" : "line";
    const matches = registry
      .names(form)
      .filter((n) => n.startsWith(magic[3]))
      .map((n) => magic[2] + n);
    return {
      status: "ok",
      matches,
      cursor_start: cursor - magic[3].length - magic[2].length,
      cursor_end: cursor,
      metadata: {},
    };
  }
  const info = executor.complete(code, cursor);
  return { status: "ok", matches: info.candidates, cursor_start: info.start, cursor_end: info.end, metadata: {} };
}

export function inspectReply(registry: MagicRegistry, executor: Executor, code: string, cursor: number) {
  const magicHelp = inspectMagic(registry, code, cursor);
  if (magicHelp) return { status: "ok", found: true, data: { "text/plain": magicHelp }, metadata: {} };
  const info = executor.inspect(code, cursor);
  if (!info) return { status: "ok", found: false, data: {}, metadata: {} };
  return { status: "ok", found: true, data: { "text/plain": quickInfo.printQuickInfo(info) }, metadata: {} };
}

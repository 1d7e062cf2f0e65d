/** Source maps carried inline, in a `//# sourceMappingURL=data:` comment, as tslab's compiler emits them. */
const SOURCE_MAP_COMMENT = /\n?\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/** Splits JS with an inline source map comment into the code and the decoded map. */
export function takeInlineSourceMap(js: string): { code: string; map: any | null } {
  const m = SOURCE_MAP_COMMENT.exec(js);
  if (!m) return { code: js, map: null };
  return { code: js.slice(0, m.index), map: JSON.parse(Buffer.from(m[1], "base64").toString("utf8")) };
}

/** The code with `map` as its inline source map comment. */
export function withInlineSourceMap(code: string, map: unknown): string {
  return `${code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}`;
}

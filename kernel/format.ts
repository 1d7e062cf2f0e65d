/** How a value becomes a MIME bundle for `execute_result` (IPython's display formatter). */
import util from "node:util";
import type { MimeBundle } from "../magics/context";

/**
 * A value can offer a richer view by carrying this method (as profile results returned by
 * `%prun -r` do): it returns a MIME bundle that includes `text/plain`.
 */
export const MIME_BUNDLE = Symbol.for("tsprof.mimeBundle");

export function mimeBundleOf(value: unknown): MimeBundle {
  const rich = (value as any)?.[MIME_BUNDLE];
  if (typeof rich === "function") return rich.call(value);
  return { "text/plain": typeof value === "string" ? `'${value}'` : util.inspect(value, { depth: 4, maxArrayLength: 50 }) };
}

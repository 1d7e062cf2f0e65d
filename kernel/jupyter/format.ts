/** How a value becomes a MIME bundle for `execute_result` (IPython's display formatter). */
import util from "node:util";
import { MIME_BUNDLE, type MimeBundle } from "../../magics/core/context";

export function mimeBundleOf(value: unknown): MimeBundle {
  const rich = (value as any)?.[MIME_BUNDLE];
  if (typeof rich === "function") return rich.call(value);
  // util.inspect quotes strings as JavaScript would ("it's"), like IPython's repr.
  return { "text/plain": util.inspect(value, { depth: 4, maxArrayLength: 50 }) };
}

/**
 * A function's text as JavaScript reads it (`Function.prototype.toString`, `String(fn)`) is the
 * code as compiled, without what instrument.ts adds, so code rebuilt from it runs anywhere. The
 * kernel reads the executed text with `executedText`. See docs/how-it-works.md, "Call counters".
 */
import { closingParenthesis } from "./ast";
import { TWIN_SPOT } from "./instrument";

const COUNTER = String.raw`\(__tsprof_k\.active && __tsprof_c\[\d+\]\+\+\)`;
/** A block body's entry: ` counter;` and a twin spot (instrument.ts, insertEntry). */
const BLOCK_ENTRY = new RegExp(` ${COUNTER};${TWIN_SPOT}`, "g");
/** An expression body's entry: `(counter, ` before the body, whose `)` closes after it. */
const EXPRESSION_ENTRY = new RegExp(String.raw`\(${COUNTER}, `, "g");

const nativeToString = Function.prototype.toString;

/** The text of `fn` as V8 runs it, call counter and twin spots included. */
export function executedText(fn: Function): string {
  return nativeToString.call(fn);
}

/** `executed` without the counters and twin spots the unit's compile put in it. */
export function writtenText(executed: string): string {
  if (!executed.includes(TWIN_SPOT)) return executed;
  let text = executed;
  // Last first, so that an inner arrow's entry is gone before its outer one's parenthesis is matched.
  for (const entry of [...executed.matchAll(EXPRESSION_ENTRY)].reverse()) {
    const close = closingParenthesis(text, entry.index);
    text = text.slice(0, entry.index) + text.slice(entry.index + entry[0].length, close) + text.slice(close + 1);
  }
  return text.replace(BLOCK_ENTRY, "").replaceAll(TWIN_SPOT, "");
}

/**
 * Makes `Function.prototype.toString` give the written text. It stays a method named toString
 * that reads as native code, so checks for native functions (lodash's isNative) see what they did.
 */
export function showWrittenText(): void {
  if (Function.prototype.toString !== nativeToString) return;
  const { toString } = {
    toString(this: Function): string {
      return this === toString ? "function toString() { [native code] }" : writtenText(nativeToString.call(this));
    },
  };
  Object.defineProperty(Function.prototype, "toString", { value: toString, writable: true, configurable: true });
}

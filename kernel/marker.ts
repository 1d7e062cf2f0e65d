/**
 * What a script gets from `import { profile } from "tsprof"` (the package's main): kernprof's `@profile`,
 * made harmless. This module loads nothing else (the kernel's API is kernel/public.ts).
 * See docs/how-it-works.md, "The command line".
 */

/** Marks a function for `tsprof lprun`; returns it unchanged. */
export function profile<F extends Function>(fn: F): F;
/** `@profile` on a method (or a class), as a TC39 decorator: leaves it as it is. */
export function profile<F extends Function>(fn: F, context: DecoratorContext): F;
/** `@profile` on a method with `experimentalDecorators`: leaves its descriptor as it is. */
export function profile<T>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
): TypedPropertyDescriptor<T>;
export function profile(value: unknown, _key?: unknown, descriptor?: unknown): unknown {
  return descriptor ?? value;
}

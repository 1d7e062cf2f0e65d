/**
 * TypeScript's code made fast before a person's first cells need it: the compiler thread converts
 * a few typical cells as it starts, one a turn of its event loop, on the kernel's own converter.
 * See docs/how-it-works.md, "The compiler thread".
 */
import type { Converter } from "./tslab-compiler";

const CELLS = [
  "const xs: number[] = [1, 2, 3];",
  "xs.map((x) => x * 2).reduce((a, b) => a + b, 0)",
  `interface Item { name: string; size: number }
type Sized = Pick<Item, "size"> | null;
function total(items: readonly Item[]): number { return items.reduce((s, i) => s + i.size, 0); }
class Bag<T extends Item> { private items: T[] = []; add(item: T): this { this.items.push(item); return this; } get total() { return total(this.items); } }
enum Kind { Small, Large }`,
  `const bag = new Bag().add({ name: "a", size: 1 });
async function later(): Promise<number> { return bag.total; }
await later()`,
  "const wrong: string = bag.total;",
  'import * as path from "path";\npath.join("a", "b")',
];
const ROUNDS = 5;

/** Warms up the converter `current()` gives, until done or it is gone (closed). */
export async function warmUp(current: () => Converter | undefined): Promise<void> {
  let prevDecl = "";
  for (let step = 0; step < ROUNDS * CELLS.length; step++) {
    await new Promise((resolve) => setImmediate(resolve));
    const converter = current();
    if (!converter) return;
    const cell = step % CELLS.length;
    // Each round starts from no declarations, as a new notebook does.
    const declarations = cell === 0 ? "" : prevDecl;
    prevDecl = converter.convert(declarations, CELLS[cell]).declOutput ?? declarations;
  }
}

/**
 * The notebook's names: script-scope `let` bindings that every cell's script and every function
 * defined in one share, declared once each (a cell run again assigns them), so that a function
 * sees the binding as a later cell leaves it (docs/how-it-works.md, "The execution model").
 */
import vm from "node:vm";

export function notebookBindings() {
  const declared = new Set<string>();
  /** Reads a name at the global scope, as a cell would. */
  const readName = (name: string): { value: unknown } | undefined => {
    try {
      return { value: vm.runInThisContext(name) };
    } catch {
      return undefined;
    }
  };
  return {
    /** Declares the names not declared yet (one that something else declared already is taken as it is). */
    declare(names: readonly string[]): void {
      for (const name of names) {
        if (declared.has(name)) continue;
        try {
          vm.runInThisContext(`let ${name};`);
        } catch (e) {
          if (!(e instanceof SyntaxError)) throw e;
        }
        declared.add(name);
      }
    },
    /** The values of those of `names` declared already. */
    read(names: readonly string[]): Map<string, unknown> {
      const values = new Map<string, unknown>();
      for (const name of names) if (declared.has(name)) values.set(name, readName(name)?.value);
      return values;
    },
    /** Which of `names` a cell that stopped part-way left as they were (`before`: what `read` gave before it ran). */
    unchanged(names: readonly string[], before: Map<string, unknown>): Set<string> {
      return new Set(
        names.filter((name) => readName(name)?.value === (before.has(name) ? before.get(name) : undefined)),
      );
    },
    /** A notebook name's value, or undefined where there is no such name. */
    value(name: string): { value: unknown } | undefined {
      return declared.has(name) ? readName(name) : undefined;
    },
    /**
     * What an `import` of a CommonJS module binds, as TypeScript's esModuleInterop reads it:
     * `default`, `*` (the namespace) or a named export.
     */
    imports(mod: any, keys: string[]): unknown[] {
      return keys.map((key) =>
        key === "default" ? (mod?.__esModule ? mod.default : mod) : key === "*" ? importStar(mod) : mod?.[key],
      );
    },
  };
}

function importStar(mod: any): unknown {
  if (mod?.__esModule) return mod;
  const namespace: Record<string, unknown> = {};
  if (mod != null) for (const key of Object.keys(mod)) if (key !== "default") namespace[key] = mod[key];
  namespace.default = mod;
  return namespace;
}

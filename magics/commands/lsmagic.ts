/** `%lsmagic`: the magics the registry holds, listed as IPython lists them. */
import escapeHtml from "escape-html";
import { defineMagic, type MagicRegistry } from "../core/registry";

/** `%lsmagic`, as IPython prints it; it lists whatever the registry holds. */
export function lsmagic(registry: MagicRegistry) {
  return defineMagic({
    name: "lsmagic",
    forms: ["line"],
    summary: "List the available magics.",
    description:
      "Prints the line magics (%name) and cell magics (%%name) this kernel knows. `%name?` shows a magic's help.",
    positional: null,
    options: {},
    async run(ctx) {
      const line = registry.names("line").map((n) => `%${n}`);
      const cell = registry.names("cell").map((n) => `%%${n}`);
      const text = [
        "Available line magics:",
        line.join("  "),
        "",
        "Available cell magics:",
        cell.join("  "),
        "",
        "Automagic is OFF, % prefix IS needed for line magics. Use %name? for help.",
      ].join("\n");
      const rows = registry
        .all()
        .map(
          (m) =>
            `<tr><td><code>${escapeHtml(m.forms.map((f) => (f === "cell" ? "%%" : "%") + m.name).join(" "))}</code></td><td>${escapeHtml(m.summary)}</td></tr>`,
        )
        .join("");
      ctx.display({
        "text/plain": text,
        "text/html": `<table><thead><tr><th>magic</th><th>what it does</th></tr></thead><tbody>${rows}</tbody></table>`,
      });
    },
  });
}

/**
 * JupyterLab 4's notebook on a page of its own, built from JupyterLab's npm packages as
 * JupyterLab's examples/notebook does: a NotebookPanel opened through a DocumentManager, with
 * JupyterLab's standard rendermime factories and its default sanitizer, talking to the
 * jupyter_server that serves this page. No plotly extension is registered, as in a JupyterLab
 * without jupyterlab-plotly. Bundled by test/e2e/jupyterlab.test.ts with esbuild.
 *
 * The page reads `?token=…&path=…`; the test drives it through `window.tsprofLab`.
 */
import { PageConfig } from "@jupyterlab/coreutils";
import { ServiceManager } from "@jupyterlab/services";
import { DocumentManager } from "@jupyterlab/docmanager";
import { DocumentRegistry } from "@jupyterlab/docregistry";
import {
  NotebookActions,
  NotebookModelFactory,
  NotebookPanel,
  NotebookWidgetFactory,
  StaticNotebook,
} from "@jupyterlab/notebook";
import { RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";
import {
  CodeMirrorEditorFactory,
  CodeMirrorMimeTypeService,
  EditorExtensionRegistry,
  EditorLanguageRegistry,
  EditorThemeRegistry,
  ybinding,
} from "@jupyterlab/codemirror";
import { Widget } from "@lumino/widgets";

const params = new URLSearchParams(location.search);
PageConfig.setOption("baseUrl", new URL("/", location.href).href);
PageConfig.setOption("token", params.get("token") ?? "");

function editors(): { factory: CodeMirrorEditorFactory; languages: EditorLanguageRegistry } {
  const languages = new EditorLanguageRegistry();
  for (const language of EditorLanguageRegistry.getDefaultLanguages()) languages.addLanguage(language);
  const themes = new EditorThemeRegistry();
  for (const theme of EditorThemeRegistry.getDefaultThemes()) themes.addTheme(theme);
  const extensions = new EditorExtensionRegistry();
  for (const extension of EditorExtensionRegistry.getDefaultExtensions({ themes })) extensions.addExtension(extension);
  // As examples/notebook: the editor edits the cell's shared model.
  extensions.addExtension({
    name: "shared-model-binding",
    factory: (options) => {
      const shared = options.model.sharedModel as any;
      return EditorExtensionRegistry.createImmutableExtension(
        ybinding({ ytext: shared.ysource, undoManager: shared.undoManager ?? undefined }),
      );
    },
  });
  return { factory: new CodeMirrorEditorFactory({ extensions, languages }), languages };
}

async function main(): Promise<void> {
  const manager = new ServiceManager();
  await manager.ready;
  const rendermime = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
  const registry = new DocumentRegistry();
  const opener = {
    open: () => undefined,
    get opened() {
      return { connect: () => false, disconnect: () => false };
    },
  };
  const docManager = new DocumentManager({ registry, manager, opener: opener as any });
  const { factory, languages } = editors();
  registry.addModelFactory(new NotebookModelFactory({}));
  registry.addWidgetFactory(
    new NotebookWidgetFactory({
      name: "Notebook",
      modelName: "notebook",
      fileTypes: ["notebook"],
      defaultFor: ["notebook"],
      preferKernel: true,
      canStartKernel: true,
      rendermime,
      contentFactory: new NotebookPanel.ContentFactory({ editorFactory: factory.newInlineEditor }),
      mimeTypeService: new CodeMirrorMimeTypeService(languages),
      // Every cell in the DOM, so the test sees all outputs without scrolling.
      notebookConfig: { ...StaticNotebook.defaultNotebookConfig, windowingMode: "none" },
    }),
  );
  const panel = docManager.open(params.get("path") ?? "") as NotebookPanel;
  panel.id = "main";
  panel.addClass("jp-ThemedContainer");
  Widget.attach(panel, document.body);
  window.addEventListener("resize", () => panel.update());
  await panel.context.ready;
  await panel.sessionContext.ready;

  (window as any).tsprofLab = {
    panel,
    /** Runs cell `index` as Shift-Enter does; resolves with whether it ran without error. */
    run: (index: number) => {
      panel.content.activeCellIndex = index;
      return NotebookActions.run(panel.content, panel.sessionContext);
    },
    save: () => panel.context.save(),
    /** "Trust Notebook": JupyterLab's dialog, which the test answers. */
    trust: () => NotebookActions.trust(panel.content),
    trusted: () => panel.content.widgets.map((cell) => cell.model.trusted),
    outputs: () => panel.content.widgets.map((cell) => (cell.model.toJSON() as any).outputs ?? []),
  };
  document.body.dataset.ready = "true";
}

void main();

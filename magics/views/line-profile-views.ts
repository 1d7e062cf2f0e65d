/** %lprun's views: line_profiler's table (text + heat-shaded sortable HTML) and a chart of % time per line. */
import type { MimeBundle } from "../core/context";
import type { FunctionLineProfile, LineProfileResult } from "../model/profile";
import { functionHeader, lineCells, lineProfileText, shareBase } from "./line-profile-text";
import { heatShares, htmlTable, type TableCell } from "./html-table";
import { chartBundle, plotlyText, type Figure } from "./plotly";
import { formatG } from "./pyformat";

export function lineProfileViews(result: LineProfileResult): MimeBundle[] {
  return [
    { "text/plain": lineProfileText(result), "text/html": lineProfileHtml(result) },
    chartBundle(lineShareFigure(result), `% time per line of ${result.functions.map((f) => f.fn.name).join(", ")}`),
  ];
}

export function lineProfileHtml(result: LineProfileResult): string {
  const unit = `Timer unit: ${formatG(result.timerUnit)} s`;
  return result.functions.map((fn, i) => functionHtml(fn, result.timerUnit, i === 0 ? [unit, ""] : [])).join("\n");
}

function functionHtml(profile: FunctionLineProfile, timerUnit: number, preamble: string[]): string {
  const heat = heatShares(profile.lines.map((l) => l.time));
  const number = (text: string, key: number | null, cellHeat?: number): TableCell => ({
    text,
    sortKey: text === "" ? null : key,
    heat: cellHeat,
  });
  return htmlTable({
    caption: [...preamble, ...functionHeader(profile)],
    columns: [
      { label: "Line #", numeric: true },
      { label: "Hits", numeric: true, title: "exact number of times a statement starting on the line ran" },
      {
        label: "Time",
        numeric: true,
        title: `time on the line, including what it called, in timer units (${formatG(timerUnit)} s)`,
      },
      { label: "Per Hit", numeric: true, title: "Time / Hits" },
      { label: "% Time", numeric: true, title: "share of the function's total time" },
      { label: "Line Contents", code: true },
    ],
    rows: profile.lines.map((line, i) => {
      const base = shareBase(profile);
      const [hits, time, perHit, percent] = lineCells(line, base, timerUnit);
      return [
        number(String(line.line), line.line),
        number(hits, line.hits),
        number(time, line.time, heat[i]),
        number(perHit, line.hits ? line.time / line.hits : null),
        number(percent.trim(), base ? line.time / base : null, heat[i]),
        { text: line.contents },
      ];
    }),
    sortedBy: { column: 0, descending: false },
  });
}

/** One bar per line that ran, per function: the line's share of its function's time. */
function lineShareFigure(result: LineProfileResult): Figure {
  // One function: its name goes in the axis title and each bar is named by its line alone, so that
  // long names do not crowd the axis.
  const single = result.functions.length === 1;
  const label = (profile: FunctionLineProfile, line: number) =>
    single ? String(line) : `${plotlyText(profile.fn.name)}:${line}`;
  const data = result.functions.map((profile) => {
    const lines = profile.lines.filter((l) => l.hits > 0);
    const base = shareBase(profile);
    const share = (time: number) => (base > 0 ? (100 * time) / base : 0);
    return {
      type: "bar",
      name: plotlyText(`${profile.fn.name} (${profile.fn.file})${profile.thread ? `, ${profile.thread}` : ""}`),
      x: lines.map((l) => label(profile, l.line)),
      y: lines.map((l) => share(l.time)),
      customdata: lines.map((l) => [plotlyText(l.contents.trim().slice(0, 80)), l.hits]),
      hovertemplate: "line %{x}: %{y:.1f}% of the time<br>%{customdata[0]}<br>hits: %{customdata[1]}<extra></extra>",
    };
  });
  const longestLabel = Math.max(0, ...data.flatMap((trace) => trace.x.map((x) => x.length)));
  const [first] = result.functions;
  return {
    data,
    layout: {
      title: { text: "% Time per line" },
      // Turned tick labels take room in proportion to their length: the chart grows with them
      // rather than squeezing its bars.
      height: 340 + Math.min(longestLabel, 60) * 7,
      margin: { l: 60, r: 20, t: 50, b: 40 },
      xaxis: {
        title: {
          text: single && first ? plotlyText(`line of ${first.fn.name} (${first.fn.file})`) : "function:line",
          standoff: 16,
        },
        type: "category",
        automargin: true,
      },
      yaxis: { title: { text: "% of the function's time", standoff: 8 }, automargin: true },
      showlegend: result.functions.length > 1,
    },
  };
}

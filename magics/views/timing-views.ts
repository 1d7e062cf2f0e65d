/** %timeit's and %time's views: IPython's lines as text, and a histogram of the %timeit runs. */
import type { MimeBundle } from "../core/context";
import type { TimeitResult, TimeResult } from "../model/profile";
import { chartBundle, plotlyText, type Figure } from "./plotly";
import { timeitText, timeText } from "./timing-text";
import { timeUnit } from "./pyformat";

export function timeitViews(result: TimeitResult, options: { precision?: number } = {}): MimeBundle[] {
  return [
    { "text/plain": timeitText(result, options.precision) },
    chartBundle(runsFigure(result), `histogram of the ${result.repeat} runs of ${result.statement}`),
  ];
}

export function timeViews(result: TimeResult): MimeBundle[] {
  return [{ "text/plain": timeText(result) }];
}

function runsFigure(result: TimeitResult): Figure {
  const unit = timeUnit(result.mean);
  const mean = result.mean * unit.scale;
  return {
    data: [
      {
        type: "histogram",
        x: result.timings.map((t) => t * unit.scale),
        nbinsx: Math.min(30, Math.max(5, result.repeat)),
        marker: { color: "#1c7ed6" },
        hovertemplate: `%{x} ${unit.name} per loop: %{y} run(s)<extra></extra>`,
      },
    ],
    layout: {
      title: { text: `${plotlyText(result.statement)}: ${result.repeat} runs of ${result.loops} loops` },
      height: 300,
      margin: { l: 50, r: 20, t: 50, b: 50 },
      xaxis: { title: { text: `time per loop (${unit.name})` } },
      yaxis: { title: { text: "runs" } },
      bargap: 0.05,
      shapes: [
        { type: "line", x0: mean, x1: mean, yref: "paper", y0: 0, y1: 1, line: { color: "#e8590c", dash: "dash" } },
      ],
      annotations: [{ x: mean, yref: "paper", y: 1, text: "mean", showarrow: false, yanchor: "bottom" }],
    },
  };
}

/** %timeit and %time as IPython prints them. */
import type { TimeitResult, TimeResult } from "../model/profile";
import { slowestRunRatio } from "../measure/samplers/timing";
import { formatTime, withThousands } from "./pyformat";

const plural = (n: number, word: string) => `${word}${n === 1 ? "" : "s"}`;

/** IPython's `TimeitResult.__str__`: `1.23 ms ± 4.56 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)`. */
export function timeitLine(result: TimeitResult, precision = 3): string {
  const mean = formatTime(result.mean, precision);
  const stdev = formatTime(result.stdev, precision);
  const runs = `${result.repeat} ${plural(result.repeat, "run")}`;
  const loops = `${withThousands(result.loops)} ${plural(result.loops, "loop")}`;
  return `${mean} ± ${stdev} per loop (mean ± std. dev. of ${runs}, ${loops} each)`;
}

/** IPython's warning before the line when the slowest run took over 4× the fastest; null otherwise. */
export function slowestRunWarning(result: TimeitResult): string | null {
  const ratio = slowestRunRatio(result);
  if (ratio === null) return null;
  return (
    `The slowest run took ${ratio.toFixed(2)} times longer than the fastest. This could mean ` +
    `that an intermediate result is being cached.`
  );
}

export function timeitText(result: TimeitResult, precision = 3): string {
  const warning = slowestRunWarning(result);
  return (warning ? `${warning}\n` : "") + timeitLine(result, precision);
}

/** IPython's %time: `CPU times: user 1.2 ms, sys: 0 ns, total: 1.2 ms` and `Wall time: 3.4 ms`. */
export function timeText(result: TimeResult): string {
  const { user, system, wall } = result;
  const lines = [
    `CPU times: user ${formatTime(user)}, sys: ${formatTime(system)}, total: ${formatTime(user + system)}`,
  ];
  if (result.threads)
    lines.push(
      `CPU per thread: ${result.threads.map((t) => `${t.label} ${t.cpu === null ? "unknown" : formatTime(t.cpu)}`).join(", ")}`,
    );
  lines.push(`Wall time: ${formatTime(wall)}`);
  return lines.join("\n");
}

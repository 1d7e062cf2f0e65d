/**
 * Python's number formatting, for text that must read exactly like the Python tools' output
 * (cProfile's `%8.3f`, line_profiler's `%g` and `%5.1f`, IPython's `_format_time`).
 */

/** Python's `"%.{precision}g" % x`: significant digits, trailing zeros dropped, exponent past 1e±precision. */
export function formatG(x: number, precision = 6): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (x === 0) return "0";
  const p = Math.max(1, precision);
  const [mantissa, exp] = x.toExponential(p - 1).split("e");
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= p) {
    const sign = exponent < 0 ? "-" : "+";
    return `${stripZeros(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return stripZeros(x.toFixed(p - 1 - exponent));
}

function stripZeros(digits: string): string {
  return digits.includes(".") ? digits.replace(/\.?0+$/, "") : digits;
}

/** Python's `"%{width}.{decimals}f" % x`. */
export function formatF(x: number, width: number, decimals: number): string {
  return x.toFixed(decimals).padStart(width);
}

/** Python's `"%{width}.{precision}g" % x`. */
export function formatGWidth(x: number, width: number, precision: number): string {
  return formatG(x, precision).padStart(width);
}

const TIME_UNITS = ["s", "ms", "µs", "ns"];
const TIME_PARTS: [string, number][] = [
  ["d", 86400],
  ["h", 3600],
  ["min", 60],
  ["s", 1],
];

/** IPython's `_format_time`: "1.23 ms", "456 ns", "1min 5s". */
export function formatTime(seconds: number, precision = 3): string {
  if (seconds >= 60) {
    const parts: string[] = [];
    let left = seconds;
    for (const [suffix, length] of TIME_PARTS) {
      const value = Math.trunc(left / length);
      if (value > 0) {
        left = left % length;
        parts.push(`${value}${suffix}`);
      }
      if (left < 1) break;
    }
    return parts.join(" ");
  }
  const unit = timeUnit(seconds);
  return `${formatG(seconds * unit.scale, precision)} ${unit.name}`;
}

/** The unit `formatTime` picks for a time under a minute: s, ms, µs or ns, and how many of it make a second. */
export function timeUnit(seconds: number): { scale: number; name: string } {
  const order = seconds > 0 ? Math.min(Math.max(-Math.floor(Math.floor(Math.log10(seconds)) / 3), 0), 3) : 3;
  return { scale: 1000 ** order, name: TIME_UNITS[order] };
}

/** Python's `"{:,}".format(n)` for integers: thousands separated by commas. */
export function withThousands(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Bytes in binary units with three significant digits: "512 B", "1.50 MiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const sign = bytes < 0 ? "-" : "";
  // From 1000 up to the next unit, three significant digits would need an exponent ("1.01e+3").
  const digits = value >= 999.5 ? value.toFixed(0) : value.toPrecision(3);
  return unit === 0 ? `${sign}${value} B` : `${sign}${digits} ${units[unit]}`;
}

/** The kernel's input history, answering `history_request` (tail, range and search) like IPython. */

/** [session, line number, input] or, when output is asked for, [session, line, [input, output]]. */
export type HistoryEntry = [number, number, string | [string, string | null]];

interface HistoryRequest {
  hist_access_type: "tail" | "range" | "search";
  output?: boolean;
  n?: number;
  pattern?: string;
  unique?: boolean;
  session?: number;
  start?: number;
  stop?: number;
}

interface Cell {
  line: number;
  input: string;
  /** The text/plain of the cell's execute_result, as IPython's output history keeps it. */
  output: string | null;
}

/** This kernel process is history session 1; sessions before it are not kept. */
const SESSION = 1;

export class History {
  private readonly cells: Cell[] = [];

  add(executionCount: number, input: string): void {
    this.cells.push({ line: executionCount, input, output: null });
  }

  /** Records the result of the cell with this execution count. */
  setOutput(executionCount: number, text: string): void {
    const cell = this.cells[this.cells.length - 1];
    if (cell?.line === executionCount) cell.output = text;
  }

  query(request: HistoryRequest): HistoryEntry[] {
    const entry = (c: Cell): HistoryEntry => [SESSION, c.line, request.output ? [c.input, c.output] : c.input];
    return this.select(request).map(entry);
  }

  private select(request: HistoryRequest): Cell[] {
    switch (request.hist_access_type) {
      case "tail":
        return this.cells.slice(-(request.n ?? 10));
      case "range": {
        // IPython: session 0 (or none) is the current one; negative numbers count back to earlier sessions.
        const session = request.session ?? 0;
        if (session !== 0 && session !== SESSION) return [];
        const start = request.start ?? 0;
        const stop = request.stop ?? Infinity;
        return this.cells.filter((c) => c.line >= start && c.line < stop);
      }
      case "search":
        return this.search(request.pattern ?? "*", request.unique ?? false, request.n);
      default:
        return [];
    }
  }

  /** IPython's search: a glob (`*` any text, `?` one character) matched against whole inputs. */
  private search(pattern: string, unique: boolean, n: number | undefined): Cell[] {
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, "[\\s\\S]*")
        .replace(/\?/g, "[\\s\\S]")}$`,
    );
    let found = this.cells.filter((c) => regex.test(c.input));
    if (unique) found = found.filter((c, i) => found.findIndex((other) => other.input === c.input) === i);
    return n ? found.slice(-n) : found;
  }
}

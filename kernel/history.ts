/** The kernel's input history, answering `history_request` (tail, range and search) like IPython. */

/** [session, line number, input] — the protocol's history entry without output. */
export type HistoryEntry = [number, number, string];

interface HistoryRequest {
  hist_access_type: "tail" | "range" | "search";
  n?: number;
  pattern?: string;
  unique?: boolean;
  session?: number;
  start?: number;
  stop?: number;
}

/** This kernel process is history session 1; sessions before it are not kept. */
const SESSION = 1;

export class History {
  private readonly entries: HistoryEntry[] = [];

  add(executionCount: number, input: string): void {
    this.entries.push([SESSION, executionCount, input]);
  }

  query(request: HistoryRequest): HistoryEntry[] {
    switch (request.hist_access_type) {
      case "tail":
        return this.entries.slice(-(request.n ?? 10));
      case "range": {
        const start = request.start ?? 0;
        const stop = request.stop ?? Infinity;
        return this.entries.filter(([, line]) => line >= start && line < stop);
      }
      case "search":
        return this.search(request.pattern ?? "*", request.unique ?? false, request.n);
      default:
        return [];
    }
  }

  /** IPython's search: a glob (`*` any text, `?` one character) matched against whole inputs. */
  private search(pattern: string, unique: boolean, n: number | undefined): HistoryEntry[] {
    const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]")}$`);
    let found = this.entries.filter(([, , input]) => regex.test(input));
    if (unique) found = found.filter(([, , input], i) => found.findIndex(([, , other]) => other === input) === i);
    return n ? found.slice(-n) : found;
  }
}

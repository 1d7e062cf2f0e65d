/** The benchmark workloads, as TypeScript cell source: the article's naive forward pass and friends. */

/** x 100×64, w1 64×256, w2 256×10, seeded; a naive triple-loop matmul on nested arrays. */
export const FORWARD_PASS = `
function seeded(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
}
function randomMatrix(rows: number, cols: number, seed: number): number[][] {
  const next = seeded(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, next));
}
function matmul(a: number[][], b: number[][]): number[][] {
  const n = a.length, p = b.length, m = b[0].length;
  const res: number[][] = [];
  for (let i = 0; i < n; i++) res.push(new Array(m).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      for (let k = 0; k < p; k++) {
        res[i][j] += a[i][k] * b[k][j];
      }
    }
  }
  return res;
}
function forward(x: number[][], w1: number[][], w2: number[][]): number[][] {
  const h = matmul(x, w1);
  return matmul(h, w2);
}
const x = randomMatrix(100, 64, 1), w1 = randomMatrix(64, 256, 2), w2 = randomMatrix(256, 10, 3);
`;

/** Two functions whose work is in a known 3:1 ratio. */
export const THREE_TO_ONE = `
function spin(n: number): number { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); return s; }
function threeUnits(): number { return spin(3_000_000); }
function oneUnit(): number { return spin(1_000_000); }
`;

/** Many tiny calls: the worst case for per-call counters. */
export const CALL_HEAVY = `
const add = (a: number, b: number) => a + b;
function sumWithCalls(n: number): number { let s = 0; for (let i = 0; i < n; i++) s = add(s, i); return s; }
function sumWithMap(xs: number[]): number { return xs.map((v) => v * 2).reduce((a, b) => a + b, 0); }
const xs = Array.from({ length: 200_000 }, (_, i) => i);
`;

/** Two functions allocating 30 MB and 10 MB of JS arrays (rows of 1250 doubles, 10 kB each), and one that keeps what it allocates. */
export const ALLOCATING = `
function rows(n: number): number[][] { const out: number[][] = []; for (let i = 0; i < n; i++) out.push(new Array(1250).fill(i + 0.5)); return out; }
function thirtyMB(): number { let k = 0; for (let r = 0; r < 3; r++) k += rows(1000).length; return k; }
function tenMB(): number { return rows(1000).length; }
`;

/** A 25-line typed defining cell: an interface, a union type, functions and a class, and two values made with them. */
export const DEFINING_CELL = `interface Point { x: number; y: number }
type Shape = { kind: "circle"; center: Point; r: number } | { kind: "rect"; min: Point; max: Point };
function area(s: Shape): number {
  switch (s.kind) {
    case "circle": return Math.PI * s.r * s.r;
    case "rect": return (s.max.x - s.min.x) * (s.max.y - s.min.y);
  }
}
function centroid(points: readonly Point[]): Point {
  const sum = points.reduce((s, p) => ({ x: s.x + p.x, y: s.y + p.y }), { x: 0, y: 0 });
  return { x: sum.x / points.length, y: sum.y / points.length };
}
class Polygon {
  constructor(readonly points: Point[]) {}
  perimeter(): number {
    let total = 0;
    for (let i = 0; i < this.points.length; i++) {
      const a = this.points[i], b = this.points[(i + 1) % this.points.length];
      total += Math.hypot(b.x - a.x, b.y - a.y);
    }
    return total;
  }
}
const unitSquare = new Polygon([{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }, { x: 0, y: 1 }]);
const shapes: Shape[] = [{ kind: "circle", center: centroid(unitSquare.points), r: 1 }, { kind: "rect", min: { x: 0, y: 0 }, max: { x: 2, y: 3 } }];`;

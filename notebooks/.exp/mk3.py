import sys; sys.path.insert(0,'/tmp/fw')
from nbtools import md, code, write
cells = [code(s) for s in [
r'''
function inner(i: number): number { let s = 0; for (let k = 0; k < 2000; k++) s += Math.sqrt(i + k); return s; }
function outer(n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += inner(i);
  }
  return total;
}
''',
'%lprun -f outer outer(20000)',
'%prun -s cumulative -l 5 outer(20000)',
r'''
function churn(n: number): number {
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const tmp = { a: i, b: [i, i + 1, i + 2], c: `item ${i}` };
    kept += tmp.b.length;
  }
  return kept;
}
''',
'%lprun -f churn churn(3_000_000)',
'%prun -s tottime -l 6 churn(3_000_000)',
'%time churn(3_000_000)',
r'''
import zlib from "node:zlib";
const text = Array.from({ length: 200_000 }, (_, i) => `line ${i}: ${Math.sin(i)}`).join("\n");
function compress(s: string): number {
  const bytes = Buffer.from(s);
  const packed = zlib.deflateSync(bytes, { level: 9 });
  return packed.length;
}
''',
'%lprun -f compress compress(text)',
'%prun -s tottime -l 6 compress(text)',
r'''
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function fetchAll(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    await sleep(10);
    sum += i;
  }
  return sum;
}
''',
'%lprun -f fetchAll await fetchAll(5)',
'%prun -s cumulative -l 6 await fetchAll(5)',
'%time await fetchAll(5)',
'%timeit -n 1 -r 3 await fetchAll(5)',
'const r = %prun -r -q outer(20000)\nconsole.log(r.table.rows.slice(0,4).map((x: any) => [x.fn.name, x.ncalls, x.tottime, x.cumtime]))',
]]
write('/work/main/notebooks/.exp/t3.ipynb', cells)

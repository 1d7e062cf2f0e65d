/**
 * Runs code under V8's sampling heap profiler, through the in-process inspector, and reads the JS heap's
 * own balance around it. The sampler is stopped whatever happens.
 * See docs/how-it-works.md, "Samplers".
 */
import inspector from "node:inspector";
import v8 from "node:v8";
import type { HeapBalance } from "../../model/profile";
import type { V8Frame } from "../../core/context";
import { collectGarbage, readMemory } from "./memory-readings";
import { timed, type Timed } from "./timed";

/** A node of the inspector's SamplingHeapProfile (0-based line and column, as the protocol sends them). */
export interface V8HeapNode {
  callFrame: V8Frame & { scriptId?: string };
  /** Bytes allocated with this node on top of the stack, scaled by V8 from its samples. */
  selfSize: number;
  id: number;
  children: V8HeapNode[];
}

/** The inspector's SamplingHeapProfile: the allocating call tree and each sampled allocation. */
export interface V8HeapProfile {
  head: V8HeapNode;
  samples: { size: number; nodeId: number; ordinal: number }[];
}

export interface HeapSampled<T> extends Timed<T> {
  profile: V8HeapProfile;
  heap: HeapBalance;
}

export interface HeapSamplerOptions {
  /** Mean bytes between samples. */
  interval: number;
  /** Full garbage collections before and after, so that the heap's growth is what stays reachable. */
  collectGarbage: boolean;
}

function post<R>(session: inspector.Session, method: string, params: object = {}): Promise<R> {
  return new Promise((resolve, reject) =>
    (session.post as any)(method, params, (error: Error | null, result: R) =>
      error ? reject(error) : resolve(result),
    ),
  );
}

/**
 * The sampler keeps the samples of objects that garbage collections free (both include flags):
 * its bytes are then everything the statement allocated, which is what a table of who allocates
 * must show. Whether a sampled object is still alive is not in V8's profile, so what stays is
 * read from the heap itself: its used bytes at the end against the start. The inspector runs a
 * full collection when it hands over the profile, so at the end the heap holds little garbage
 * even without -g; the collections are recorded, so what they free counts as collected.
 */
export async function sampleHeap<T>(execute: () => Promise<T>, options: HeapSamplerOptions): Promise<HeapSampled<T>> {
  if (options.collectGarbage) await collectGarbage();
  const session = new inspector.Session();
  session.connect();
  const collections = new v8.GCProfiler();
  let collecting = false;
  try {
    const before = readMemory(0);
    collections.start();
    collecting = true;
    await post(session, "HeapProfiler.startSampling", {
      samplingInterval: options.interval,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const outcome = await timed(execute);
    const { profile } = await post<{ profile: V8HeapProfile }>(session, "HeapProfiler.stopSampling");
    if (options.collectGarbage) await collectGarbage();
    collecting = false;
    const freed = collectionsFreed(collections.stop());
    const after = readMemory(outcome.wallTime);
    const live = after.heapUsed - before.heapUsed;
    const heap: HeapBalance = {
      allocated: live + freed.bytes,
      live,
      collected: freed.bytes,
      collections: freed.count,
      external: after.external - before.external,
      arrayBuffers: after.arrayBuffers - before.arrayBuffers,
    };
    return { profile, heap, ...outcome };
  } finally {
    if (collecting) collections.stop();
    session.disconnect();
  }
}

function collectionsFreed(result: ReturnType<v8.GCProfiler["stop"]>): { bytes: number; count: number } {
  const statistics = result?.statistics ?? [];
  const bytes = statistics.reduce(
    (sum, gc) => sum + Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize),
    0,
  );
  return { bytes, count: statistics.length };
}

/** Typed arrays on shared memory: what a sampler thread reads while the main thread writes. */

export function sharedArray<A>(
  Type: { new (buffer: SharedArrayBuffer): A; BYTES_PER_ELEMENT: number },
  length: number,
): A {
  return new Type(new SharedArrayBuffer(Type.BYTES_PER_ELEMENT * length));
}

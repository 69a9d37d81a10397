/**
 * Vectors are stored at unit length, so cosine similarity is a plain dot product; as float32
 * little-endian bytes in `bytea` (4 bytes a dimension, no per-row overhead beyond the column).
 */

/** The vector scaled to length 1; null for a zero or non-finite vector (it has no direction). */
export function normalize(vector: readonly number[]): Float32Array | null {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm) || norm === 0) return null;
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i] / norm;
  return out;
}

export function encodeVector(vector: Float32Array): Buffer {
  const buffer = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buffer.writeFloatLE(vector[i], i * 4);
  return buffer;
}

export function decodeVector(bytes: Buffer): Float32Array {
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** Dot product of a unit query with a stored unit vector, read straight from its bytes. */
export function dotWithBytes(query: Float32Array, bytes: Buffer): number {
  let sum = 0;
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    // Aligned: read the bytes in place as floats, several times faster than readFloatLE.
    const view = new Float32Array(bytes.buffer, bytes.byteOffset, query.length);
    for (let i = 0; i < query.length; i++) sum += query[i] * view[i];
    return sum;
  }
  for (let i = 0; i < query.length; i++) sum += query[i] * bytes.readFloatLE(i * 4);
  return sum;
}

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

/** pgvector's text form, `[0.1,0.2,...]`, for a bind parameter cast to `vector`. */
export function toPgvector(vector: Float32Array): string {
  return `[${Array.from(vector).join(',')}]`;
}

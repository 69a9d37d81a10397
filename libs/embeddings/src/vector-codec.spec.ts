import { decodeVector, dotWithBytes, encodeVector, normalize } from './vector-codec';

describe('vector codec', () => {
  it('stores unit vectors as float32 bytes whose dot product is the cosine', () => {
    const a = normalize([3, 4])!;
    expect(Array.from(a)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    const bytes = encodeVector(a);
    expect(bytes).toHaveLength(8);
    expect(Array.from(decodeVector(bytes))).toEqual(Array.from(a));
    expect(dotWithBytes(a, bytes)).toBeCloseTo(1, 6);
    // An unaligned slice reads the same as an aligned one.
    const unaligned = Buffer.concat([Buffer.from([0]), bytes]).subarray(1);
    expect(dotWithBytes(normalize([4, -3])!, unaligned)).toBeCloseTo(0, 6);
  });

  it('gives no direction to a zero or non-finite vector', () => {
    expect(normalize([0, 0])).toBeNull();
    expect(normalize([Number.NaN, 1])).toBeNull();
  });
});

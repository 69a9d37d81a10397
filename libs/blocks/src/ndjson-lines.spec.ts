import { type NdjsonLine, ndjsonLines } from './ndjson-lines';

async function collect(
  chunks: Array<string | Buffer>,
  maxLineBytes = 1000,
  maxTotalBytes = 1_000_000,
): Promise<{ lines: NdjsonLine[]; truncatedAt?: number }> {
  let truncatedAt: number | undefined;
  const lines: NdjsonLine[] = [];
  for await (const line of ndjsonLines(
    (async function* () {
      yield* chunks;
    })(),
    { maxLineBytes, maxTotalBytes, onTruncated: (n) => (truncatedAt = n) },
  )) {
    lines.push(line);
  }
  return { lines, truncatedAt };
}

describe('ndjsonLines', () => {
  it('splits lines across chunk boundaries and numbers them from 1', async () => {
    const { lines } = await collect(['{"a":1}\n{"b"', ':2}\n', '{"c":3}']);
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":2}' },
      { line: 3, text: '{"c":3}' },
    ]);
  });

  it('skips blank lines but keeps counting, and drops a trailing CR', async () => {
    const { lines } = await collect(['{"a":1}\r\n\n   \n{"b":2}\r\n']);
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 4, text: '{"b":2}' },
    ]);
  });

  it('reports an over-long line without buffering it and goes on', async () => {
    const { lines } = await collect(['x'.repeat(30), 'y'.repeat(30), '\n{"ok":1}\n'], 40);
    expect(lines).toEqual([
      { line: 1, error: 'line is longer than 40 bytes' },
      { line: 2, text: '{"ok":1}' },
    ]);
  });

  it('reports invalid UTF-8 instead of decoding it', async () => {
    const { lines } = await collect([Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), '{"b":2}\n']);
    expect(lines).toEqual([
      { line: 1, error: 'line is not valid UTF-8' },
      { line: 2, text: '{"b":2}' },
    ]);
  });

  it('keeps multi-byte characters split across chunks intact', async () => {
    const bytes = Buffer.from('{"t":"héllo ✓"}\n', 'utf8');
    const { lines } = await collect([bytes.subarray(0, 8), bytes.subarray(8)]);
    expect(lines).toEqual([{ line: 1, text: '{"t":"héllo ✓"}' }]);
  });

  it('stops at the total limit and says from which line the rest was not read', async () => {
    const { lines, truncatedAt } = await collect(['{"a":1}\n{"b":2}\n{"c":3}\n'], 1000, 12);
    expect(lines).toEqual([{ line: 1, text: '{"a":1}' }]);
    expect(truncatedAt).toBe(2);
  });
});

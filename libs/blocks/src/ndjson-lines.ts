/** One line of an NDJSON body: its 1-based number and its text, or why it was refused. */
export type NdjsonLine =
  | { line: number; text: string; error?: undefined }
  | { line: number; text?: undefined; error: string };

export interface NdjsonLimits {
  /** A longer line is reported as failed and skipped without being buffered. */
  maxLineBytes: number;
  /** Reading stops once the body grows past this; `onTruncated` is called. */
  maxTotalBytes: number;
  onTruncated?: (line: number) => void;
}

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines as it arrives, holding at most one line in memory (bounded by
 * maxLineBytes). Blank lines are skipped but counted; a trailing `\r` is dropped; a line that
 * is not valid UTF-8 is reported, never decoded into replacement characters.
 */
export async function* ndjsonLines(
  source: AsyncIterable<Buffer | string>,
  limits: NdjsonLimits,
): AsyncGenerator<NdjsonLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let length = 0;
  let overflow = false;
  let total = 0;
  let lineNo = 0;

  const finish = (): NdjsonLine | undefined => {
    lineNo++;
    const buffer = Buffer.concat(parts, length);
    parts = [];
    length = 0;
    if (overflow) {
      overflow = false;
      return { line: lineNo, error: `line is longer than ${limits.maxLineBytes} bytes` };
    }
    const end =
      buffer.length > 0 && buffer[buffer.length - 1] === 0x0d ? buffer.length - 1 : buffer.length;
    let text: string;
    try {
      text = decoder.decode(buffer.subarray(0, end));
    } catch {
      return { line: lineNo, error: 'line is not valid UTF-8' };
    }
    return text.trim() === '' ? undefined : { line: lineNo, text };
  };

  for await (const raw of source) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    if (total + chunk.length > limits.maxTotalBytes) {
      chunk = chunk.subarray(0, limits.maxTotalBytes - total);
      total = limits.maxTotalBytes;
      yield* splitChunk(chunk);
      limits.onTruncated?.(lineNo + 1);
      return;
    }
    total += chunk.length;
    yield* splitChunk(chunk);
  }
  if (length > 0 || overflow) {
    const last = finish();
    if (last) yield last;
  }

  function* splitChunk(chunk: Buffer): Generator<NdjsonLine> {
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      append(chunk.subarray(start, end));
      if (nl === -1) return;
      const line = finish();
      if (line) yield line;
      start = nl + 1;
    }
  }

  function append(piece: Buffer): void {
    if (piece.length === 0 || overflow) return;
    if (length + piece.length > limits.maxLineBytes) {
      overflow = true;
      parts = [];
      length = 0;
      return;
    }
    parts.push(piece);
    length += piece.length;
  }
}

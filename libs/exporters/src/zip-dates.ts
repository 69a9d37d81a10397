const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
/** 1980-01-01 00:00:00, the first instant a zip file can say. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

/**
 * Sets every entry's modification time to 1980-01-01. The zip writer inside docx stamps each
 * entry with the current local time, which makes two exports of one source differ in bytes; the
 * dates live outside the compressed data and its CRC, so rewriting them changes nothing else.
 * Walks the central directory (not a byte scan), so file contents can never be mistaken for a
 * header.
 */
export function fixZipDates(zip: Buffer): Buffer {
  const out = Buffer.from(zip);
  const end = findEndOfCentral(out);
  const entries = out.readUInt16LE(end + 10);
  let at = out.readUInt32LE(end + 16);
  for (let i = 0; i < entries; i++) {
    if (out.readUInt32LE(at) !== CENTRAL_HEADER) throw new Error('Malformed zip central directory');
    out.writeUInt16LE(DOS_TIME, at + 12);
    out.writeUInt16LE(DOS_DATE, at + 14);
    const local = out.readUInt32LE(at + 42);
    if (out.readUInt32LE(local) !== LOCAL_HEADER) throw new Error('Malformed zip local header');
    out.writeUInt16LE(DOS_TIME, local + 10);
    out.writeUInt16LE(DOS_DATE, local + 12);
    at += 46 + out.readUInt16LE(at + 28) + out.readUInt16LE(at + 30) + out.readUInt16LE(at + 32);
  }
  return out;
}

function findEndOfCentral(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65 535 bytes, at the very end.
  const floor = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= floor; at--) {
    if (zip.readUInt32LE(at) === END_OF_CENTRAL) return at;
  }
  throw new Error('Not a zip file');
}

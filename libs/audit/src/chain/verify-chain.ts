import { GENESIS_HASH, type ChainedEntry, entryHash, personalDigest } from './audit-chain';

export interface ChainVerification {
  valid: boolean;
  checked: number;
  firstInvalidId: string | null;
}

/** Reads a page of a tenant's chain in order, after a given seq. */
export type ChainReader = (afterSeq: string, limit: number) => Promise<ChainedEntry[]>;

/**
 * Walks a tenant's chain from its anchor (or genesis) and recomputes every hash. An entry is
 * invalid when its seq breaks the sequence, its prev_hash is not the previous entry's hash, or
 * its hash does not match its content: an edited, removed or inserted entry is named.
 */
export async function verifyChain(
  anchor: { seq: string; hash: string } | null,
  read: ChainReader,
  pageSize = 2000,
): Promise<ChainVerification> {
  let expectedSeq = BigInt(anchor?.seq ?? '0') + 1n;
  let prevHash = anchor?.hash ?? GENESIS_HASH;
  let checked = 0;
  let after = anchor?.seq ?? '0';
  for (;;) {
    const page = await read(after, pageSize);
    for (const entry of page) {
      checked += 1;
      const recomputed = entryHash(prevHash, entry);
      // Pseudonymised entries keep only the digest; every other entry must still match it.
      const personalOk = entry.pseudonymised
        ? entry.username === null && entry.ip === null && entry.userAgent === null
        : personalDigest(entry) === entry.personalDigest;
      if (
        !personalOk ||
        BigInt(entry.seq) !== expectedSeq ||
        entry.prevHash !== prevHash ||
        entry.hash !== recomputed
      ) {
        return { valid: false, checked, firstInvalidId: entry.id };
      }
      prevHash = entry.hash;
      expectedSeq += 1n;
      after = entry.seq;
    }
    if (page.length < pageSize) return { valid: true, checked, firstInvalidId: null };
  }
}

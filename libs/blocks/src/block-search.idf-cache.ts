/** Document frequencies of a tenant's lexemes, measured on a bounded sample of its blocks. */
export interface LexemeFrequencies {
  /** Blocks in the sample. */
  documents: number;
  /** Lexeme → blocks of the sample holding it; lexemes found once are left out (df ≤ 1). */
  frequencies: Map<string, number>;
  measuredAt: number;
}

/**
 * Per-tenant document frequencies for "more like this", each kept `ttlMs` and at most `tenants`
 * at once (least recently used out), so memory stays bounded: tenants × lexemes per sample.
 * Slightly stale frequencies only shift which rare words a block is compared on.
 */
export class IdfCache {
  private readonly entries = new Map<string, LexemeFrequencies>();

  constructor(
    private readonly ttlMs: number,
    private readonly tenants: number,
  ) {}

  get(tenantId: string, now = Date.now()): LexemeFrequencies | undefined {
    const entry = this.entries.get(tenantId);
    if (!entry) return undefined;
    this.entries.delete(tenantId);
    if (now - entry.measuredAt > this.ttlMs) return undefined;
    this.entries.set(tenantId, entry);
    return entry;
  }

  set(tenantId: string, entry: LexemeFrequencies): void {
    this.entries.delete(tenantId);
    this.entries.set(tenantId, entry);
    while (this.entries.size > this.tenants) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

/** Smoothed inverse document frequency: rarer is higher, never negative. */
export function idf(frequencies: LexemeFrequencies, lexeme: string): number {
  const df = frequencies.frequencies.get(lexeme) ?? 1;
  return Math.log(1 + frequencies.documents / df);
}

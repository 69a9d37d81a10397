import { canonicalJson } from '@app/common';
import {
  GENESIS_HASH,
  type ChainedEntry,
  canonicalEntry,
  entryHash,
  personalDigest,
} from './audit-chain';
import { verifyChain } from './verify-chain';

function chain(n: number, start = { seq: 0n, hash: GENESIS_HASH }): ChainedEntry[] {
  const out: ChainedEntry[] = [];
  let prev = start.hash;
  for (let i = 1; i <= n; i++) {
    const base = {
      id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
      tenantId: '11111111-1111-4111-8111-111111111111',
      seq: String(start.seq + BigInt(i)),
      timestamp: new Date(1_700_000_000_000 + i),
      userId: null,
      username: 'alice',
      apiKeyId: null,
      action: 'block.update',
      resourceType: 'block',
      resourceId: String(i),
      method: 'PATCH',
      path: '/api/blocks/:id',
      statusCode: 200,
      durationMs: 1.234,
      ip: '127.0.0.1',
      userAgent: 'jest',
      requestId: `r${i}`,
      severity: 'info' as const,
      changes: { before: { b: 1, a: [1, { z: 1, y: 2 }] }, after: { a: 2 } },
      error: null,
    };
    const hashed = { ...base, personalDigest: personalDigest(base) };
    const hash = entryHash(prev, hashed);
    out.push({ ...hashed, pseudonymised: false, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

const reader = (entries: ChainedEntry[]) => async (after: string, limit: number) =>
  entries.filter((e) => BigInt(e.seq) > BigInt(after)).slice(0, limit);

describe('audit hash chain', () => {
  it('sorts keys at every level so jsonb key order does not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}',
    );
  });

  it('hashes an entry to the same bytes as ever (existing chains must keep verifying)', () => {
    const base = {
      id: '00000000-0000-7000-8000-000000000001',
      tenantId: '11111111-1111-4111-8111-111111111111',
      seq: '42',
      timestamp: new Date(1_700_000_000_123),
      userId: null,
      username: 'Zoë ü',
      apiKeyId: '22222222-2222-4222-8222-222222222222',
      action: 'block.update',
      resourceType: 'block',
      resourceId: 'r"1\\',
      method: 'PATCH',
      path: '/api/blocks/:id',
      statusCode: 200,
      durationMs: 1.5,
      ip: '::1',
      userAgent: null,
      requestId: 'req-1',
      severity: 'warning' as const,
      changes: { before: { b: [1, { y: null, x: 'é' }], a: 1e21 }, after: null },
      error: 'E\u2028',
    };
    // Computed by the first implementation (a generic sorted-keys canonicalJson of the object).
    const digest = personalDigest(base);
    expect(digest).toBe('f7f2673f3b55a21779ea3639dd35d54ac3dd8a817b2507094a98482c4e439443');
    expect(entryHash(GENESIS_HASH, { ...base, personalDigest: digest })).toBe(
      'e715542ca93565816b03238a8ca7198d61f96ee2b66db3ba8f36aba82a060853',
    );
    const {
      timestamp,
      personalDigest: personal,
      username,
      ip,
      userAgent,
      ...rest
    } = {
      ...base,
      personalDigest: digest,
    };
    void username;
    void ip;
    void userAgent;
    expect(canonicalEntry({ ...base, personalDigest: digest })).toBe(
      canonicalJson({ ...rest, personal, timestamp: timestamp.toISOString() }),
    );
  });

  it('hashes a read entry (no changes) through its fast path to the same bytes', () => {
    const read = {
      id: '00000000-0000-7000-8000-000000000002',
      tenantId: '11111111-1111-4111-8111-111111111111',
      seq: '7',
      timestamp: new Date(1_700_000_000_456),
      userId: '33333333-3333-4333-8333-333333333333',
      username: null,
      apiKeyId: null,
      action: 'block.read',
      resourceType: 'block',
      resourceId: '\ud800x"\u0000',
      method: 'GET',
      path: '/api/blocks/:id',
      statusCode: 200,
      durationMs: NaN,
      ip: '127.0.0.1',
      userAgent: 'UA ü',
      requestId: undefined as unknown as null,
      severity: 'info' as const,
      changes: null,
      error: null,
    };
    // Computed by the generic implementation before the fast path existed.
    const digest = personalDigest(read);
    expect(digest).toBe('54e4665b94212bf7a3a6cebe10bf64bf4f1f6c499b5e9f684780cf4861411707');
    expect(personalDigest({ ...read })).toBe(digest); // and again, from the digest cache
    expect(entryHash('f'.repeat(64), { ...read, personalDigest: digest })).toBe(
      '8689a561f5a162efacca810befd069fdbb07489a34cd8989347b9619ad658409',
    );
  });

  it('verifies an intact chain across pages', async () => {
    const entries = chain(25);
    await expect(verifyChain(null, reader(entries), 10)).resolves.toEqual({
      valid: true,
      checked: 25,
      firstInvalidId: null,
    });
  });

  it('names the first edited entry', async () => {
    const entries = chain(10);
    entries[6] = { ...entries[6], username: 'mallory' };
    const result = await verifyChain(null, reader(entries), 4);
    expect(result).toEqual({ valid: false, checked: 7, firstInvalidId: entries[6].id });
  });

  it('accepts erased personal data but no other change to a pseudonymised entry', async () => {
    const entries = chain(5);
    const erased = entries.map((e, i) =>
      i === 2 ? { ...e, username: null, ip: null, userAgent: null, pseudonymised: true } : e,
    );
    await expect(verifyChain(null, reader(erased))).resolves.toMatchObject({ valid: true });
    const forged = erased.map((e, i) => (i === 2 ? { ...e, action: 'block.read' } : e));
    await expect(verifyChain(null, reader(forged))).resolves.toMatchObject({
      valid: false,
      firstInvalidId: entries[2].id,
    });
    const halfErased = entries.map((e, i) =>
      i === 2 ? { ...e, username: 'mallory', pseudonymised: true } : e,
    );
    await expect(verifyChain(null, reader(halfErased))).resolves.toMatchObject({ valid: false });
    const renamed = entries.map((e, i) => (i === 2 ? { ...e, username: 'mallory' } : e));
    await expect(verifyChain(null, reader(renamed))).resolves.toMatchObject({ valid: false });
  });

  it('names the entry after a removed one', async () => {
    const entries = chain(10);
    const removed = entries.filter((_, i) => i !== 3);
    const result = await verifyChain(null, reader(removed));
    expect(result.firstInvalidId).toBe(entries[4].id);
  });

  it('starts from an anchor after retention removed the head of the chain', async () => {
    const entries = chain(10);
    const rest = entries.slice(4);
    const anchor = { seq: entries[3].seq, hash: entries[3].hash };
    await expect(verifyChain(anchor, reader(rest))).resolves.toMatchObject({
      valid: true,
      checked: 6,
    });
    await expect(verifyChain(null, reader(rest))).resolves.toMatchObject({ valid: false });
  });
});

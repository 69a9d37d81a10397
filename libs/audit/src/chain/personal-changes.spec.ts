import { GENESIS_HASH, entryHash, personalDigest } from './audit-chain';
import { digestPersonalChanges, erasedValue } from './personal-changes';

const ID = '00000000-0000-7000-8000-0000000000aa';

function entry(changes: unknown, changesDigested?: boolean) {
  const base = {
    id: ID,
    tenantId: '11111111-1111-4111-8111-111111111111',
    seq: '3',
    timestamp: new Date(1_700_000_000_000),
    userId: null,
    username: 'admin',
    apiKeyId: null,
    action: 'user.update',
    resourceType: 'user',
    resourceId: '22222222-2222-4222-8222-222222222222',
    method: 'PATCH',
    path: '/api/users/:id',
    statusCode: 200,
    durationMs: 1,
    ip: '127.0.0.1',
    userAgent: 'jest',
    requestId: 'r1',
    severity: 'info' as const,
    changes: changes as { before: unknown; after: unknown },
    error: null,
    changesDigested,
  };
  return { ...base, personalDigest: personalDigest(base) };
}

describe('personal values in audit changes', () => {
  const raw = {
    before: { email: 'zoë@example.com', username: 'zoe', displayName: 'Zoë', role: 'viewer' },
    after: { email: 'zoë@example.com', username: 'zoe', displayName: null, role: 'editor' },
  };

  it('replaces email, username and display name by a per-entry digest, nothing else', () => {
    const digested = digestPersonalChanges(ID, raw) as typeof raw;
    expect(digested.before.role).toBe('viewer');
    expect(digested.after.displayName).toBeNull();
    expect(digested.before.email).toMatch(/^erased:sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(digested)).not.toMatch(/zo[eë]/);
    // Per entry: the same email in another entry gives another digest (no cross-entry linking).
    expect(
      erasedValue('00000000-0000-7000-8000-0000000000ab', 'email', 'zoë@example.com'),
    ).not.toBe(digested.before.email);
    expect(raw.before.email).toBe('zoë@example.com'); // the input is not mutated
  });

  it('is idempotent: an erased value stands for itself', () => {
    const once = digestPersonalChanges(ID, raw);
    expect(digestPersonalChanges(ID, once)).toEqual(once);
  });

  it('keeps the hash when the values are erased, and breaks it on any other edit', () => {
    const before = entryHash(GENESIS_HASH, entry(raw, true));
    const erased = digestPersonalChanges(ID, raw);
    expect(entryHash(GENESIS_HASH, entry(erased, true))).toBe(before);
    expect(entryHash(GENESIS_HASH, entry(erased))).toBe(before); // a new entry: digested too
    const edited = { ...raw, after: { ...raw.after, role: 'admin' } };
    expect(entryHash(GENESIS_HASH, entry(edited, true))).not.toBe(before);
    const otherEmail = { ...raw, before: { ...raw.before, email: 'x@example.com' } };
    expect(entryHash(GENESIS_HASH, entry(otherEmail, true))).not.toBe(before);
  });

  it('hashes entries written before the digests over their raw values, as they were sealed', () => {
    const old = entryHash(GENESIS_HASH, entry(raw, false));
    expect(old).not.toBe(entryHash(GENESIS_HASH, entry(raw, true)));
    expect(entryHash(GENESIS_HASH, entry(digestPersonalChanges(ID, raw), false))).not.toBe(old);
  });

  it('leaves changes without personal fields, and non-object sides, as they are', () => {
    const plain = { before: null, after: { title: 'x', tags: ['email'] } };
    expect(digestPersonalChanges(ID, plain)).toBe(plain);
    expect(digestPersonalChanges(ID, null)).toBeNull();
    expect(digestPersonalChanges(ID, { before: ['email'], after: 'username' })).toEqual({
      before: ['email'],
      after: 'username',
    });
  });
});

import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { pgConstraint, sqlState } from '@app/common';
import { dataSourceOptions } from '@app/database';
import { ApiKeysRepository, type NewApiKey } from '../../libs/api-keys/src/api-keys.repository';
import { SessionsRepository } from '../../libs/auth/src/sessions.repository';
import { TenantsRepository } from '../../libs/users/src/tenants.repository';
import { type NewUser, UsersRepository } from '../../libs/users/src/users.repository';
import { asTenant } from '../support/as-tenant';
import { createTestDatabase } from '../support/test-database';

/**
 * The identity repositories against a real PostgreSQL: their SQL, tenant scoping, the unique
 * violations the services turn into 409s, and the row locks that make concurrent changes count.
 * The login lockout counter is not here: it lives in the rate-limit store, not in the database.
 */
describe('identity repositories', () => {
  let drop: () => Promise<void>;
  let dataSource: DataSource;
  let users: UsersRepository;
  let tenants: TenantsRepository;
  let sessions: SessionsRepository;
  let keys: ApiKeysRepository;
  const tenantA = uuidv7();
  const tenantB = uuidv7();

  const as = <T>(tenantId: string, fn: () => Promise<T>) => asTenant(tenantId, fn, 'admin');
  let serial = 0;
  const newUser = (tenantId: string, extra: Partial<NewUser> = {}): NewUser => {
    serial += 1;
    return {
      id: uuidv7(),
      tenantId,
      email: `user${serial}@example.test`,
      username: `user${serial}`,
      displayName: null,
      passwordHash: 'hash',
      role: 'user',
      ...extra,
    };
  };
  const addUser = (tenantId: string, extra?: Partial<NewUser>) =>
    users.transaction((tx) => users.insert(tx, newUser(tenantId, extra)));
  const caught = async (work: Promise<unknown>): Promise<unknown> => {
    try {
      await work;
    } catch (error) {
      return error;
    }
    throw new Error('expected a failure');
  };

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    dataSource = new DataSource(dataSourceOptions(db.url));
    await dataSource.initialize();
    users = new UsersRepository(dataSource);
    tenants = new TenantsRepository();
    sessions = new SessionsRepository(dataSource);
    keys = new ApiKeysRepository(dataSource);
    await dataSource.transaction(async (tx) => {
      await tenants.insert(tx, { id: tenantA, name: 'a' });
      await tenants.insert(tx, { id: tenantB, name: 'b' });
    });
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await drop?.();
  });

  describe('users and tenants', () => {
    it('creates a tenant and refuses its id twice', async () => {
      const id = uuidv7();
      expect(await dataSource.transaction((tx) => tenants.insert(tx, { id, name: 'c' }))).toEqual({
        id,
        name: 'c',
      });
      const error = await caught(
        dataSource.transaction((tx) => tenants.insert(tx, { id, name: 'd' })),
      );
      expect(sqlState(error)).toBe('23505');
    });

    it('finds a user by id anywhere, but in a tenant only in its own', async () => {
      const user = await addUser(tenantA, { displayName: 'Ann' });
      expect(user).toMatchObject({ tenantId: tenantA, displayName: 'Ann', isActive: true });
      expect(await users.findById(user.id)).toEqual(user);
      expect(await users.findAuthState(user.id)).toEqual({
        id: user.id,
        tenantId: tenantA,
        username: user.username,
        role: 'user',
        isActive: true,
      });
      expect(await as(tenantA, () => users.findInTenant(user.id))).toEqual(user);
      expect(await as(tenantB, () => users.findInTenant(user.id))).toBeNull();
      await expect(users.findInTenant(user.id)).rejects.toThrow();
      const locked = await users.transaction((tx) =>
        as(tenantA, () => users.findInTenant(user.id, { lock: true, tx })),
      );
      expect(locked).toEqual(user);
      expect(await users.transaction((tx) => users.hasAny(tx))).toBe(true);
      await users.transaction((tx) => users.lockBootstrap(tx));
    });

    it('finds a login by lower-cased email or username and reads credentials', async () => {
      const user = await addUser(tenantA, { email: 'Mixed@Example.test', username: 'MixedCase' });
      expect(await users.findIdByLogin('mixed@example.test')).toBe(user.id);
      expect(await users.findIdByLogin('mixedcase')).toBe(user.id);
      expect(await users.findIdByLogin('nobody')).toBeNull();
      expect(await users.findCredentials(user.id)).toMatchObject({
        id: user.id,
        passwordHash: 'hash',
      });
      expect(await users.findById(user.id)).not.toHaveProperty('passwordHash');
    });

    it('reports taken names case-insensitively, except for the account itself', async () => {
      const user = await addUser(tenantA, { email: 'taken@example.test', username: 'taken' });
      const taken = (email: string, username: string | null, except: string | null = null) =>
        users.transaction((tx) => users.findTaken(tx, email, username, except));
      expect(await taken('TAKEN@example.test', 'free')).toEqual({
        emailTaken: true,
        usernameTaken: false,
      });
      expect(await taken('free@example.test', 'Taken')).toEqual({
        emailTaken: false,
        usernameTaken: true,
      });
      expect(await taken('taken@example.test', null, user.id)).toEqual({
        emailTaken: false,
        usernameTaken: false,
      });
    });

    it('surfaces a concurrent duplicate as a unique violation naming its index', async () => {
      await addUser(tenantA, { email: 'dup@example.test', username: 'dup' });
      const email = await caught(addUser(tenantB, { email: 'DUP@example.test' }));
      expect(sqlState(email)).toBe('23505');
      expect(pgConstraint(email)).toBe('users_email_lower_uq');
      const username = await caught(addUser(tenantB, { username: 'Dup' }));
      expect(pgConstraint(username)).toBe('users_username_lower_uq');
    });

    it('moves updated_at only when a field changed, and sets a password', async () => {
      const user = await addUser(tenantA);
      const same = await users.transaction((tx) => users.update(tx, user.id, user));
      expect(same.updatedAt).toEqual(user.updatedAt);
      const changed = await users.transaction((tx) =>
        users.update(tx, user.id, { ...user, role: 'guest', displayName: 'G' }),
      );
      expect(changed).toMatchObject({ role: 'guest', displayName: 'G' });
      expect(changed.updatedAt.getTime()).toBeGreaterThan(user.updatedAt.getTime());
      await users.transaction((tx) => users.setPassword(tx, user.id, 'new-hash'));
      expect((await users.findCredentials(user.id))?.passwordHash).toBe('new-hash');
    });

    it('erases a user to a pseudonym that frees its email and username', async () => {
      const user = await addUser(tenantA, { email: 'gone@example.test', username: 'gone' });
      await users.transaction((tx) => users.erase(tx, user.id));
      expect(await users.findById(user.id)).toBeNull();
      expect(await users.findAuthState(user.id)).toBeNull();
      expect(await users.findIdByLogin('gone')).toBeNull();
      const [row] = await dataSource.query<Array<{ email: string; password_hash: string }>>(
        `SELECT email, password_hash FROM users WHERE id = $1`,
        [user.id],
      );
      expect(row).toEqual({ email: `deleted-${user.id}@invalid`, password_hash: '!' });
      expect(await addUser(tenantA, { email: 'gone@example.test', username: 'gone' })).toBeTruthy();
    });

    it('counts the other users and active admins of one tenant', async () => {
      const tenant = uuidv7();
      await dataSource.transaction((tx) => tenants.insert(tx, { id: tenant, name: 'count' }));
      const admin = await addUser(tenant, { role: 'admin' });
      await addUser(tenant);
      await addUser(tenantB, { role: 'admin' });
      const count = (userId: string) =>
        users.transaction((tx) => users.countOthers(tx, tenant, userId));
      expect(await count(admin.id)).toEqual({ admins: 0, others: 1 });
      expect(await count(uuidv7())).toEqual({ admins: 1, others: 2 });
    });

    it('lists a page of the tenant by id, filtered by role and a literal text', async () => {
      const tenant = uuidv7();
      await dataSource.transaction((tx) => tenants.insert(tx, { id: tenant, name: 'list' }));
      const a = await addUser(tenant, { displayName: '100% sure' });
      const b = await addUser(tenant, { role: 'guest', displayName: '100 percent' });
      const c = await addUser(tenant);
      const list = (filter: Parameters<UsersRepository['list']>[0]) =>
        as(tenant, () => users.list(filter)).then((rows) => rows.map((r) => r.id));
      expect(await list({ limit: 10 })).toEqual([a.id, b.id, c.id]);
      expect(await list({ limit: 2 })).toEqual([a.id, b.id]);
      expect(await list({ limit: 10, afterId: a.id })).toEqual([b.id, c.id]);
      expect(await list({ limit: 10, role: 'guest' })).toEqual([b.id]);
      expect(await list({ limit: 10, q: '100%' })).toEqual([a.id]);
      expect(await as(tenantB, () => users.list({ limit: 100 }))).not.toContainEqual(
        expect.objectContaining({ tenantId: tenant }),
      );
    });
  });

  describe('sessions', () => {
    const open = async (ttlSeconds = 3600) => {
      const user = await addUser(tenantA);
      const id = uuidv7();
      const token = randomBytes(32);
      await sessions.transaction((tx) =>
        sessions.insert(
          tx,
          { id, userId: user.id, tenantId: tenantA, ttlSeconds, ip: '10.0.0.1', userAgent: 'ua' },
          token,
        ),
      );
      return { id, user, token };
    };

    it('opens a session with its first token and reads its state', async () => {
      const { id, user } = await open();
      const state = await sessions.findState(id);
      expect(state).toMatchObject({ userId: user.id, tenantId: tenantA, revokedAt: null });
      expect(state!.expiresAt.getTime()).toBeGreaterThan(Date.now());
      expect(await sessions.findLive(id)).toEqual({ userId: user.id, tenantId: tenantA });
      expect(await sessions.findState(uuidv7())).toBeNull();
    });

    it('lets exactly one of concurrent rotations of a token win', async () => {
      const { id, token } = await open();
      const winners = await Promise.all(
        Array.from({ length: 5 }, () =>
          sessions.transaction((tx) => sessions.useToken(tx, token, Buffer.from('next'))),
        ),
      );
      expect(winners.filter((w) => w === id)).toHaveLength(1);
      expect(winners.filter((w) => w === null)).toHaveLength(4);
      const used = await sessions.findUsedToken(token, 10);
      expect(used).toMatchObject({ sessionId: id, inGrace: true, tenantId: tenantA });
      expect(used!.successorCiphertext).toEqual(Buffer.from('next'));
      expect((await sessions.findUsedToken(token, 0))!.inGrace).toBe(false);
      expect(await sessions.findUsedToken(randomBytes(32), 10)).toBeNull();
    });

    it('extends a live session with a successor token and refuses an expired one', async () => {
      const { id } = await open();
      const successor = randomBytes(32);
      await sessions.transaction(async (tx) => {
        expect(await sessions.findLive(id, tx)).not.toBeNull();
        await sessions.extend(tx, id, successor, 7200);
      });
      const state = await sessions.findState(id);
      expect(state!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3600_000);
      expect(await sessions.transaction((tx) => sessions.useToken(tx, successor, null))).toBe(id);
      const expired = await open(0);
      expect(await sessions.findLive(expired.id)).toBeNull();
    });

    it('counts the sessions neither revoked nor expired, outside any request', async () => {
      const before = await sessions.countActive();
      await open();
      await open(0);
      const revoked = await open();
      await sessions.transaction((tx) => sessions.revoke(tx, revoked.id, 'logout'));
      expect(await sessions.countActive()).toBe(before + 1);
    });

    it('revokes one session, or every other of a user, once', async () => {
      const first = await open();
      await sessions.transaction((tx) => sessions.revoke(tx, first.id, 'logout'));
      expect(await sessions.findLive(first.id)).toBeNull();
      expect((await sessions.findState(first.id))!.revokedAt).toBeInstanceOf(Date);

      const keep = await open();
      const other = uuidv7();
      await sessions.transaction((tx) =>
        sessions.insert(
          tx,
          {
            id: other,
            userId: keep.user.id,
            tenantId: tenantA,
            ttlSeconds: 60,
            ip: null,
            userAgent: null,
          },
          randomBytes(32),
        ),
      );
      const revoke = () =>
        sessions.transaction((tx) =>
          sessions.revokeForUser(tx, keep.user.id, 'password-change', keep.id),
        );
      expect(await revoke()).toEqual([other]);
      expect(await revoke()).toEqual([]);
      const exported = await sessions.listForUser(keep.user.id);
      expect(exported.map((s) => [s.id, s.revokedReason])).toEqual([
        [keep.id, null],
        [other, 'password-change'],
      ]);
      expect(exported[0]).not.toHaveProperty('tokenHash');
    });
  });

  describe('api keys', () => {
    const newKey = (userId: string, tenantId = tenantA, extra: Partial<NewApiKey> = {}) => ({
      id: uuidv7(),
      tenantId,
      userId,
      name: 'ci',
      prefix: randomBytes(4).toString('hex'),
      secretHash: randomBytes(32),
      scopes: ['read' as const],
      expiresAt: null,
      rateLimitPerMinute: null,
      ...extra,
    });
    const addKey = (key: NewApiKey) => keys.transaction((tx) => keys.insert(tx, key));

    it('finds a key by prefix for verification and refuses a prefix twice', async () => {
      const owner = await addUser(tenantA);
      const key = newKey(owner.id, tenantA, { rateLimitPerMinute: 30 });
      const row = await addKey(key);
      expect(row).toMatchObject({ id: key.id, usageCount: '0', rateLimitPerMinute: 30 });
      expect(row).not.toHaveProperty('secretHash');
      expect(await keys.findByPrefix(key.prefix)).toMatchObject({
        id: key.id,
        tenantId: tenantA,
        secretHash: key.secretHash,
        previousSecretHash: null,
      });
      expect(await keys.findByPrefix('nothere')).toBeNull();
      const error = await caught(addKey({ ...key, id: uuidv7() }));
      expect(pgConstraint(error)).toBe('api_keys_prefix_uq');
    });

    it('counts live keys under the owner lock, so concurrent creates count one after another', async () => {
      const owner = await addUser(tenantA);
      await addKey(newKey(owner.id, tenantA, { expiresAt: new Date(Date.now() - 1000) }));
      const counts = await Promise.all(
        Array.from({ length: 4 }, () =>
          keys.transaction(async (tx) => {
            const n = await keys.countLiveLocked(tx, owner.id);
            await keys.insert(tx, newKey(owner.id));
            return n;
          }),
        ),
      );
      expect(counts.sort()).toEqual([0, 1, 2, 3]);
    });

    it('lists and changes keys only in the caller’s tenant', async () => {
      const a = await addUser(tenantA);
      const b = await addUser(tenantB);
      const mine = await addKey(newKey(a.id));
      const theirs = await addKey(newKey(b.id, tenantB));
      const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id);
      expect(ids(await as(tenantA, () => keys.list({ userId: a.id, limit: 10 })))).toEqual([
        mine.id,
      ]);
      expect(ids(await as(tenantA, () => keys.list({ userId: null, limit: 100 })))).not.toContain(
        theirs.id,
      );
      expect(ids(await as(tenantA, () => keys.list({ userId: b.id, limit: 10 })))).toEqual([]);
      const find = (tenant: string, id: string, owner: string | null) =>
        keys.transaction((tx) => as(tenant, () => keys.findLiveLocked(tx, id, owner)));
      expect(await find(tenantA, mine.id, null)).toMatchObject({ id: mine.id });
      expect(await find(tenantA, mine.id, a.id)).toMatchObject({ id: mine.id });
      expect(await find(tenantA, mine.id, b.id)).toBeNull();
      expect(await find(tenantA, theirs.id, null)).toBeNull();
    });

    it('rotates with or without a grace period, and revokes one or all of a user’s keys', async () => {
      const owner = await addUser(tenantA);
      const key = newKey(owner.id);
      await addKey(key);
      const next = randomBytes(32);
      await keys.transaction((tx) => keys.rotate(tx, key.id, next, 60));
      const graced = await keys.findByPrefix(key.prefix);
      expect(graced).toMatchObject({ secretHash: next, previousSecretHash: key.secretHash });
      expect(graced!.previousValidUntil!.getTime()).toBeGreaterThan(Date.now());
      const last = randomBytes(32);
      await keys.transaction((tx) => keys.rotate(tx, key.id, last, 0));
      expect(await keys.findByPrefix(key.prefix)).toMatchObject({
        secretHash: last,
        previousSecretHash: null,
        previousValidUntil: null,
      });

      await keys.transaction((tx) => keys.revoke(tx, key.id));
      const other = await addKey(newKey(owner.id));
      await keys.transaction((tx) => keys.revokeForUser(tx, owner.id));
      const all = await keys.listForUser(owner.id);
      expect(all.map((k) => k.id)).toEqual([key.id, other.id]);
      expect(all.every((k) => k.revokedAt instanceof Date)).toBe(true);
      expect(await as(tenantA, () => keys.list({ userId: owner.id, limit: 10 }))).toEqual([]);
    });

    it('counts the keys not revoked of every tenant, outside any request', async () => {
      const before = await keys.countNotRevoked();
      const revoked = await addKey(newKey((await addUser(tenantA)).id));
      await addKey(newKey((await addUser(tenantB)).id, tenantB));
      await keys.transaction((tx) => keys.revoke(tx, revoked.id));
      expect(await keys.countNotRevoked()).toBe(before + 1);
    });

    it('adds batched usage to the counter and keeps the latest use time', async () => {
      const owner = await addUser(tenantA);
      const key = newKey(owner.id);
      await addKey(key);
      const later = new Date('2030-01-02T00:00:00Z');
      const earlier = new Date('2030-01-01T00:00:00Z');
      await Promise.all([
        keys.addUsage([{ id: key.id, count: 3, lastUsedAt: later }]),
        keys.addUsage([{ id: key.id, count: 2, lastUsedAt: earlier }]),
      ]);
      const [row] = await keys.listForUser(owner.id);
      expect(row).toMatchObject({ usageCount: '5', lastUsedAt: later });
    });
  });
});

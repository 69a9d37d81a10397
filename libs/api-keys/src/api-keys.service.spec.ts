import type { AuditService } from '@app/audit';
import type { Logger } from '@app/common';
import type { PgNotifications } from '@app/database';
import type { AppConfig } from '@app/config';
import type { UsersService } from '@app/users';
import type { ApiKeyAuthRow, ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService, sha256 } from './api-keys.service';

const PREFIX = 'AbCd1234';
const SECRET = 'S'.repeat(40) + 'abc';
const KEY = `cb_${PREFIX}_${SECRET}`;
const owner = {
  id: '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f',
  tenantId: '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e11',
  username: 'ada',
  role: 'user' as const,
  isActive: true,
};

function row(overrides: Partial<ApiKeyAuthRow> = {}): ApiKeyAuthRow {
  return {
    id: '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e22',
    tenantId: owner.tenantId,
    userId: owner.id,
    secretHash: sha256(SECRET),
    previousSecretHash: null,
    previousValidUntil: null,
    scopes: ['read'],
    expiresAt: null,
    rateLimitPerMinute: 10,
    revokedAt: null,
    ...overrides,
  };
}

describe('ApiKeysService.authenticate', () => {
  const findByPrefix = jest.fn();
  const addUsage = jest.fn();
  const currentAuthState = jest.fn();
  let handler: (payload: string) => void = () => undefined;
  const notifications = {
    isLive: true,
    subscribe: (_: string, h: (payload: string) => void) => (handler = h),
    onReset: jest.fn(),
  } as unknown as PgNotifications;
  let service: ApiKeysService;

  beforeEach(() => {
    jest.clearAllMocks();
    service = new ApiKeysService(
      { findByPrefix, addUsage } as unknown as ApiKeysRepository,
      { currentAuthState, onUserEnded: jest.fn() } as unknown as UsersService,
      notifications,
      {} as AuditService,
      {
        rateLimit: { perRole: { admin: 1000, user: 1000, guest: 1000 } },
        apiKeys: { maxPerUser: 25 },
      } as unknown as AppConfig,
      { warn: jest.fn() } as unknown as Logger,
    );
    service.onModuleInit();
    currentAuthState.mockResolvedValue(owner);
  });
  afterEach(() => service.onApplicationShutdown());

  it('verifies by prefix lookup and SHA-256 compare, acting as the owner with the key’s scopes', async () => {
    findByPrefix.mockResolvedValueOnce(row());
    const principal = await service.authenticate(KEY);
    expect(findByPrefix).toHaveBeenCalledWith(PREFIX);
    expect(principal).toMatchObject({
      userId: owner.id,
      tenantId: owner.tenantId,
      role: 'user',
      method: 'api-key',
      scopes: ['read'],
      rateLimitPerMinute: 10,
    });
  });

  it('caches a verified key and drops it when NOTIFY says it changed', async () => {
    findByPrefix.mockResolvedValue(row());
    await service.authenticate(KEY);
    await service.authenticate(KEY);
    expect(findByPrefix).toHaveBeenCalledTimes(1);
    handler(JSON.stringify({ kind: 'api_key', id: row().id }));
    await service.authenticate(KEY);
    expect(findByPrefix).toHaveBeenCalledTimes(2);
    handler(JSON.stringify({ kind: 'user', id: owner.id }));
    await service.authenticate(KEY);
    expect(findByPrefix).toHaveBeenCalledTimes(3);
  });

  it('refuses malformed keys without touching the database', async () => {
    for (const bad of [
      '',
      'cb_short_x',
      `${KEY}x`,
      KEY.replace('cb_', 'xx_'),
      `cb_${PREFIX}_${'!'.repeat(43)}`,
    ]) {
      expect(await service.authenticate(bad)).toBeNull();
    }
    expect(findByPrefix).not.toHaveBeenCalled();
  });

  it.each([
    ['a wrong secret', row({ secretHash: sha256('other') })],
    ['a revoked key', row({ revokedAt: new Date() })],
    ['an expired key', row({ expiresAt: new Date(Date.now() - 1000) })],
    [
      'an old secret after its grace period',
      row({
        secretHash: sha256('new'),
        previousSecretHash: sha256(SECRET),
        previousValidUntil: new Date(Date.now() - 1000),
      }),
    ],
  ])('refuses %s', async (_label, record) => {
    findByPrefix.mockResolvedValueOnce(record);
    expect(await service.authenticate(KEY)).toBeNull();
  });

  it('accepts the old secret during its grace period', async () => {
    findByPrefix.mockResolvedValueOnce(
      row({
        secretHash: sha256('new'),
        previousSecretHash: sha256(SECRET),
        previousValidUntil: new Date(Date.now() + 60_000),
      }),
    );
    expect(await service.authenticate(KEY)).not.toBeNull();
  });

  it('refuses a key whose owner is deactivated, deleted or moved', async () => {
    for (const state of [{ ...owner, isActive: false }, null, { ...owner, tenantId: 'x' }]) {
      findByPrefix.mockResolvedValueOnce(row());
      currentAuthState.mockResolvedValueOnce(state);
      handler(JSON.stringify({ kind: 'api_key', id: row().id }));
      expect(await service.authenticate(KEY)).toBeNull();
    }
  });

  it('batches usage into one UPDATE instead of a write per request', async () => {
    findByPrefix.mockResolvedValueOnce(row());
    for (let i = 0; i < 5; i++) await service.authenticate(KEY);
    expect(findByPrefix).toHaveBeenCalledTimes(1);
    addUsage.mockResolvedValueOnce(undefined);
    await service.flushUsage();
    expect(addUsage).toHaveBeenCalledTimes(1);
    expect(addUsage).toHaveBeenCalledWith([
      { id: row().id, count: 5, lastUsedAt: expect.any(Date) },
    ]);
  });

  it('keeps the counts of a failed flush for the next one', async () => {
    findByPrefix.mockResolvedValueOnce(row());
    for (let i = 0; i < 2; i++) await service.authenticate(KEY);
    addUsage.mockRejectedValueOnce(new Error('database down'));
    await service.flushUsage();
    await service.authenticate(KEY);
    addUsage.mockResolvedValueOnce(undefined);
    await service.flushUsage();
    expect(addUsage).toHaveBeenLastCalledWith([
      { id: row().id, count: 3, lastUsedAt: expect.any(Date) },
    ]);
  });
});

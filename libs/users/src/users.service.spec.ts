import type { DataSource } from 'typeorm';
import type { AuditService } from '@app/audit';
import { RequestContext } from '@app/common';
import type { PgNotifications } from '@app/database';
import type { PasswordService } from './password.service';
import { UsersService, assertKey } from './users.service';

/**
 * TypeORM's `findOne({ where: { id: undefined } })` drops the condition and returns the first
 * row: every lookup must refuse an undefined key before any query runs.
 */
describe('UsersService: never a lookup without a key', () => {
  const query = jest.fn();
  const getRepository = jest.fn();
  const dataSource = {
    query,
    getRepository,
    manager: { getRepository },
    transaction: jest.fn(),
  } as unknown as DataSource;
  const notifications = {
    isLive: true,
    subscribe: jest.fn(),
    onReset: jest.fn(),
  } as unknown as PgNotifications;
  const service = new UsersService(
    dataSource,
    {} as PasswordService,
    {} as AuditService,
    notifications,
  );

  afterEach(() => jest.clearAllMocks());

  it('assertKey refuses undefined, null and empty keys', () => {
    for (const bad of [undefined, null, '', 0])
      expect(() => assertKey(bad)).toThrow(/without a key/);
    expect(() => assertKey('01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f')).not.toThrow();
  });

  it('refuses to read auth state, a profile or a tenant user with an undefined id', async () => {
    await expect(service.getAuthState(undefined as unknown as string)).rejects.toThrow(
      /without a key/,
    );
    await expect(service.currentAuthState(undefined as unknown as string)).rejects.toThrow(
      /without a key/,
    );
    await expect(service.getMe(undefined as unknown as string)).rejects.toThrow(/without a key/);
    const store = {
      requestId: 'r',
      ip: '127.0.0.1',
      userAgent: null,
      method: 'GET',
      route: null,
      startedAt: 0n,
      principal: {
        userId: '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f',
        tenantId: '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e11',
        username: 'a',
        role: 'admin' as const,
        method: 'jwt' as const,
      },
    };
    await RequestContext.run(store, async () => {
      await expect(service.get(undefined as unknown as string)).rejects.toThrow(/without a key/);
    });
    expect(query).not.toHaveBeenCalled();
    expect(getRepository).not.toHaveBeenCalled();
  });

  it('answers null for a login that names nobody, without a query for an empty login', async () => {
    expect(await service.findLoginId('   ')).toBeNull();
    expect(query).not.toHaveBeenCalled();
  });
});

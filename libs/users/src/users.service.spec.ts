import type { EntityManager } from 'typeorm';
import type { AuditService } from '@app/audit';
import { RequestContext } from '@app/common';
import type { PgNotifications } from '@app/database';
import type { PasswordService } from './password.service';
import type { UserRow, UsersRepository } from './users.repository';
import { UsersService, assertKey } from './users.service';

const TENANT = '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e11';
const USER = '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e0f';
const tx = {} as EntityManager;

function userRow(overrides: Partial<UserRow> = {}): UserRow {
  return {
    id: USER,
    tenantId: TENANT,
    email: 'ada@example.com',
    username: 'ada',
    displayName: null,
    role: 'admin',
    isActive: true,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

function setup() {
  const users = {
    transaction: jest.fn((work: (t: EntityManager) => Promise<unknown>) => work(tx)),
    findAuthState: jest.fn(),
    findById: jest.fn(),
    findInTenant: jest.fn(),
    findIdByLogin: jest.fn(),
    findTaken: jest.fn().mockResolvedValue({ emailTaken: false, usernameTaken: false }),
    insert: jest.fn(async (_t: EntityManager, u: Partial<UserRow>) => userRow(u)),
    lockBootstrap: jest.fn(),
    hasAny: jest.fn().mockResolvedValue(false),
    countOthers: jest.fn(),
    update: jest.fn(),
  };
  const tenants = {
    insert: jest.fn(async (_t: EntityManager, t: { id: string; name: string }) => t),
  };
  const audit = { record: jest.fn(), drain: jest.fn(), pseudonymise: jest.fn() };
  const passwords = {
    check: jest.fn().mockReturnValue([]),
    hash: jest.fn().mockResolvedValue('hash'),
  };
  const notifications = {
    isLive: true,
    subscribe: jest.fn(),
    onReset: jest.fn(),
    notify: jest.fn(),
  };
  const service = new UsersService(
    users as unknown as UsersRepository,
    tenants,
    passwords as unknown as PasswordService,
    audit as unknown as AuditService,
    notifications as unknown as PgNotifications,
  );
  return { service, users, tenants, audit };
}

function asAdmin<T>(work: () => Promise<T>): Promise<T> {
  const principal = {
    userId: '01936b9e-3c1a-7b4e-9d2f-5a6b7c8d9e99',
    tenantId: TENANT,
    username: 'root',
    role: 'admin' as const,
    method: 'jwt' as const,
  };
  const store = { requestId: 'r', ip: '127.0.0.1', userAgent: null, method: 'GET', route: null };
  return RequestContext.run({ ...store, startedAt: 0n, principal }, work);
}

describe('UsersService', () => {
  it('assertKey refuses undefined, null and empty keys', () => {
    for (const bad of [undefined, null, '', 0])
      expect(() => assertKey(bad)).toThrow(/without a key/);
    expect(() => assertKey(USER)).not.toThrow();
  });

  it('refuses to read auth state, a profile or a tenant user with an undefined id', async () => {
    const { service, users } = setup();
    const none = undefined as unknown as string;
    await expect(service.getAuthState(none)).rejects.toThrow(/without a key/);
    await expect(service.currentAuthState(none)).rejects.toThrow(/without a key/);
    await expect(service.getMe(none)).rejects.toThrow(/without a key/);
    await asAdmin(() => expect(service.get(none)).rejects.toThrow(/without a key/));
    expect(users.findAuthState).not.toHaveBeenCalled();
    expect(users.findById).not.toHaveBeenCalled();
    expect(users.findInTenant).not.toHaveBeenCalled();
  });

  it('answers null for a login that names nobody, without a lookup for an empty login', async () => {
    const { service, users } = setup();
    expect(await service.findLoginId('   ')).toBeNull();
    expect(users.findIdByLogin).not.toHaveBeenCalled();
    users.findIdByLogin.mockResolvedValueOnce(null);
    expect(await service.findLoginId(' Ada@Example.com ')).toBeNull();
    expect(users.findIdByLogin).toHaveBeenCalledWith('ada@example.com');
  });

  it('caches the auth state and reads again once NOTIFY names the user', async () => {
    const { service, users } = setup();
    const handlers: Array<(payload: string) => void> = [];
    (
      service as unknown as { notifications: { subscribe: jest.Mock } }
    ).notifications.subscribe.mockImplementation((_c: string, h: (payload: string) => void) =>
      handlers.push(h),
    );
    service.onModuleInit();
    users.findAuthState.mockResolvedValue({ id: USER, tenantId: TENANT, role: 'user' });
    await service.currentAuthState(USER);
    await service.currentAuthState(USER);
    expect(users.findAuthState).toHaveBeenCalledTimes(1);
    handlers[0](JSON.stringify({ kind: 'user', id: USER }));
    await service.currentAuthState(USER);
    expect(users.findAuthState).toHaveBeenCalledTimes(2);
  });

  it('registers and bootstraps through the same tenant-with-admin path', async () => {
    const { service, users, tenants, audit } = setup();
    const input = { email: 'a@example.com', username: 'a', password: 'long enough password' };
    await service.register({ ...input, tenantName: 'Acme' });
    await service.bootstrapAdmin({ ...input, email: 'b@example.com', username: 'b' });
    expect(tenants.insert.mock.calls.map(([, t]) => t.name)).toEqual(['Acme', 'Default']);
    expect(users.findTaken).toHaveBeenCalledTimes(2);
    expect(users.insert.mock.calls.map(([, u]) => u.role)).toEqual(['admin', 'admin']);
    expect(audit.record.mock.calls.map(([, e]) => e.action)).toEqual([
      'auth.register',
      'user.create',
    ]);
  });

  it('creates no second first admin once any user exists', async () => {
    const { service, users, tenants } = setup();
    users.hasAny.mockResolvedValueOnce(true);
    const input = { email: 'a@example.com', username: 'a', password: 'long enough password' };
    expect(await service.bootstrapAdmin(input)).toBeNull();
    expect(users.lockBootstrap).toHaveBeenCalledWith(tx);
    expect(tenants.insert).not.toHaveBeenCalled();
  });

  it('answers 409 for a username a concurrent registration took after the check', async () => {
    const { service, users } = setup();
    users.insert.mockRejectedValueOnce(
      Object.assign(new Error('duplicate'), {
        driverError: { code: '23505', constraint: 'users_username_lower_uq' },
      }),
    );
    const input = { email: 'a@example.com', username: 'a', password: 'long enough password' };
    await expect(service.register(input)).rejects.toMatchObject({
      status: 409,
      reason: 'USERNAME_TAKEN',
    });
  });

  it('refuses to demote the last active admin of a tenant', async () => {
    const { service, users } = setup();
    users.findInTenant.mockResolvedValueOnce(userRow());
    users.countOthers.mockResolvedValueOnce({ admins: 0, others: 3 });
    await asAdmin(() =>
      expect(service.update(USER, { role: 'user' })).rejects.toMatchObject({ status: 409 }),
    );
    expect(users.update).not.toHaveBeenCalled();
  });
});

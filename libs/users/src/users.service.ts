import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type AuditActionName, AuditService } from '@app/audit';
import {
  ErrorCode,
  ProblemException,
  RequestContext,
  decodeCursor,
  encodeCursor,
  type Page,
  type Role,
} from '@app/common';
import { PgNotifications } from '@app/database';
import { type CacheMetrics, MetricsService, evictWhenFull } from '@app/metrics';
import type { CreateUserDto } from './dto/create-user.dto';
import type { ListUsersDto } from './dto/list-users.dto';
import type { UpdateMeDto } from './dto/update-me.dto';
import type { UpdateUserDto } from './dto/update-user.dto';
import type { UserDto } from './dto/user.dto';
import { TenantEntity } from './entities/tenant.entity';
import { UserEntity } from './entities/user.entity';
import { IDENTITY_CHANNEL, type IdentityEvent, type UserEndedHook } from './identity-events';
import { PasswordService } from './password.service';
import { UsersErrorCode, UsersException } from './users.exception';

/** The current, security-relevant state of a user (what guards check on every request). */
export interface UserAuthState {
  id: string;
  tenantId: string;
  username: string;
  role: Role;
  isActive: boolean;
}

export interface RegisterInput {
  email: string;
  username: string;
  password: string;
  displayName?: string;
  tenantName?: string;
}

const USER_COLUMNS = [
  'u.id',
  'u.tenantId',
  'u.email',
  'u.username',
  'u.displayName',
  'u.role',
  'u.isActive',
  'u.createdAt',
  'u.updatedAt',
];

/** Tenants and users: registration, profiles, administration, credentials. */
@Injectable()
export class UsersService implements OnModuleInit {
  private readonly endedHooks: UserEndedHook[] = [];
  /** userId -> state, dropped by NOTIFY from any replica; never trusted while the listener is down. */
  private readonly stateCache = new Map<string, { state: UserAuthState | null; until: number }>();
  @Optional() @Inject(MetricsService) private readonly metrics?: MetricsService;
  private cacheMeter?: CacheMetrics;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    private readonly notifications: PgNotifications,
  ) {}

  onModuleInit(): void {
    this.cacheMeter = this.metrics?.identityCache('users', () => this.stateCache.size);
    this.notifications.subscribe(IDENTITY_CHANNEL, (payload) => {
      const event = parseIdentityEvent(payload);
      if (event?.kind === 'user') this.stateCache.delete(event.id);
    });
    this.notifications.onReset(() => this.stateCache.clear());
  }

  /**
   * The user's current role and activity, cached in memory for up to 30 s and dropped at once
   * (on every replica) when an admin changes them; what every authenticated request checks.
   */
  async currentAuthState(userId: string): Promise<UserAuthState | null> {
    const now = Date.now();
    const cached = this.stateCache.get(userId);
    const fresh = cached !== undefined && cached.until > now && this.notifications.isLive;
    this.cacheMeter?.lookup(fresh);
    if (fresh) return cached.state;
    const state = await this.getAuthState(userId);
    evictWhenFull(this.stateCache, 50_000, this.cacheMeter);
    this.stateCache.set(userId, { state, until: now + 30_000 });
    return state;
  }

  /** Sessions and API keys register here to be ended in the same transaction as the user. */
  onUserEnded(hook: UserEndedHook): void {
    this.endedHooks.push(hook);
  }

  /** Creates a tenant with this user as its first admin (audited as `auth.register`). */
  async register(input: RegisterInput): Promise<UserDto> {
    this.assertPassword(input.password, input);
    const passwordHash = await this.passwords.hash(input.password);
    return this.dataSource.transaction(async (manager) => {
      await this.assertUnique(manager, input.email, input.username);
      const tenant = await manager.save(
        manager.create(TenantEntity, {
          id: uuidv7(),
          name: input.tenantName ?? `${input.username}'s workspace`,
        }),
      );
      const user = await this.insertUser(manager, {
        tenantId: tenant.id,
        email: input.email,
        username: input.username,
        displayName: input.displayName ?? null,
        passwordHash,
        role: 'admin',
      });
      const dto = this.toResponse(user);
      await this.audit.record(manager, {
        action: 'auth.register',
        resourceType: 'user',
        resourceId: user.id,
        tenantId: tenant.id,
        actor: { userId: user.id, username: user.username },
        changes: { before: null, after: { ...dto, tenantName: tenant.name } },
      });
      markAuditRecorded();
      return dto;
    });
  }

  /** First start with no user at all: the default tenant and its admin (one replica wins). */
  async bootstrapAdmin(input: {
    email: string;
    username: string;
    password: string;
  }): Promise<UserDto | null> {
    const problems = this.passwords.check(input.password, input);
    if (problems.length) throw new Error(`ADMIN_PASSWORD ${problems.join('; ')}`);
    const passwordHash = await this.passwords.hash(input.password);
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(7700001)');
      const [{ exists }] = await manager.query<Array<{ exists: boolean }>>(
        'SELECT EXISTS (SELECT 1 FROM users) AS exists',
      );
      if (exists) return null;
      const tenant = await manager.save(
        manager.create(TenantEntity, { id: uuidv7(), name: 'Default' }),
      );
      const user = await this.insertUser(manager, {
        tenantId: tenant.id,
        email: input.email,
        username: input.username,
        displayName: 'Administrator',
        passwordHash,
        role: 'admin',
      });
      const dto = this.toResponse(user);
      await this.audit.record(manager, {
        action: 'user.create',
        resourceType: 'user',
        resourceId: user.id,
        tenantId: tenant.id,
        actor: { userId: null, username: 'system' },
        changes: { before: null, after: dto },
      });
      return dto;
    });
  }

  async hasAnyUser(): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>('SELECT 1 FROM users LIMIT 1');
    return rows.length > 0;
  }

  /** The id of the live account an email or username names (case-insensitive), or null. */
  async findLoginId(login: string): Promise<string | null> {
    const value = login.trim().toLowerCase();
    if (!value) return null;
    const column = value.includes('@') ? 'lower(email)' : 'lower(username)';
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM users WHERE ${column} = $1 AND deleted_at IS NULL`,
      [value],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Checks a password in constant time whether or not the account exists or is active;
   * returns the user only when it exists, is active and the password matches.
   */
  async verifyCredentials(userId: string | null, password: string): Promise<UserDto | null> {
    if (!userId) return this.passwords.verifyDummy(password).then(() => null);
    const user = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .select(USER_COLUMNS)
      .addSelect('u.passwordHash')
      .where('u.id = :id AND u.deletedAt IS NULL', { id: userId })
      .getOne();
    if (!user) return this.passwords.verifyDummy(password).then(() => null);
    const ok = await this.passwords.verify(user.passwordHash, password);
    return ok && user.isActive ? this.toResponse(user) : null;
  }

  /** Lean read of what a guard needs; null for a deleted or unknown user. */
  async getAuthState(userId: string): Promise<UserAuthState | null> {
    assertKey(userId);
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        tenant_id: string;
        username: string;
        role: Role;
        is_active: boolean;
      }>
    >(
      `SELECT id, tenant_id, username, role, is_active FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [userId],
    );
    const row = rows[0];
    return row
      ? {
          id: row.id,
          tenantId: row.tenant_id,
          username: row.username,
          role: row.role,
          isActive: row.is_active,
        }
      : null;
  }

  /** The caller's own profile. */
  async getMe(userId: string): Promise<UserDto> {
    return this.toResponse(await this.load(this.dataSource.manager, userId, null));
  }

  async updateMe(userId: string, dto: UpdateMeDto): Promise<UserDto> {
    return this.dataSource.transaction(async (manager) => {
      const user = await this.load(manager, userId, null, true);
      const before = this.toResponse(user);
      if (dto.email !== undefined && dto.email.toLowerCase() !== user.email.toLowerCase()) {
        await this.assertUnique(manager, dto.email, null, user.id);
        user.email = dto.email;
      }
      if (dto.displayName !== undefined) user.displayName = dto.displayName;
      const saved = await manager.save(user);
      const after = this.toResponse(saved);
      await this.recordChange(manager, 'user.update', user.id, before, after);
      return after;
    });
  }

  /**
   * Changes the caller's password after checking the current one; `inTransaction` ends the
   * other sessions in the same transaction (audited as `auth.password_change`).
   */
  async changePassword(
    userId: string,
    currentPassword: string,
    newPassword: string,
    inTransaction: (manager: EntityManager) => Promise<void>,
    // Told the outcome of the current-password check before anything else can fail.
    currentChecked: (correct: boolean) => Promise<void> | void = () => undefined,
  ): Promise<void> {
    assertKey(userId);
    const current = await this.verifyCredentials(userId, currentPassword);
    await currentChecked(current !== null);
    if (!current) throw new UsersException(UsersErrorCode.INVALID_CURRENT_PASSWORD);
    this.assertPassword(newPassword, current, 'newPassword');
    const passwordHash = await this.passwords.hash(newPassword);
    await this.dataSource.transaction(async (manager) => {
      await manager.update(
        UserEntity,
        { id: userId },
        { passwordHash, passwordChangedAt: new Date() },
      );
      await inTransaction(manager);
      await this.audit.record(manager, {
        action: 'auth.password_change',
        resourceType: 'user',
        resourceId: userId,
        changes: { before: null, after: { passwordChangedAt: new Date().toISOString() } },
      });
      markAuditRecorded();
    });
  }

  /** Erasure of the caller's own account (DELETE /api/auth/me). */
  async eraseMe(userId: string): Promise<void> {
    // Queued entries about this user must be in the table before it is pseudonymised.
    await this.audit.drain(2_000);
    await this.dataSource
      .transaction(async (manager) => {
        const user = await this.load(manager, userId, null, true);
        if (user.role === 'admin' && user.isActive) {
          const rows = await manager.query<Array<{ admins: number; others: number }>>(
            `SELECT
             count(*) FILTER (WHERE role = 'admin' AND is_active AND id <> $2)::int AS admins,
             count(*) FILTER (WHERE id <> $2)::int AS others
           FROM users WHERE tenant_id = $1 AND deleted_at IS NULL`,
            [user.tenantId, user.id],
          );
          if (rows[0].others > 0 && rows[0].admins === 0)
            throw new UsersException(UsersErrorCode.LAST_ADMIN);
        }
        await this.erase(manager, user);
      })
      .finally(() => this.stateCache.delete(userId));
  }

  // --- administration, always inside the caller's tenant -------------------------------------

  async list(query: ListUsersDto): Promise<Page<UserDto>> {
    const tenantId = RequestContext.tenantId();
    const limit = query.limit ?? 20;
    const qb = this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .select(USER_COLUMNS)
      .where('u.tenantId = :tenantId AND u.deletedAt IS NULL', { tenantId })
      .orderBy('u.id', 'ASC')
      .take(limit + 1);
    if (query.role) qb.andWhere('u.role = :role', { role: query.role });
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere('(u.username ILIKE :like OR u.email ILIKE :like OR u.displayName ILIKE :like)', {
        like,
      });
    }
    if (query.cursor) {
      const { id } = decodeCursor(query.cursor, ['id']);
      if (!/^[0-9a-f-]{36}$/i.test(id)) decodeCursor('!', ['id']);
      qb.andWhere('u.id > :after', { after: id });
    }
    const rows = await qb.getMany();
    const items = rows.slice(0, limit).map((u) => this.toResponse(u));
    const nextCursor = rows.length > limit ? encodeCursor({ id: rows[limit - 1].id }) : null;
    return { items, nextCursor };
  }

  async get(id: string): Promise<UserDto> {
    return this.toResponse(await this.load(this.dataSource.manager, id, RequestContext.tenantId()));
  }

  async create(dto: CreateUserDto): Promise<UserDto> {
    const tenantId = RequestContext.tenantId();
    this.assertPassword(dto.password, dto);
    const passwordHash = await this.passwords.hash(dto.password);
    return this.dataSource.transaction(async (manager) => {
      await this.assertUnique(manager, dto.email, dto.username);
      const user = await this.insertUser(manager, {
        tenantId,
        email: dto.email,
        username: dto.username,
        displayName: dto.displayName ?? null,
        passwordHash,
        role: dto.role,
      });
      const after = this.toResponse(user);
      await this.recordChange(manager, 'user.create', user.id, null, after);
      return after;
    });
  }

  async update(id: string, dto: UpdateUserDto): Promise<UserDto> {
    const tenantId = RequestContext.tenantId();
    const callerId = RequestContext.principal()?.userId;
    return this.dataSource
      .transaction(async (manager) => {
        const user = await this.load(manager, id, tenantId, true);
        const before = this.toResponse(user);
        const demotes = dto.role !== undefined && dto.role !== 'admin';
        const deactivates = dto.isActive === false;
        if (user.role === 'admin' && user.isActive && (demotes || deactivates)) {
          const [{ admins }] = await manager.query<Array<{ admins: number }>>(
            `SELECT count(*)::int AS admins FROM users
           WHERE tenant_id = $1 AND role = 'admin' AND is_active AND deleted_at IS NULL AND id <> $2`,
            [tenantId, user.id],
          );
          if (admins === 0) throw new UsersException(UsersErrorCode.LAST_ADMIN);
        }
        if (dto.role !== undefined) user.role = dto.role;
        if (dto.isActive !== undefined) user.isActive = dto.isActive;
        if (dto.displayName !== undefined) user.displayName = dto.displayName;
        const saved = await manager.save(user);
        if (before.isActive && !saved.isActive) {
          for (const hook of this.endedHooks) await hook(manager, user.id);
        }
        if (before.role !== saved.role || before.isActive !== saved.isActive) {
          await this.notifyUser(manager, user.id);
        }
        const after = this.toResponse(saved);
        await this.recordChange(manager, 'user.update', user.id, before, after, callerId);
        return after;
      })
      .finally(() => this.stateCache.delete(id));
  }

  async remove(id: string): Promise<void> {
    const tenantId = RequestContext.tenantId();
    if (id === RequestContext.principal()?.userId)
      throw new UsersException(UsersErrorCode.CANNOT_DELETE_SELF);
    await this.audit.drain(2_000);
    await this.dataSource
      .transaction(async (manager) => {
        const user = await this.load(manager, id, tenantId, true);
        await this.erase(manager, user, 'user.delete');
      })
      .finally(() => this.stateCache.delete(id));
  }

  // --- internals ---------------------------------------------------------------------------

  /** Pseudonymises the row (foreign keys of blocks and audit entries stay valid). */
  private async erase(
    manager: EntityManager,
    user: UserEntity,
    action: AuditActionName = 'user.delete',
  ): Promise<void> {
    const before = this.toResponse(user);
    await manager.update(
      UserEntity,
      { id: user.id },
      {
        email: `deleted-${user.id}@invalid`,
        username: `deleted-${user.id}`,
        displayName: null,
        passwordHash: '!',
        isActive: false,
        deletedAt: new Date(),
      },
    );
    for (const hook of this.endedHooks) await hook(manager, user.id);
    await this.notifyUser(manager, user.id);
    // The erasure entry itself carries no personal data: only what the account was.
    await this.audit.record(manager, {
      action,
      resourceType: 'user',
      resourceId: user.id,
      severity: 'warning',
      changes: {
        before: { id: before.id, role: before.role, isActive: before.isActive },
        after: null,
      },
    });
    // Last, so the entry above is covered too: the user's name, IP and user agent leave the trail.
    await this.audit.pseudonymise(manager, user.id);
    markAuditRecorded();
  }

  private async notifyUser(manager: EntityManager, userId: string): Promise<void> {
    const event: IdentityEvent = { kind: 'user', id: userId };
    await this.notifications.notify(manager, IDENTITY_CHANNEL, JSON.stringify(event));
  }

  private async recordChange(
    manager: EntityManager,
    action: AuditActionName,
    userId: string,
    before: UserDto | null,
    after: UserDto,
    _callerId?: string,
  ): Promise<void> {
    await this.audit.record(manager, {
      action,
      resourceType: 'user',
      resourceId: userId,
      changes: { before, after },
    });
    markAuditRecorded();
  }

  /** Loads a live user by id (in a tenant when given); 404 when absent. Never with an undefined id. */
  private async load(
    manager: EntityManager,
    id: string,
    tenantId: string | null,
    lock = false,
  ): Promise<UserEntity> {
    assertKey(id);
    const qb = manager
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('u.id = :id AND u.deletedAt IS NULL', { id });
    if (tenantId !== null) qb.andWhere('u.tenantId = :tenantId', { tenantId });
    if (lock) qb.setLock('pessimistic_write');
    const user = await qb.getOne();
    if (!user) throw new UsersException(UsersErrorCode.USER_NOT_FOUND);
    return user;
  }

  private async insertUser(
    manager: EntityManager,
    fields: Pick<
      UserEntity,
      'tenantId' | 'email' | 'username' | 'displayName' | 'passwordHash' | 'role'
    >,
  ): Promise<UserEntity> {
    const now = new Date();
    const user = manager.create(UserEntity, {
      id: uuidv7(),
      ...fields,
      isActive: true,
      passwordChangedAt: now,
      deletedAt: null,
    });
    try {
      return await manager.save(user);
    } catch (error) {
      throw uniqueViolation(error) ?? error;
    }
  }

  private async assertUnique(
    manager: EntityManager,
    email: string,
    username: string | null,
    exceptId?: string,
  ): Promise<void> {
    const rows = await manager.query<Array<{ email_taken: boolean; username_taken: boolean }>>(
      `SELECT lower(email) = lower($1) AS email_taken, lower(username) = lower($2) AS username_taken
       FROM users WHERE (lower(email) = lower($1) OR lower(username) = lower($2)) AND id <> $3`,
      [email, username ?? '', exceptId ?? '00000000-0000-0000-0000-000000000000'],
    );
    if (rows.some((r) => r.email_taken)) throw new UsersException(UsersErrorCode.EMAIL_TAKEN);
    if (rows.some((r) => r.username_taken)) throw new UsersException(UsersErrorCode.USERNAME_TAKEN);
  }

  private assertPassword(
    password: string,
    context: { username?: string; email?: string },
    field = 'password',
  ): void {
    const problems = this.passwords.check(password, context);
    if (problems.length) {
      throw new ProblemException({
        status: 400,
        code: ErrorCode.VALIDATION_FAILED,
        detail: `${field} ${problems.join('; ')}`,
        reason: 'WEAK_PASSWORD',
        errors: problems.map((message) => ({ field, message })),
      });
    }
  }

  private toResponse(user: UserEntity): UserDto {
    return {
      id: user.id,
      tenantId: user.tenantId,
      email: user.email,
      username: user.username,
      displayName: user.displayName,
      role: user.role,
      isActive: user.isActive,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
  }
}

/** TypeORM turns `where: { id: undefined }` into no condition at all: never query that way. */
export function assertKey(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new Error('Refusing a lookup without a key (undefined id)');
  }
}

export function parseIdentityEvent(payload: string): IdentityEvent | null {
  try {
    const value = JSON.parse(payload) as Partial<IdentityEvent>;
    return typeof value.id === 'string' &&
      (value.kind === 'user' || value.kind === 'session' || value.kind === 'api_key')
      ? (value as IdentityEvent)
      : null;
  } catch {
    return null;
  }
}

function markAuditRecorded(): void {
  const store = RequestContext.current();
  if (store) store.auditRecorded = true;
}

function uniqueViolation(error: unknown): UsersException | undefined {
  const e = error as { driverError?: { code?: string; constraint?: string } };
  if (e?.driverError?.code !== '23505') return undefined;
  return e.driverError.constraint === 'users_username_lower_uq'
    ? new UsersException(UsersErrorCode.USERNAME_TAKEN)
    : new UsersException(UsersErrorCode.EMAIL_TAKEN);
}

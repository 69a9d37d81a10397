import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '@app/audit';
import {
  ErrorCode,
  IdentityCache,
  ProblemException,
  RequestContext,
  decodeCursor,
  encodeCursor,
  isUniqueViolation,
  isUuid,
  pgConstraint,
  type Page,
  type Role,
} from '@app/common';
import { PgNotifications } from '@app/database';
import { MetricsService } from '@app/metrics';
import type { CreateUserDto } from './dto/create-user.dto';
import type { ListUsersDto } from './dto/list-users.dto';
import type { UpdateMeDto } from './dto/update-me.dto';
import type { UpdateUserDto } from './dto/update-user.dto';
import type { UserDto } from './dto/user.dto';
import { IDENTITY_CHANNEL, type IdentityEvent, type UserEndedHook } from './identity-events';
import { PasswordService } from './password.service';
import { TenantsRepository } from './tenants.repository';
import { UsersErrorCode, UsersException } from './users.exception';
import { type UserAuthRow, type UserRow, UsersRepository } from './users.repository';

/** The current, security-relevant state of a user (what guards check on every request). */
export type UserAuthState = UserAuthRow;

export interface RegisterInput {
  email: string;
  username: string;
  password: string;
  displayName?: string;
  tenantName?: string;
}

interface NewAdmin {
  tenantName: string;
  email: string;
  username: string;
  displayName: string | null;
  passwordHash: string;
}

/** Tenants and users: registration, profiles, administration, credentials. */
@Injectable()
export class UsersService implements OnModuleInit {
  private readonly endedHooks: UserEndedHook[] = [];
  /** userId -> state, dropped by NOTIFY from any replica; never trusted while the listener is down. */
  private readonly stateCache: IdentityCache<UserAuthState>;
  @Optional() @Inject(MetricsService) private readonly metrics?: MetricsService;

  constructor(
    private readonly users: UsersRepository,
    private readonly tenants: TenantsRepository,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    private readonly notifications: PgNotifications,
  ) {
    this.stateCache = new IdentityCache(notifications, { ttlMs: 30_000 });
  }

  onModuleInit(): void {
    this.stateCache.meter = this.metrics?.identityCache('users', () => this.stateCache.size);
    this.notifications.subscribe(IDENTITY_CHANNEL, (payload) => {
      const event = parseIdentityEvent(payload);
      if (event?.kind === 'user') this.stateCache.delete(event.id);
    });
  }

  /**
   * The user's current role and activity, cached in memory for up to 30 s and dropped at once
   * (on every replica) when an admin changes them; what every authenticated request checks.
   */
  async currentAuthState(userId: string): Promise<UserAuthState | null> {
    assertKey(userId);
    return this.stateCache.get(userId, (id) => this.users.findAuthState(id));
  }

  /** Sessions and API keys register here to be ended in the same transaction as the user. */
  onUserEnded(hook: UserEndedHook): void {
    this.endedHooks.push(hook);
  }

  /** Creates a tenant with this user as its first admin (audited as `auth.register`). */
  async register(input: RegisterInput): Promise<UserDto> {
    this.assertPassword(input.password, input);
    const passwordHash = await this.passwords.hash(input.password);
    return this.users.transaction(async (tx) => {
      const { tenantName, user } = await this.createTenantWithAdmin(tx, {
        tenantName: input.tenantName ?? `${input.username}'s workspace`,
        email: input.email,
        username: input.username,
        displayName: input.displayName ?? null,
        passwordHash,
      });
      await this.audit.record(tx, {
        action: 'auth.register',
        resourceType: 'user',
        resourceId: user.id,
        tenantId: user.tenantId,
        actor: { userId: user.id, username: user.username },
        changes: { before: null, after: { ...user, tenantName } },
      });
      return user;
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
    return this.users.transaction(async (tx) => {
      await this.users.lockBootstrap(tx);
      if (await this.users.hasAny(tx)) return null;
      const { user } = await this.createTenantWithAdmin(tx, {
        tenantName: 'Default',
        email: input.email,
        username: input.username,
        displayName: 'Administrator',
        passwordHash,
      });
      await this.audit.record(tx, {
        action: 'user.create',
        resourceType: 'user',
        resourceId: user.id,
        tenantId: user.tenantId,
        actor: { userId: null, username: 'system' },
        changes: { before: null, after: user },
      });
      return user;
    });
  }

  async hasAnyUser(): Promise<boolean> {
    return this.users.hasAny();
  }

  /** The id of the live account an email or username names (case-insensitive), or null. */
  async findLoginId(login: string): Promise<string | null> {
    const value = login.trim().toLowerCase();
    if (!value) return null;
    return this.users.findIdByLogin(value);
  }

  /**
   * Checks a password in constant time whether or not the account exists or is active;
   * returns the user only when it exists, is active and the password matches.
   */
  async verifyCredentials(userId: string | null, password: string): Promise<UserDto | null> {
    const user = userId ? await this.users.findCredentials(userId) : null;
    if (!user) return this.passwords.verifyDummy(password).then(() => null);
    const ok = await this.passwords.verify(user.passwordHash, password);
    return ok && user.isActive ? toResponse(user) : null;
  }

  /** Lean read of what a guard needs; null for a deleted or unknown user. */
  async getAuthState(userId: string): Promise<UserAuthState | null> {
    assertKey(userId);
    return this.users.findAuthState(userId);
  }

  /** The caller's own profile. */
  async getMe(userId: string): Promise<UserDto> {
    assertKey(userId);
    return toResponse(found(await this.users.findById(userId)));
  }

  async updateMe(userId: string, dto: UpdateMeDto): Promise<UserDto> {
    assertKey(userId);
    return this.users.transaction(async (tx) => {
      const user = found(await this.users.findById(userId, { lock: true, tx }));
      let email = user.email;
      if (dto.email !== undefined && dto.email.toLowerCase() !== user.email.toLowerCase()) {
        await this.assertUnique(tx, dto.email, null, user.id);
        email = dto.email;
      }
      const saved = await this.users
        .update(tx, user.id, {
          email,
          displayName: dto.displayName !== undefined ? dto.displayName : user.displayName,
          role: user.role,
          isActive: user.isActive,
        })
        .catch(rethrowTaken);
      const after = toResponse(saved);
      await this.recordChange(tx, 'user.update', user.id, toResponse(user), after);
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
    inTransaction: (tx: EntityManager) => Promise<void>,
    // Told the outcome of the current-password check before anything else can fail.
    currentChecked: (correct: boolean) => Promise<void> | void = () => undefined,
  ): Promise<void> {
    assertKey(userId);
    const current = await this.verifyCredentials(userId, currentPassword);
    await currentChecked(current !== null);
    if (!current) throw new UsersException(UsersErrorCode.INVALID_CURRENT_PASSWORD);
    this.assertPassword(newPassword, current, 'newPassword');
    const passwordHash = await this.passwords.hash(newPassword);
    await this.users.transaction(async (tx) => {
      await this.users.setPassword(tx, userId, passwordHash);
      await inTransaction(tx);
      await this.audit.record(tx, {
        action: 'auth.password_change',
        resourceType: 'user',
        resourceId: userId,
        changes: { before: null, after: { passwordChangedAt: new Date().toISOString() } },
      });
    });
  }

  /** Erasure of the caller's own account (DELETE /api/auth/me). */
  async eraseMe(userId: string): Promise<void> {
    assertKey(userId);
    // Queued entries about this user must be in the table before it is pseudonymised.
    await this.audit.drain(2_000);
    await this.users
      .transaction(async (tx) => {
        const user = found(await this.users.findById(userId, { lock: true, tx }));
        if (user.role === 'admin' && user.isActive) {
          const { admins, others } = await this.users.countOthers(tx, user.tenantId, user.id);
          if (others > 0 && admins === 0) throw new UsersException(UsersErrorCode.LAST_ADMIN);
        }
        await this.erase(tx, user);
      })
      .finally(() => this.stateCache.delete(userId));
  }

  // --- administration, always inside the caller's tenant -------------------------------------

  async list(query: ListUsersDto): Promise<Page<UserDto>> {
    const limit = query.limit ?? 20;
    let afterId: string | undefined;
    if (query.cursor) {
      ({ id: afterId } = decodeCursor(query.cursor, ['id']));
      if (!isUuid(afterId)) decodeCursor('!', ['id']);
    }
    const rows = await this.users.list({ limit: limit + 1, role: query.role, q: query.q, afterId });
    const items = rows.slice(0, limit).map(toResponse);
    const nextCursor = rows.length > limit ? encodeCursor({ id: rows[limit - 1].id }) : null;
    return { items, nextCursor };
  }

  async get(id: string): Promise<UserDto> {
    assertKey(id);
    return toResponse(found(await this.users.findInTenant(id)));
  }

  async create(dto: CreateUserDto): Promise<UserDto> {
    const tenantId = RequestContext.tenantId();
    this.assertPassword(dto.password, dto);
    const passwordHash = await this.passwords.hash(dto.password);
    return this.users.transaction(async (tx) => {
      await this.assertUnique(tx, dto.email, dto.username);
      const user = await this.insertUser(tx, {
        tenantId,
        email: dto.email,
        username: dto.username,
        displayName: dto.displayName ?? null,
        passwordHash,
        role: dto.role,
      });
      await this.recordChange(tx, 'user.create', user.id, null, user);
      return user;
    });
  }

  async update(id: string, dto: UpdateUserDto): Promise<UserDto> {
    assertKey(id);
    return this.users
      .transaction(async (tx) => {
        const user = found(await this.users.findInTenant(id, { lock: true, tx }));
        const demotes = dto.role !== undefined && dto.role !== 'admin';
        const deactivates = dto.isActive === false;
        if (user.role === 'admin' && user.isActive && (demotes || deactivates)) {
          const { admins } = await this.users.countOthers(tx, user.tenantId, user.id);
          if (admins === 0) throw new UsersException(UsersErrorCode.LAST_ADMIN);
        }
        const saved = await this.users.update(tx, user.id, {
          email: user.email,
          displayName: dto.displayName !== undefined ? dto.displayName : user.displayName,
          role: dto.role ?? user.role,
          isActive: dto.isActive ?? user.isActive,
        });
        if (user.isActive && !saved.isActive) {
          for (const hook of this.endedHooks) await hook(tx, user.id);
        }
        if (user.role !== saved.role || user.isActive !== saved.isActive) {
          await this.notifyUser(tx, user.id);
        }
        const after = toResponse(saved);
        await this.recordChange(tx, 'user.update', user.id, toResponse(user), after);
        return after;
      })
      .finally(() => this.stateCache.delete(id));
  }

  async remove(id: string): Promise<void> {
    assertKey(id);
    if (id === RequestContext.principal()?.userId)
      throw new UsersException(UsersErrorCode.CANNOT_DELETE_SELF);
    await this.audit.drain(2_000);
    await this.users
      .transaction(async (tx) => {
        await this.erase(tx, found(await this.users.findInTenant(id, { lock: true, tx })));
      })
      .finally(() => this.stateCache.delete(id));
  }

  // --- internals ---------------------------------------------------------------------------

  /** The one way a tenant comes to be: with its first admin, in the caller's transaction. */
  private async createTenantWithAdmin(
    tx: EntityManager,
    admin: NewAdmin,
  ): Promise<{ tenantName: string; user: UserDto }> {
    await this.assertUnique(tx, admin.email, admin.username);
    const tenant = await this.tenants.insert(tx, { id: uuidv7(), name: admin.tenantName });
    const user = await this.insertUser(tx, {
      tenantId: tenant.id,
      email: admin.email,
      username: admin.username,
      displayName: admin.displayName,
      passwordHash: admin.passwordHash,
      role: 'admin',
    });
    return { tenantName: tenant.name, user };
  }

  /** Pseudonymises the row (foreign keys of blocks and audit entries stay valid). */
  private async erase(tx: EntityManager, user: UserRow): Promise<void> {
    await this.users.erase(tx, user.id);
    for (const hook of this.endedHooks) await hook(tx, user.id);
    await this.notifyUser(tx, user.id);
    // The erasure entry itself carries no personal data: only what the account was.
    await this.audit.record(tx, {
      action: 'user.delete',
      resourceType: 'user',
      resourceId: user.id,
      severity: 'warning',
      changes: {
        before: { id: user.id, role: user.role, isActive: user.isActive },
        after: null,
      },
    });
    // Last, so the entry above is covered too: the user's name, IP and user agent leave the trail.
    await this.audit.pseudonymise(tx, user.id);
  }

  private async notifyUser(tx: EntityManager, userId: string): Promise<void> {
    const event: IdentityEvent = { kind: 'user', id: userId };
    await this.notifications.notify(tx, IDENTITY_CHANNEL, JSON.stringify(event));
  }

  private async recordChange(
    tx: EntityManager,
    action: 'user.create' | 'user.update',
    userId: string,
    before: UserDto | null,
    after: UserDto,
  ): Promise<void> {
    await this.audit.record(tx, {
      action,
      resourceType: 'user',
      resourceId: userId,
      changes: { before, after },
    });
  }

  private async insertUser(
    tx: EntityManager,
    fields: {
      tenantId: string;
      email: string;
      username: string;
      displayName: string | null;
      passwordHash: string;
      role: Role;
    },
  ): Promise<UserDto> {
    const row = await this.users.insert(tx, { id: uuidv7(), ...fields }).catch(rethrowTaken);
    return toResponse(row);
  }

  private async assertUnique(
    tx: EntityManager,
    email: string,
    username: string | null,
    exceptId?: string,
  ): Promise<void> {
    const taken = await this.users.findTaken(tx, email, username, exceptId);
    if (taken.emailTaken) throw new UsersException(UsersErrorCode.EMAIL_TAKEN);
    if (taken.usernameTaken) throw new UsersException(UsersErrorCode.USERNAME_TAKEN);
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
}

function toResponse(user: UserRow): UserDto {
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

function found(user: UserRow | null): UserRow {
  if (!user) throw new UsersException(UsersErrorCode.USER_NOT_FOUND);
  return user;
}

/** A lookup without a key is a bug in its caller (an unset principal): refuse it before any query. */
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

/** A concurrent insert or change took the email or username after the check: the same 409. */
function rethrowTaken(error: unknown): never {
  if (!isUniqueViolation(error)) throw error;
  throw new UsersException(
    pgConstraint(error) === 'users_username_lower_uq'
      ? UsersErrorCode.USERNAME_TAKEN
      : UsersErrorCode.EMAIL_TAKEN,
  );
}

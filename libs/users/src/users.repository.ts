import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { RequestContext, type Role } from '@app/common';
import { preparedQuery, statement } from '@app/database';

/** A live user row as the service reads it (never the password hash). */
export interface UserRow {
  id: string;
  tenantId: string;
  email: string;
  username: string;
  displayName: string | null;
  role: Role;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What every authenticated request checks of its user. */
export interface UserAuthRow {
  id: string;
  tenantId: string;
  username: string;
  role: Role;
  isActive: boolean;
}

export interface NewUser {
  id: string;
  tenantId: string;
  email: string;
  username: string;
  displayName: string | null;
  passwordHash: string;
  role: Role;
}

/** The changeable fields of a user, all given (the service merges them onto the locked row). */
export type UserChanges = Pick<UserRow, 'email' | 'displayName' | 'role' | 'isActive'>;

export interface UserListFilter {
  limit: number;
  role?: Role;
  q?: string;
  afterId?: string;
}

const FIELDS = `id, tenant_id AS "tenantId", email, username, display_name AS "displayName",
  role, is_active AS "isActive", created_at AS "createdAt", updated_at AS "updatedAt"`;

// Cache misses of the per-request check only (the service caches the answer 30 s).
const AUTH_STATE = statement(
  'users_auth_state',
  `SELECT id, tenant_id AS "tenantId", username, role, is_active AS "isActive"
   FROM users WHERE id = $1 AND deleted_at IS NULL`,
);
const ANY_USER = statement('users_any', `SELECT EXISTS (SELECT 1 FROM users) AS "exists"`);
// Serialises first-start bootstraps of every replica: one creates the admin, the rest see it.
const BOOTSTRAP_LOCK = statement('users_bootstrap_lock', `SELECT pg_advisory_xact_lock(7700001)`);
// Both through the unique indexes on lower(email) and lower(username).
const LOGIN_BY_EMAIL = statement(
  'users_login_email',
  `SELECT id FROM users WHERE lower(email) = $1 AND deleted_at IS NULL`,
);
const LOGIN_BY_USERNAME = statement(
  'users_login_username',
  `SELECT id FROM users WHERE lower(username) = $1 AND deleted_at IS NULL`,
);
const CREDENTIALS = statement(
  'users_credentials',
  `SELECT ${FIELDS}, password_hash AS "passwordHash" FROM users WHERE id = $1 AND deleted_at IS NULL`,
);
const BY_ID = statement(
  'users_by_id',
  `SELECT ${FIELDS} FROM users WHERE id = $1 AND deleted_at IS NULL`,
);
// Row locks: changes of one user (profile, role, erasure) run one after another.
const BY_ID_LOCKED = statement('users_by_id_locked', `${BY_ID.text} FOR UPDATE`);
const IN_TENANT = statement('users_in_tenant', `${BY_ID.text} AND tenant_id = $2`);
const IN_TENANT_LOCKED = statement('users_in_tenant_locked', `${IN_TENANT.text} FOR UPDATE`);
// Erased users keep their pseudonymised names, which never collide with a real one.
const TAKEN = statement(
  'users_taken',
  `SELECT bool_or(lower(email) = lower($1)) AS "emailTaken",
          bool_or(lower(username) = lower($2)) AS "usernameTaken"
   FROM users WHERE (lower(email) = lower($1) OR lower(username) = lower($2))
     AND id IS DISTINCT FROM $3::uuid`,
);
const INSERT = statement(
  'users_insert',
  `INSERT INTO users (id, tenant_id, email, username, display_name, password_hash, role)
   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${FIELDS}`,
);
// updated_at moves only when something did (an empty PATCH changes nothing).
const UPDATE = statement(
  'users_update',
  `UPDATE users SET email = $2, display_name = $3, role = $4, is_active = $5,
     updated_at = CASE WHEN (email, display_name, role, is_active)
       IS DISTINCT FROM ($2, $3, $4, $5) THEN now() ELSE updated_at END
   WHERE id = $1 RETURNING ${FIELDS}`,
);
const SET_PASSWORD = statement(
  'users_set_password',
  `UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now()
   WHERE id = $1`,
);
// The row stays (foreign keys of blocks and audit entries), stripped of personal data.
const ERASE = statement(
  'users_erase',
  `UPDATE users SET email = 'deleted-' || id || '@invalid', username = 'deleted-' || id,
     display_name = NULL, password_hash = '!', is_active = false,
     deleted_at = now(), updated_at = now()
   WHERE id = $1`,
);
const OTHERS = statement(
  'users_others',
  `SELECT count(*) FILTER (WHERE role = 'admin' AND is_active AND id <> $2)::int AS admins,
          count(*) FILTER (WHERE id <> $2)::int AS others
   FROM users WHERE tenant_id = $1 AND deleted_at IS NULL`,
);
// One text for every filter combination; a null parameter turns its condition off.
const LIST = statement(
  'users_list',
  `SELECT ${FIELDS} FROM users
   WHERE tenant_id = $1 AND deleted_at IS NULL
     AND ($2::text IS NULL OR role = $2)
     AND ($3::text IS NULL OR username ILIKE $3 OR email ILIKE $3 OR display_name ILIKE $3)
     AND ($4::uuid IS NULL OR id > $4)
   ORDER BY id LIMIT $5`,
);

/**
 * Every query of the users table. Tenant-scoped reads take the tenant from the request
 * context; the others (sign-in, the per-request check, first start) are by id or login, across
 * tenants, by design. Statements are prepared once per connection, run in the given
 * transaction or on the pool.
 */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async findAuthState(id: string): Promise<UserAuthRow | null> {
    const [row] = await preparedQuery<UserAuthRow>(this.dataSource.manager, AUTH_STATE, [id]);
    return row ?? null;
  }

  async hasAny(tx: EntityManager = this.dataSource.manager): Promise<boolean> {
    const [row] = await preparedQuery<{ exists: boolean }>(tx, ANY_USER, []);
    return row.exists;
  }

  async lockBootstrap(tx: EntityManager): Promise<void> {
    await preparedQuery(tx, BOOTSTRAP_LOCK, []);
  }

  /** The live account a lower-cased email (has an `@`) or username names. */
  async findIdByLogin(login: string): Promise<string | null> {
    const query = login.includes('@') ? LOGIN_BY_EMAIL : LOGIN_BY_USERNAME;
    const [row] = await preparedQuery<{ id: string }>(this.dataSource.manager, query, [login]);
    return row?.id ?? null;
  }

  /** A live user with its password hash: for checking a password only. */
  async findCredentials(id: string): Promise<(UserRow & { passwordHash: string }) | null> {
    const [row] = await preparedQuery<UserRow & { passwordHash: string }>(
      this.dataSource.manager,
      CREDENTIALS,
      [id],
    );
    return row ?? null;
  }

  /** A live user by id, in any tenant (the caller's own account). */
  async findById(
    id: string,
    options: { lock?: boolean; tx?: EntityManager } = {},
  ): Promise<UserRow | null> {
    const query = options.lock ? BY_ID_LOCKED : BY_ID;
    const [row] = await preparedQuery<UserRow>(options.tx ?? this.dataSource.manager, query, [id]);
    return row ?? null;
  }

  /** A live user of the caller's tenant. */
  async findInTenant(
    id: string,
    options: { lock?: boolean; tx?: EntityManager } = {},
  ): Promise<UserRow | null> {
    const query = options.lock ? IN_TENANT_LOCKED : IN_TENANT;
    const [row] = await preparedQuery<UserRow>(options.tx ?? this.dataSource.manager, query, [
      id,
      RequestContext.tenantId(),
    ]);
    return row ?? null;
  }

  /** Whether another account (than `exceptId`) holds this email or username, case-insensitively. */
  async findTaken(
    tx: EntityManager,
    email: string,
    username: string | null,
    exceptId: string | null = null,
  ): Promise<{ emailTaken: boolean; usernameTaken: boolean }> {
    const [row] = await preparedQuery<{
      emailTaken: boolean | null;
      usernameTaken: boolean | null;
    }>(tx, TAKEN, [email, username ?? '', exceptId]);
    return { emailTaken: row?.emailTaken === true, usernameTaken: row?.usernameTaken === true };
  }

  async insert(tx: EntityManager, user: NewUser): Promise<UserRow> {
    const [row] = await preparedQuery<UserRow>(tx, INSERT, [
      user.id,
      user.tenantId,
      user.email,
      user.username,
      user.displayName,
      user.passwordHash,
      user.role,
    ]);
    return row;
  }

  async update(tx: EntityManager, id: string, changes: UserChanges): Promise<UserRow> {
    const [row] = await preparedQuery<UserRow>(tx, UPDATE, [
      id,
      changes.email,
      changes.displayName,
      changes.role,
      changes.isActive,
    ]);
    return row;
  }

  async setPassword(tx: EntityManager, id: string, passwordHash: string): Promise<void> {
    await preparedQuery(tx, SET_PASSWORD, [id, passwordHash]);
  }

  async erase(tx: EntityManager, id: string): Promise<void> {
    await preparedQuery(tx, ERASE, [id]);
  }

  /** Live users of a tenant other than `userId`: all of them, and the active admins. */
  async countOthers(
    tx: EntityManager,
    tenantId: string,
    userId: string,
  ): Promise<{ admins: number; others: number }> {
    const [row] = await preparedQuery<{ admins: number; others: number }>(tx, OTHERS, [
      tenantId,
      userId,
    ]);
    return row;
  }

  /** A page of the caller's tenant's users by id; `q` matches anywhere, literally. */
  async list(filter: UserListFilter): Promise<UserRow[]> {
    const like = filter.q ? `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    return preparedQuery<UserRow>(this.dataSource.manager, LIST, [
      RequestContext.tenantId(),
      filter.role ?? null,
      like,
      filter.afterId ?? null,
      filter.limit,
    ]);
  }
}

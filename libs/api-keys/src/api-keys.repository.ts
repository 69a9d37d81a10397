import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { type ApiKeyScope, RequestContext } from '@app/common';
import { preparedQuery, statement } from '@app/database';

/** An API key as the service shows it (never a secret hash). */
export interface ApiKeyRow {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  rateLimitPerMinute: number | null;
  lastUsedAt: Date | null;
  /** bigint, as PostgreSQL sends it. */
  usageCount: string;
  revokedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What verifying a presented key needs. */
export interface ApiKeyAuthRow {
  id: string;
  tenantId: string;
  userId: string;
  secretHash: Buffer;
  previousSecretHash: Buffer | null;
  previousValidUntil: Date | null;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  rateLimitPerMinute: number | null;
  revokedAt: Date | null;
}

export interface NewApiKey {
  id: string;
  tenantId: string;
  userId: string;
  name: string;
  prefix: string;
  secretHash: Buffer;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  rateLimitPerMinute: number | null;
}

const FIELDS = `id, user_id AS "userId", name, prefix, scopes, expires_at AS "expiresAt",
  rate_limit_per_minute AS "rateLimitPerMinute", last_used_at AS "lastUsedAt",
  usage_count AS "usageCount", revoked_at AS "revokedAt", created_at AS "createdAt",
  updated_at AS "updatedAt"`;

// The hot path: one unique-index read per cache miss of a request with X-API-Key.
const BY_PREFIX = statement(
  'api_keys_by_prefix',
  `SELECT id, tenant_id AS "tenantId", user_id AS "userId", secret_hash AS "secretHash",
          previous_secret_hash AS "previousSecretHash",
          previous_valid_until AS "previousValidUntil", scopes, expires_at AS "expiresAt",
          rate_limit_per_minute AS "rateLimitPerMinute", revoked_at AS "revokedAt"
   FROM api_keys WHERE prefix = $1`,
);
// The owner's row lock makes concurrent creates of one user count one after another.
const LOCK_OWNER = statement('api_keys_lock_owner', `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`);
const COUNT_LIVE = statement(
  'api_keys_count_live',
  `SELECT count(*)::int AS n FROM api_keys
   WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
);
const INSERT = statement(
  'api_keys_insert',
  `INSERT INTO api_keys (id, tenant_id, user_id, name, prefix, secret_hash, scopes, expires_at,
     rate_limit_per_minute)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${FIELDS}`,
);
// Tenant first; a null user lists the whole tenant (admins), a null cursor starts at the top.
const LIST = statement(
  'api_keys_list',
  `SELECT ${FIELDS} FROM api_keys
   WHERE tenant_id = $1 AND revoked_at IS NULL
     AND ($2::uuid IS NULL OR user_id = $2) AND ($3::uuid IS NULL OR id > $3)
   ORDER BY id LIMIT $4`,
);
const OF_USER = statement(
  'api_keys_of_user',
  `SELECT ${FIELDS} FROM api_keys WHERE user_id = $1 ORDER BY id`,
);
// Locked: a rotation and a revocation of one key run one after another.
const LIVE_IN_TENANT_LOCKED = statement(
  'api_keys_live_locked',
  `SELECT ${FIELDS} FROM api_keys
   WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL AND ($3::uuid IS NULL OR user_id = $3)
   FOR UPDATE`,
);
// The old secret stays valid for $3 seconds when $3 > 0, else stops at once.
const ROTATE = statement(
  'api_keys_rotate',
  `UPDATE api_keys SET previous_secret_hash = CASE WHEN $3 > 0 THEN secret_hash END,
     previous_valid_until = CASE WHEN $3 > 0 THEN now() + make_interval(secs => $3) END,
     secret_hash = $2, updated_at = now()
   WHERE id = $1`,
);
const REVOKE = statement(
  'api_keys_revoke',
  `UPDATE api_keys SET revoked_at = now(), updated_at = now() WHERE id = $1`,
);
const REVOKE_OF_USER = statement(
  'api_keys_revoke_of_user',
  `UPDATE api_keys SET revoked_at = now(), updated_at = now()
   WHERE user_id = $1 AND revoked_at IS NULL`,
);
const ADD_USAGE = statement(
  'api_keys_add_usage',
  `UPDATE api_keys k SET usage_count = k.usage_count + v.c,
     last_used_at = GREATEST(k.last_used_at, v.t)
   FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS v(id, c, t)
   WHERE k.id = v.id`,
);

// Instance-wide by design: an operator gauge over all tenants, never served to a tenant.
const COUNT_NOT_REVOKED = statement(
  'api_keys_count_not_revoked',
  `SELECT count(*)::int AS n FROM api_keys WHERE revoked_at IS NULL`,
);

/**
 * Every query of the api_keys table. Listing and changing keys are scoped to the caller's
 * tenant from the request context; verification is by prefix (the key names no tenant), usage
 * and revocation of a user's keys by user id. Statements are prepared once per connection, run
 * in the given transaction or on the pool.
 */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async findByPrefix(prefix: string): Promise<ApiKeyAuthRow | null> {
    const [row] = await preparedQuery<ApiKeyAuthRow>(this.dataSource.manager, BY_PREFIX, [prefix]);
    return row ?? null;
  }

  /** Locks the owner, then counts its live keys: the count holds until the transaction ends. */
  async countLiveLocked(tx: EntityManager, userId: string): Promise<number> {
    await preparedQuery(tx, LOCK_OWNER, [userId]);
    const [row] = await preparedQuery<{ n: number }>(tx, COUNT_LIVE, [userId]);
    return row.n;
  }

  async insert(tx: EntityManager, key: NewApiKey): Promise<ApiKeyRow> {
    const [row] = await preparedQuery<ApiKeyRow>(tx, INSERT, [
      key.id,
      key.tenantId,
      key.userId,
      key.name,
      key.prefix,
      key.secretHash,
      key.scopes,
      key.expiresAt,
      key.rateLimitPerMinute,
    ]);
    return row;
  }

  /** Live keys of the caller's tenant by id: one user's, or every user's when `userId` is null. */
  list(filter: { userId: string | null; afterId?: string; limit: number }): Promise<ApiKeyRow[]> {
    return preparedQuery<ApiKeyRow>(this.dataSource.manager, LIST, [
      RequestContext.tenantId(),
      filter.userId,
      filter.afterId ?? null,
      filter.limit,
    ]);
  }

  /** Every key of a user, revoked ones too (the data export). */
  listForUser(userId: string): Promise<ApiKeyRow[]> {
    return preparedQuery<ApiKeyRow>(this.dataSource.manager, OF_USER, [userId]);
  }

  /** A live key of the caller's tenant, locked; only `ownerId`'s unless that is null. */
  async findLiveLocked(
    tx: EntityManager,
    id: string,
    ownerId: string | null,
  ): Promise<ApiKeyRow | null> {
    const [row] = await preparedQuery<ApiKeyRow>(tx, LIVE_IN_TENANT_LOCKED, [
      id,
      RequestContext.tenantId(),
      ownerId,
    ]);
    return row ?? null;
  }

  /** A new secret hash; the old one stays valid for `graceSeconds`. */
  async rotate(
    tx: EntityManager,
    id: string,
    secretHash: Buffer,
    graceSeconds: number,
  ): Promise<void> {
    await preparedQuery(tx, ROTATE, [id, secretHash, graceSeconds]);
  }

  async revoke(tx: EntityManager, id: string): Promise<void> {
    await preparedQuery(tx, REVOKE, [id]);
  }

  async revokeForUser(tx: EntityManager, userId: string): Promise<void> {
    await preparedQuery(tx, REVOKE_OF_USER, [userId]);
  }

  /** Adds batched use counts and last-use times, one statement for the whole batch. */
  async addUsage(batch: Array<{ id: string; count: number; lastUsedAt: Date }>): Promise<void> {
    await preparedQuery(this.dataSource.manager, ADD_USAGE, [
      batch.map((u) => u.id),
      batch.map((u) => u.count),
      batch.map((u) => u.lastUsedAt),
    ]);
  }

  /** Keys not revoked, of every tenant (the api_keys_total gauge). */
  async countNotRevoked(): Promise<number> {
    const [row] = await preparedQuery<{ n: number }>(
      this.dataSource.manager,
      COUNT_NOT_REVOKED,
      [],
    );
    return row?.n ?? 0;
  }
}

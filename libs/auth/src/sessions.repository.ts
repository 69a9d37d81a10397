import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { preparedQuery, statement } from '@app/database';

/** What the per-request check needs of a session. */
export interface SessionStateRow {
  userId: string;
  tenantId: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface SessionOwnerRow {
  userId: string;
  tenantId: string;
}

/** A refresh token already rotated, with what the reuse rules need. */
export interface UsedTokenRow extends SessionOwnerRow {
  sessionId: string;
  successorCiphertext: Buffer | null;
  inGrace: boolean;
}

/** A session as the data export shows it: no token material. */
export interface SessionExportRow {
  id: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
  lastRefreshedAt: Date | null;
  ip: string | null;
  userAgent: string | null;
}

// The hot path: one primary-key read per cache miss of an authenticated request.
const STATE = statement(
  'sessions_state',
  `SELECT user_id AS "userId", tenant_id AS "tenantId", expires_at AS "expiresAt",
          revoked_at AS "revokedAt"
   FROM sessions WHERE id = $1`,
);
const INSERT = statement(
  'sessions_insert',
  `INSERT INTO sessions (id, user_id, tenant_id, expires_at, ip, user_agent)
   VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5, $6)`,
);
const INSERT_TOKEN = statement(
  'refresh_tokens_insert',
  `INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)`,
);
// `used_at IS NULL` under the row lock: of concurrent rotations of one token exactly one wins.
const USE_TOKEN = statement(
  'refresh_tokens_use',
  `UPDATE refresh_tokens SET used_at = now(), successor_ciphertext = $2
   WHERE token_hash = $1 AND used_at IS NULL RETURNING session_id AS "sessionId"`,
);
// Locked, so a revocation cannot slip between the check and the new token.
const LIVE_LOCKED = statement(
  'sessions_live_locked',
  `SELECT user_id AS "userId", tenant_id AS "tenantId" FROM sessions
   WHERE id = $1 AND revoked_at IS NULL AND expires_at > now() FOR UPDATE`,
);
const LIVE = statement(
  'sessions_live',
  `SELECT user_id AS "userId", tenant_id AS "tenantId" FROM sessions
   WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()`,
);
const EXTEND = statement(
  'sessions_extend',
  `UPDATE sessions SET last_refreshed_at = now(), expires_at = now() + make_interval(secs => $2)
   WHERE id = $1`,
);
const USED_TOKEN = statement(
  'refresh_tokens_used',
  `SELECT r.session_id AS "sessionId", r.successor_ciphertext AS "successorCiphertext",
          r.used_at > now() - make_interval(secs => $2) AS "inGrace",
          s.user_id AS "userId", s.tenant_id AS "tenantId"
   FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id
   WHERE r.token_hash = $1`,
);
const REVOKE = statement(
  'sessions_revoke',
  `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
   WHERE id = $1 AND revoked_at IS NULL`,
);
const REVOKE_OTHERS = statement(
  'sessions_revoke_others',
  `UPDATE sessions SET revoked_at = now(), revoked_reason = $3
   WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2::uuid RETURNING id`,
);
const OF_USER = statement(
  'sessions_of_user',
  `SELECT id, created_at AS "createdAt", expires_at AS "expiresAt", revoked_at AS "revokedAt",
          revoked_reason AS "revokedReason", last_refreshed_at AS "lastRefreshedAt", ip,
          user_agent AS "userAgent"
   FROM sessions WHERE user_id = $1 ORDER BY id`,
);

// Instance-wide by design: an operator gauge over all tenants, never served to a tenant.
const COUNT_ACTIVE = statement(
  'sessions_count_active',
  `SELECT count(*)::int AS n FROM sessions WHERE revoked_at IS NULL AND expires_at > now()`,
);

/**
 * Every query of sessions (refresh-token families) and their refresh tokens, by session id,
 * token hash or user id: a session is found before its tenant is known (the token names it).
 * Statements are prepared once per connection, run in the given transaction or on the pool.
 */
@Injectable()
export class SessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async findState(sessionId: string): Promise<SessionStateRow | null> {
    const [row] = await preparedQuery<SessionStateRow>(this.dataSource.manager, STATE, [sessionId]);
    return row ?? null;
  }

  /** A new session, expiring `ttlSeconds` from now, with its first refresh token. */
  async insert(
    tx: EntityManager,
    session: {
      id: string;
      userId: string;
      tenantId: string;
      ttlSeconds: number;
      ip: string | null;
      userAgent: string | null;
    },
    tokenHash: Buffer,
  ): Promise<void> {
    await preparedQuery(tx, INSERT, [
      session.id,
      session.userId,
      session.tenantId,
      session.ttlSeconds,
      session.ip,
      session.userAgent,
    ]);
    await preparedQuery(tx, INSERT_TOKEN, [tokenHash, session.id]);
  }

  /** Marks an unused token used; the session it belongs to, or null when it was used already. */
  async useToken(
    tx: EntityManager,
    tokenHash: Buffer,
    successorCiphertext: Buffer | null,
  ): Promise<string | null> {
    const [row] = await preparedQuery<{ sessionId: string }>(tx, USE_TOKEN, [
      tokenHash,
      successorCiphertext,
    ]);
    return row?.sessionId ?? null;
  }

  /** The owner of a live (neither revoked nor expired) session; locked when in a transaction. */
  async findLive(sessionId: string, tx?: EntityManager): Promise<SessionOwnerRow | null> {
    const [row] = await preparedQuery<SessionOwnerRow>(
      tx ?? this.dataSource.manager,
      tx ? LIVE_LOCKED : LIVE,
      [sessionId],
    );
    return row ?? null;
  }

  /** The successor token and a new expiry, `ttlSeconds` from now. */
  async extend(
    tx: EntityManager,
    sessionId: string,
    successorHash: Buffer,
    ttlSeconds: number,
  ): Promise<void> {
    await preparedQuery(tx, INSERT_TOKEN, [successorHash, sessionId]);
    await preparedQuery(tx, EXTEND, [sessionId, ttlSeconds]);
  }

  /** A token that was already used; `inGrace` when that was less than `graceSeconds` ago. */
  async findUsedToken(tokenHash: Buffer, graceSeconds: number): Promise<UsedTokenRow | null> {
    const [row] = await preparedQuery<UsedTokenRow>(this.dataSource.manager, USED_TOKEN, [
      tokenHash,
      graceSeconds,
    ]);
    return row ?? null;
  }

  async revoke(tx: EntityManager, sessionId: string, reason: string): Promise<void> {
    await preparedQuery(tx, REVOKE, [sessionId, reason]);
  }

  /** Revokes the user's live sessions except `keepId`; the ids it revoked. */
  async revokeForUser(
    tx: EntityManager,
    userId: string,
    reason: string,
    keepId: string | null = null,
  ): Promise<string[]> {
    const rows = await preparedQuery<{ id: string }>(tx, REVOKE_OTHERS, [userId, keepId, reason]);
    return rows.map((r) => r.id);
  }

  listForUser(userId: string): Promise<SessionExportRow[]> {
    return preparedQuery<SessionExportRow>(this.dataSource.manager, OF_USER, [userId]);
  }

  /** Sessions neither revoked nor expired, of every tenant (the auth_active_sessions gauge). */
  async countActive(): Promise<number> {
    const [row] = await preparedQuery<{ n: number }>(this.dataSource.manager, COUNT_ACTIVE, []);
    return row?.n ?? 0;
  }
}

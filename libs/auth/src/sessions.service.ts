import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '@app/audit';
import type { Principal } from '@app/common';
import { AppConfig } from '@app/config';
import { PgNotifications } from '@app/database';
import { type CacheMetrics, MetricsService, evictWhenFull } from '@app/metrics';
import {
  IDENTITY_CHANNEL,
  UsersService,
  assertKey,
  parseIdentityEvent,
  type IdentityEvent,
} from '@app/users';
import { AuthErrorCode, AuthException } from './auth.exception';
import { type AccessClaims, TokensService } from './tokens.service';

interface SessionState {
  userId: string;
  tenantId: string;
  expiresAt: number;
  revoked: boolean;
}

export interface IssuedSession {
  sessionId: string;
  userId: string;
  tenantId: string;
  refreshToken: string;
}

const CACHE_MS = 30_000;

/**
 * Sessions (refresh-token families): creation, rotation with reuse detection, revocation, and
 * the in-memory validity cache every authenticated request reads. Revocations reach every
 * replica through LISTEN/NOTIFY; the revoking replica drops its own entry at once.
 */
@Injectable()
export class SessionsService implements OnModuleInit {
  private readonly cache = new Map<string, { state: SessionState | null; until: number }>();
  @Optional() @Inject(MetricsService) private readonly metrics?: MetricsService;
  private cacheMeter?: CacheMetrics;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: TokensService,
    private readonly users: UsersService,
    private readonly notifications: PgNotifications,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.cacheMeter = this.metrics?.identityCache('sessions', () => this.cache.size);
    this.notifications.subscribe(IDENTITY_CHANNEL, (payload) => {
      const event = parseIdentityEvent(payload);
      if (event?.kind === 'session') this.cache.delete(event.id);
      if (event?.kind === 'user') this.forgetUser(event.id);
    });
    this.notifications.onReset(() => this.cache.clear());
    this.users.onUserEnded((manager, userId) => this.revokeAllForUser(manager, userId));
  }

  /** A new session with its first refresh token. */
  async create(
    user: { id: string; tenantId: string },
    client: { ip?: string | null; userAgent?: string | null },
  ): Promise<IssuedSession> {
    const sessionId = uuidv7();
    const refreshToken = this.tokens.newRefreshToken();
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO sessions (id, user_id, tenant_id, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5, $6)`,
        [
          sessionId,
          user.id,
          user.tenantId,
          this.config.refreshTokenTtlSeconds,
          client.ip ?? null,
          client.userAgent ?? null,
        ],
      );
      await manager.query(`INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)`, [
        this.tokens.hashRefreshToken(refreshToken),
        sessionId,
      ]);
    });
    return { sessionId, userId: user.id, tenantId: user.tenantId, refreshToken };
  }

  /**
   * Rotates a refresh token: exactly one caller wins a given token (row lock + `used_at IS
   * NULL`). A token already used is reuse: the whole session is revoked, unless it was used
   * within the grace window, in which case the same successor is returned.
   */
  async rotate(refreshToken: string): Promise<IssuedSession> {
    const hash = this.tokens.hashRefreshToken(refreshToken);
    const successor = this.tokens.newRefreshToken();
    const grace = this.config.refreshReuseGraceSeconds;
    const won = await this.dataSource.transaction(async (manager) => {
      const used = await manager.query<[Array<{ session_id: string }>, number]>(
        `UPDATE refresh_tokens SET used_at = now(), successor_ciphertext = $2
         WHERE token_hash = $1 AND used_at IS NULL RETURNING session_id`,
        [hash, grace > 0 ? this.tokens.sealSuccessor(successor) : null],
      );
      const sessionId = used[0][0]?.session_id;
      if (!sessionId) return null;
      const session = await this.loadLive(manager, sessionId);
      if (!session) throw new AuthException(AuthErrorCode.INVALID_REFRESH_TOKEN);
      await manager.query(`INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)`, [
        this.tokens.hashRefreshToken(successor),
        sessionId,
      ]);
      await manager.query(
        `UPDATE sessions SET last_refreshed_at = now(),
           expires_at = now() + make_interval(secs => $2) WHERE id = $1`,
        [sessionId, this.config.refreshTokenTtlSeconds],
      );
      return { sessionId, userId: session.user_id, tenantId: session.tenant_id };
    });
    if (won) {
      this.audit.enqueue({
        action: 'auth.refresh',
        resourceType: 'session',
        resourceId: won.sessionId,
        tenantId: won.tenantId,
        actor: { userId: won.userId, username: null },
      });
      return { ...won, refreshToken: successor };
    }
    return this.handleUsedToken(hash, grace);
  }

  private async handleUsedToken(hash: Buffer, grace: number): Promise<IssuedSession> {
    const rows = await this.dataSource.query<
      Array<{
        session_id: string;
        successor_ciphertext: Buffer | null;
        in_grace: boolean;
        user_id: string;
        tenant_id: string;
      }>
    >(
      `SELECT r.session_id, r.successor_ciphertext,
              r.used_at > now() - make_interval(secs => $2) AS in_grace,
              s.user_id, s.tenant_id
       FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id
       WHERE r.token_hash = $1`,
      [hash, grace],
    );
    const row = rows[0];
    if (!row) throw new AuthException(AuthErrorCode.INVALID_REFRESH_TOKEN);
    if (grace > 0 && row.in_grace && row.successor_ciphertext) {
      const successor = this.tokens.openSuccessor(row.successor_ciphertext);
      const live = await this.loadLive(this.dataSource.manager, row.session_id);
      if (successor && live) {
        return {
          sessionId: row.session_id,
          userId: row.user_id,
          tenantId: row.tenant_id,
          refreshToken: successor,
        };
      }
    }
    await this.revoke(row.session_id, 'refresh_reuse');
    this.audit.enqueue({
      action: 'auth.refresh_reuse',
      resourceType: 'session',
      resourceId: row.session_id,
      severity: 'critical',
      statusCode: 401,
      tenantId: row.tenant_id,
      actor: { userId: row.user_id, username: null },
    });
    throw new AuthException(AuthErrorCode.REFRESH_TOKEN_REUSED);
  }

  /** Ends one session: its refresh token and its access tokens stop working at once. */
  async revoke(sessionId: string, reason: string, manager?: EntityManager): Promise<void> {
    assertKey(sessionId);
    const run = async (m: EntityManager): Promise<void> => {
      await m.query(
        `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
         WHERE id = $1 AND revoked_at IS NULL`,
        [sessionId, reason],
      );
      await this.notify(m, { kind: 'session', id: sessionId });
    };
    if (manager) await run(manager);
    else await this.dataSource.transaction(run);
    this.cache.delete(sessionId);
  }

  /** Ends every session of a user but one (password change). */
  async revokeOthers(manager: EntityManager, userId: string, keepSessionId: string | undefined) {
    assertKey(userId);
    const result = await manager.query<[Array<{ id: string }>, number]>(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = 'password_change'
       WHERE user_id = $1 AND revoked_at IS NULL AND id <> $2 RETURNING id`,
      [userId, keepSessionId ?? '00000000-0000-0000-0000-000000000000'],
    );
    for (const { id } of result[0]) {
      await this.notify(manager, { kind: 'session', id });
      this.cache.delete(id);
    }
  }

  /** Ends every session of a user (deactivation, erasure). */
  async revokeAllForUser(manager: EntityManager, userId: string): Promise<void> {
    assertKey(userId);
    await manager.query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = 'user_ended'
       WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId],
    );
    this.forgetUser(userId);
  }

  /** The caller behind a verified access token, or null when its session or user is gone. */
  async principalFor(claims: AccessClaims): Promise<Principal | null> {
    const session = await this.sessionState(claims.sid);
    if (
      !session ||
      session.revoked ||
      session.expiresAt <= Date.now() ||
      session.userId !== claims.sub
    )
      return null;
    const user = await this.users.currentAuthState(claims.sub);
    if (!user || !user.isActive || user.tenantId !== session.tenantId) return null;
    return {
      userId: user.id,
      tenantId: user.tenantId,
      username: user.username,
      role: user.role,
      method: 'jwt',
      sessionId: claims.sid,
    };
  }

  /** The sessions of a user (for the data export): no token material. */
  async listForUser(userId: string) {
    assertKey(userId);
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT id, created_at, expires_at, revoked_at, revoked_reason, last_refreshed_at, ip, user_agent
       FROM sessions WHERE user_id = $1 ORDER BY id`,
      [userId],
    );
    return rows.map((r) => ({
      id: r.id as string,
      createdAt: (r.created_at as Date).toISOString(),
      expiresAt: (r.expires_at as Date).toISOString(),
      revokedAt: r.revoked_at ? (r.revoked_at as Date).toISOString() : null,
      revokedReason: (r.revoked_reason as string | null) ?? null,
      lastRefreshedAt: r.last_refreshed_at ? (r.last_refreshed_at as Date).toISOString() : null,
      ip: (r.ip as string | null) ?? null,
      userAgent: (r.user_agent as string | null) ?? null,
    }));
  }

  private async sessionState(sessionId: string): Promise<SessionState | null> {
    const now = Date.now();
    const cached = this.cache.get(sessionId);
    const fresh = cached !== undefined && cached.until > now && this.notifications.isLive;
    this.cacheMeter?.lookup(fresh);
    if (fresh) return cached.state;
    const rows = await this.dataSource.query<
      Array<{ user_id: string; tenant_id: string; expires_at: Date; revoked_at: Date | null }>
    >(`SELECT user_id, tenant_id, expires_at, revoked_at FROM sessions WHERE id = $1`, [sessionId]);
    const row = rows[0];
    const state = row
      ? {
          userId: row.user_id,
          tenantId: row.tenant_id,
          expiresAt: row.expires_at.getTime(),
          revoked: row.revoked_at !== null,
        }
      : null;
    evictWhenFull(this.cache, 100_000, this.cacheMeter);
    this.cache.set(sessionId, { state, until: now + CACHE_MS });
    return state;
  }

  private async loadLive(manager: EntityManager, sessionId: string) {
    const rows = await manager.query<Array<{ user_id: string; tenant_id: string }>>(
      `SELECT user_id, tenant_id FROM sessions
       WHERE id = $1 AND revoked_at IS NULL AND expires_at > now() FOR UPDATE`,
      [sessionId],
    );
    return rows[0] ?? null;
  }

  private forgetUser(userId: string): void {
    for (const [id, entry] of this.cache) if (entry.state?.userId === userId) this.cache.delete(id);
  }

  private notify(manager: EntityManager, event: IdentityEvent): Promise<void> {
    return this.notifications.notify(manager, IDENTITY_CHANNEL, JSON.stringify(event));
  }
}

import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '@app/audit';
import { IdentityCache, type Principal } from '@app/common';
import { AppConfig } from '@app/config';
import { PgNotifications } from '@app/database';
import { MetricsService } from '@app/metrics';
import {
  IDENTITY_CHANNEL,
  UsersService,
  assertKey,
  parseIdentityEvent,
  type IdentityEvent,
} from '@app/users';
import { AuthErrorCode, AuthException } from './auth.exception';
import { SessionsRepository } from './sessions.repository';
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
  private readonly cache: IdentityCache<SessionState>;
  @Optional() @Inject(MetricsService) private readonly metrics?: MetricsService;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokensService,
    private readonly users: UsersService,
    private readonly notifications: PgNotifications,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {
    this.cache = new IdentityCache(notifications, { ttlMs: CACHE_MS });
  }

  onModuleInit(): void {
    this.cache.meter = this.metrics?.identityCache('sessions', () => this.cache.size);
    this.notifications.subscribe(IDENTITY_CHANNEL, (payload) => {
      const event = parseIdentityEvent(payload);
      if (event?.kind === 'session') this.cache.delete(event.id);
      if (event?.kind === 'user') this.forgetUser(event.id);
    });
    this.users.onUserEnded((manager, userId) => this.revokeAllForUser(manager, userId));
  }

  /** A new session with its first refresh token. */
  async create(
    user: { id: string; tenantId: string },
    client: { ip?: string | null; userAgent?: string | null },
  ): Promise<IssuedSession> {
    const sessionId = uuidv7();
    const refreshToken = this.tokens.newRefreshToken();
    await this.sessions.transaction((tx) =>
      this.sessions.insert(
        tx,
        {
          id: sessionId,
          userId: user.id,
          tenantId: user.tenantId,
          ttlSeconds: this.config.refreshTokenTtlSeconds,
          ip: client.ip ?? null,
          userAgent: client.userAgent ?? null,
        },
        this.tokens.hashRefreshToken(refreshToken),
      ),
    );
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
    const won = await this.sessions.transaction(async (tx) => {
      const sealed = grace > 0 ? this.tokens.sealSuccessor(successor) : null;
      const sessionId = await this.sessions.useToken(tx, hash, sealed);
      if (!sessionId) return null;
      const session = await this.sessions.findLive(sessionId, tx);
      if (!session) throw new AuthException(AuthErrorCode.INVALID_REFRESH_TOKEN);
      await this.sessions.extend(
        tx,
        sessionId,
        this.tokens.hashRefreshToken(successor),
        this.config.refreshTokenTtlSeconds,
      );
      return { sessionId, ...session };
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
    const row = await this.sessions.findUsedToken(hash, grace);
    if (!row) throw new AuthException(AuthErrorCode.INVALID_REFRESH_TOKEN);
    if (grace > 0 && row.inGrace && row.successorCiphertext) {
      const successor = this.tokens.openSuccessor(row.successorCiphertext);
      if (successor && (await this.sessions.findLive(row.sessionId))) {
        const { sessionId, userId, tenantId } = row;
        return { sessionId, userId, tenantId, refreshToken: successor };
      }
    }
    await this.revoke(row.sessionId, 'refresh_reuse');
    this.audit.enqueue({
      action: 'auth.refresh_reuse',
      resourceType: 'session',
      resourceId: row.sessionId,
      severity: 'critical',
      statusCode: 401,
      tenantId: row.tenantId,
      actor: { userId: row.userId, username: null },
    });
    throw new AuthException(AuthErrorCode.REFRESH_TOKEN_REUSED);
  }

  /** Ends one session: its refresh token and its access tokens stop working at once. */
  async revoke(sessionId: string, reason: string, manager?: EntityManager): Promise<void> {
    assertKey(sessionId);
    const run = async (tx: EntityManager): Promise<void> => {
      await this.sessions.revoke(tx, sessionId, reason);
      await this.notify(tx, { kind: 'session', id: sessionId });
    };
    if (manager) await run(manager);
    else await this.sessions.transaction(run);
    this.cache.delete(sessionId);
  }

  /** Ends every session of a user but one (password change). */
  async revokeOthers(manager: EntityManager, userId: string, keepSessionId: string | undefined) {
    assertKey(userId);
    const revoked = await this.sessions.revokeForUser(
      manager,
      userId,
      'password_change',
      keepSessionId ?? null,
    );
    for (const id of revoked) {
      await this.notify(manager, { kind: 'session', id });
      this.cache.delete(id);
    }
  }

  /** Ends every session of a user (deactivation, erasure). */
  async revokeAllForUser(manager: EntityManager, userId: string): Promise<void> {
    assertKey(userId);
    await this.sessions.revokeForUser(manager, userId, 'user_ended');
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
    const rows = await this.sessions.listForUser(userId);
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.createdAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
      revokedAt: r.revokedAt?.toISOString() ?? null,
      revokedReason: r.revokedReason,
      lastRefreshedAt: r.lastRefreshedAt?.toISOString() ?? null,
      ip: r.ip,
      userAgent: r.userAgent,
    }));
  }

  private sessionState(sessionId: string): Promise<SessionState | null> {
    return this.cache.get(sessionId, async (id) => {
      const row = await this.sessions.findState(id);
      if (!row) return null;
      return {
        userId: row.userId,
        tenantId: row.tenantId,
        expiresAt: row.expiresAt.getTime(),
        revoked: row.revokedAt !== null,
      };
    });
  }

  private forgetUser(userId: string): void {
    this.cache.deleteWhere((state) => state.userId === userId);
  }

  private notify(manager: EntityManager, event: IdentityEvent): Promise<void> {
    return this.notifications.notify(manager, IDENTITY_CHANNEL, JSON.stringify(event));
  }
}

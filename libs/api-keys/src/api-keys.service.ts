import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  Inject,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '@app/audit';
import {
  LOGGER,
  RequestContext,
  decodeCursor,
  encodeCursor,
  type ApiKeyScope,
  type Logger,
  type Page,
  type Principal,
  type Role,
} from '@app/common';
import { AppConfig } from '@app/config';
import { PgNotifications } from '@app/database';
import { type CacheMetrics, MetricsService, evictWhenFull } from '@app/metrics';
import { IDENTITY_CHANNEL, UsersService, assertKey, parseIdentityEvent } from '@app/users';
import { ApiKeysErrorCode, ApiKeysException } from './api-keys.exception';
import type { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import type { CreateApiKeyDto } from './dto/create-api-key.dto';
import type { ListApiKeysDto } from './dto/list-api-keys.dto';
import { ApiKeyEntity } from './entities/api-key.entity';

/** `cb_<8-char prefix>_<43-char base64url secret = 256 bits>`. */
const KEY_FORMAT = /^cb_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const CACHE_MS = 30_000;
const MISS_CACHE_MS = 5_000;
const FLUSH_MS = 5_000;

const SCOPES_BY_ROLE: Record<Role, ApiKeyScope[]> = {
  admin: ['read', 'write', 'admin'],
  user: ['read', 'write'],
  guest: ['read'],
};

interface KeyRecord {
  id: string;
  tenantId: string;
  userId: string;
  secretHash: Buffer;
  previousSecretHash: Buffer | null;
  previousValidUntil: number | null;
  scopes: ApiKeyScope[];
  expiresAt: number | null;
  rateLimitPerMinute: number | null;
  revoked: boolean;
}

/**
 * API keys: creation, rotation with a grace period, revocation, and per-request verification by
 * an indexed prefix lookup plus a constant-time SHA-256 compare, cached in memory and dropped on
 * every replica by NOTIFY. Usage (`lastUsedAt`, `usageCount`) is batched, never a write per
 * request.
 */
@Injectable()
export class ApiKeysService implements OnModuleInit, OnApplicationShutdown {
  /** Every replica drops this key from its cache when the transaction commits. */
  private async notifyKey(manager: EntityManager, id: string): Promise<void> {
    await this.notifications.notify(
      manager,
      IDENTITY_CHANNEL,
      JSON.stringify({ kind: 'api_key', id }),
    );
  }
  private readonly cache = new Map<string, { record: KeyRecord | null; until: number }>();
  @Optional() @Inject(MetricsService) private readonly metrics?: MetricsService;
  private cacheMeter?: CacheMetrics;
  private readonly usage = new Map<string, { count: number; lastUsedAt: Date }>();
  private flushTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly notifications: PgNotifications,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.cacheMeter = this.metrics?.identityCache('api_keys', () => this.cache.size);
    this.notifications.subscribe(IDENTITY_CHANNEL, (payload) => {
      const event = parseIdentityEvent(payload);
      if (event?.kind === 'api_key') this.forget((r) => r.id === event.id);
      if (event?.kind === 'user') this.forget((r) => r.userId === event.id);
    });
    this.notifications.onReset(() => this.cache.clear());
    this.users.onUserEnded((manager, userId) => this.revokeAllForUser(manager, userId));
    this.flushTimer = setInterval(() => void this.flushUsage(), FLUSH_MS);
    this.flushTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flushUsage();
  }

  /** The caller behind a raw `X-API-Key`, or null when it is not a live key of a live user. */
  async authenticate(raw: string): Promise<Principal | null> {
    const match = KEY_FORMAT.exec(raw);
    if (!match) return null;
    const [, prefix, secret] = match;
    const record = await this.lookup(prefix);
    if (!record || record.revoked) return null;
    const now = Date.now();
    if (record.expiresAt !== null && record.expiresAt <= now) return null;
    const hash = sha256(secret);
    const current = timingSafeEqual(hash, record.secretHash);
    const previous =
      record.previousSecretHash !== null &&
      record.previousValidUntil !== null &&
      record.previousValidUntil > now &&
      timingSafeEqual(hash, record.previousSecretHash);
    if (!current && !previous) return null;
    const owner = await this.users.currentAuthState(record.userId);
    if (!owner || !owner.isActive || owner.tenantId !== record.tenantId) return null;
    this.recordUse(record.id);
    return {
      userId: owner.id,
      tenantId: owner.tenantId,
      username: owner.username,
      role: owner.role,
      method: 'api-key',
      apiKeyId: record.id,
      scopes: record.scopes,
      // Capped at request time too: the owner's role (or its limit) may have changed since.
      rateLimitPerMinute: Math.min(
        record.rateLimitPerMinute ?? Number.POSITIVE_INFINITY,
        this.config.rateLimit.perRole[owner.role],
      ),
    };
  }

  async create(dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const principal = currentPrincipal();
    this.assertScopes(principal.role, dto.scopes);
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now())
      throw new ApiKeysException(ApiKeysErrorCode.EXPIRY_IN_PAST);
    const ceiling = this.config.rateLimit.perRole[principal.role];
    if (dto.rateLimitPerMinute !== undefined && dto.rateLimitPerMinute > ceiling) {
      throw new ApiKeysException(
        ApiKeysErrorCode.RATE_LIMIT_EXCEEDS_ROLE,
        `rateLimitPerMinute may be at most ${ceiling}, the limit of your role`,
      );
    }
    const prefix = newPrefix();
    const secret = randomBytes(32).toString('base64url');
    return this.dataSource.transaction(async (manager) => {
      await this.assertBelowKeyCap(manager, principal.userId);
      const entity = await manager.save(
        manager.create(ApiKeyEntity, {
          id: uuidv7(),
          tenantId: principal.tenantId,
          userId: principal.userId,
          name: dto.name,
          prefix,
          secretHash: sha256(secret),
          previousSecretHash: null,
          previousValidUntil: null,
          scopes: dto.scopes,
          expiresAt,
          rateLimitPerMinute: dto.rateLimitPerMinute ?? null,
          lastUsedAt: null,
          revokedAt: null,
        }),
      );
      const after = this.toResponse(entity);
      await this.audit.record(manager, {
        action: 'apikey.create',
        resourceType: 'api_key',
        resourceId: entity.id,
        changes: { before: null, after },
      });
      markAuditRecorded();
      this.cache.delete(prefix);
      return this.toCreated(entity, `cb_${prefix}_${secret}`);
    });
  }

  /**
   * At most API_KEYS_MAX_PER_USER live keys per user. The owner's row is locked first, so
   * concurrent creates of one user count one after another.
   */
  private async assertBelowKeyCap(manager: EntityManager, userId: string): Promise<void> {
    await manager.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [userId]);
    const [{ n }] = await manager.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM api_keys
       WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [userId],
    );
    const max = this.config.apiKeys.maxPerUser;
    if (n >= max) {
      throw new ApiKeysException(
        ApiKeysErrorCode.TOO_MANY_KEYS,
        `You have ${max} live API keys, the most allowed; revoke one first`,
      );
    }
  }

  async list(query: ListApiKeysDto): Promise<Page<ApiKeyDto>> {
    const principal = currentPrincipal();
    if (query.all && principal.role !== 'admin')
      throw new ApiKeysException(ApiKeysErrorCode.ADMIN_ONLY);
    const limit = query.limit ?? 20;
    const qb = this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .where('k.tenantId = :tenantId AND k.revokedAt IS NULL', { tenantId: principal.tenantId })
      .orderBy('k.id', 'ASC')
      .take(limit + 1);
    if (!query.all) qb.andWhere('k.userId = :userId', { userId: principal.userId });
    if (query.cursor) {
      const { id } = decodeCursor(query.cursor, ['id']);
      if (!/^[0-9a-f-]{36}$/i.test(id)) decodeCursor('!', ['id']);
      qb.andWhere('k.id > :after', { after: id });
    }
    const rows = await qb.getMany();
    return {
      items: rows.slice(0, limit).map((k) => this.toResponse(k)),
      nextCursor: rows.length > limit ? encodeCursor({ id: rows[limit - 1].id }) : null,
    };
  }

  /** Every key of a user, revoked ones too, for the data export (never a secret). */
  async listForExport(userId: string): Promise<Array<ApiKeyDto & { revokedAt: string | null }>> {
    assertKey(userId);
    const rows = await this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .where('k.userId = :userId', { userId })
      .orderBy('k.id', 'ASC')
      .getMany();
    return rows.map((k) => ({ ...this.toResponse(k), revokedAt: iso(k.revokedAt) }));
  }

  /** A new secret; the old one keeps working for `graceSeconds`. */
  async rotate(id: string, graceSeconds = 0): Promise<CreatedApiKeyDto> {
    const secret = randomBytes(32).toString('base64url');
    return this.dataSource
      .transaction(async (manager) => {
        const entity = await this.loadOwned(manager, id);
        // A new secret goes to its owner only: an admin may revoke another user's key, not take it.
        if (entity.userId !== currentPrincipal().userId) {
          throw new ApiKeysException(ApiKeysErrorCode.ROTATE_OWN_ONLY);
        }
        const before = this.toResponse(entity);
        const [rows] = await manager.query<[Array<{ updated_at: Date }>, number]>(
          `UPDATE api_keys SET previous_secret_hash = CASE WHEN $3 > 0 THEN secret_hash END,
             previous_valid_until = CASE WHEN $3 > 0 THEN now() + make_interval(secs => $3) END,
             secret_hash = $2, updated_at = now()
           WHERE id = $1 RETURNING updated_at`,
          [entity.id, sha256(secret), graceSeconds],
        );
        entity.updatedAt = rows[0].updated_at;
        await this.notifyKey(manager, entity.id);
        await this.audit.record(manager, {
          action: 'apikey.rotate',
          resourceType: 'api_key',
          resourceId: entity.id,
          changes: { before, after: { ...before, graceSeconds } },
        });
        markAuditRecorded();
        return this.toCreated(entity, `cb_${entity.prefix}_${secret}`);
      })
      .finally(() => this.forget((r) => r.id === id));
  }

  /** Revoked at once, on every replica. */
  async revoke(id: string): Promise<void> {
    await this.dataSource
      .transaction(async (manager) => {
        const entity = await this.loadOwned(manager, id);
        const before = this.toResponse(entity);
        await manager.query(
          `UPDATE api_keys SET revoked_at = now(), updated_at = now() WHERE id = $1`,
          [entity.id],
        );
        await this.notifyKey(manager, entity.id);
        await this.audit.record(manager, {
          action: 'apikey.revoke',
          resourceType: 'api_key',
          resourceId: entity.id,
          changes: { before, after: null },
        });
        markAuditRecorded();
      })
      .finally(() => this.forget((r) => r.id === id));
  }

  /** Writes the batched usage counters (every few seconds and on shutdown). */
  async flushUsage(): Promise<void> {
    if (this.usage.size === 0) return;
    const batch = [...this.usage.entries()];
    this.usage.clear();
    try {
      await this.dataSource.query(
        `UPDATE api_keys k SET usage_count = k.usage_count + v.c,
           last_used_at = GREATEST(k.last_used_at, v.t)
         FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS v(id, c, t)
         WHERE k.id = v.id`,
        [
          batch.map(([id]) => id),
          batch.map(([, u]) => u.count),
          batch.map(([, u]) => u.lastUsedAt),
        ],
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'could not write API key usage; will retry');
      for (const [id, u] of batch) {
        const pending = this.usage.get(id);
        this.usage.set(id, {
          count: u.count + (pending?.count ?? 0),
          lastUsedAt: pending?.lastUsedAt ?? u.lastUsedAt,
        });
      }
    }
  }

  /** Every live key of the user, in the caller's transaction (deactivation, password change). */
  async revokeAllForUser(manager: EntityManager, userId: string): Promise<void> {
    await manager.query(
      `UPDATE api_keys SET revoked_at = now(), updated_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId],
    );
    // Other replicas drop the user's cached keys when this commits, as for one key.
    await this.notifications.notify(
      manager,
      IDENTITY_CHANNEL,
      JSON.stringify({ kind: 'user', id: userId }),
    );
    this.forget((r) => r.userId === userId);
  }

  private recordUse(id: string): void {
    const entry = this.usage.get(id);
    if (entry) {
      entry.count += 1;
      entry.lastUsedAt = new Date();
    } else {
      this.usage.set(id, { count: 1, lastUsedAt: new Date() });
    }
  }

  private async lookup(prefix: string): Promise<KeyRecord | null> {
    const now = Date.now();
    const cached = this.cache.get(prefix);
    const fresh = cached !== undefined && cached.until > now && this.notifications.isLive;
    this.cacheMeter?.lookup(fresh);
    if (fresh) return cached.record;
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        tenant_id: string;
        user_id: string;
        secret_hash: Buffer;
        previous_secret_hash: Buffer | null;
        previous_valid_until: Date | null;
        scopes: ApiKeyScope[];
        expires_at: Date | null;
        rate_limit_per_minute: number | null;
        revoked_at: Date | null;
      }>
    >(
      `SELECT id, tenant_id, user_id, secret_hash, previous_secret_hash, previous_valid_until,
              scopes, expires_at, rate_limit_per_minute, revoked_at
       FROM api_keys WHERE prefix = $1`,
      [prefix],
    );
    const row = rows[0];
    const record: KeyRecord | null = row
      ? {
          id: row.id,
          tenantId: row.tenant_id,
          userId: row.user_id,
          secretHash: row.secret_hash,
          previousSecretHash: row.previous_secret_hash,
          previousValidUntil: row.previous_valid_until?.getTime() ?? null,
          scopes: row.scopes,
          expiresAt: row.expires_at?.getTime() ?? null,
          rateLimitPerMinute: row.rate_limit_per_minute,
          revoked: row.revoked_at !== null,
        }
      : null;
    evictWhenFull(this.cache, 50_000, this.cacheMeter);
    this.cache.set(prefix, { record, until: now + (record ? CACHE_MS : MISS_CACHE_MS) });
    return record;
  }

  /** A live key of the caller's tenant that the caller owns (admins: any of the tenant); else 404. */
  private async loadOwned(manager: EntityManager, id: string): Promise<ApiKeyEntity> {
    assertKey(id);
    const principal = currentPrincipal();
    const qb = manager
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .where('k.id = :id AND k.tenantId = :tenantId AND k.revokedAt IS NULL', {
        id,
        tenantId: principal.tenantId,
      })
      .setLock('pessimistic_write');
    if (principal.role !== 'admin') qb.andWhere('k.userId = :userId', { userId: principal.userId });
    const entity = await qb.getOne();
    if (!entity) throw new ApiKeysException(ApiKeysErrorCode.API_KEY_NOT_FOUND);
    return entity;
  }

  private assertScopes(role: Role, scopes: ApiKeyScope[]): void {
    if (!scopes.every((s) => SCOPES_BY_ROLE[role].includes(s)))
      throw new ApiKeysException(ApiKeysErrorCode.SCOPE_EXCEEDS_ROLE);
  }

  private forget(match: (record: KeyRecord) => boolean): void {
    for (const [prefix, entry] of this.cache) {
      if (entry.record && match(entry.record)) this.cache.delete(prefix);
    }
  }

  private toResponse(k: ApiKeyEntity): ApiKeyDto {
    return {
      id: k.id,
      userId: k.userId,
      name: k.name,
      prefix: k.prefix,
      scopes: k.scopes,
      expiresAt: iso(k.expiresAt),
      rateLimitPerMinute: k.rateLimitPerMinute,
      lastUsedAt: iso(k.lastUsedAt),
      usageCount: Number(k.usageCount ?? 0),
      createdAt: k.createdAt.toISOString(),
    };
  }

  private toCreated(k: ApiKeyEntity, key: string): CreatedApiKeyDto {
    return {
      id: k.id,
      name: k.name,
      key,
      prefix: k.prefix,
      scopes: k.scopes,
      expiresAt: iso(k.expiresAt),
      rateLimitPerMinute: k.rateLimitPerMinute,
      createdAt: k.createdAt.toISOString(),
    };
  }
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function newPrefix(): string {
  const bytes = randomBytes(8);
  let out = '';
  // 248 = 4 * 62: rejection-free enough for a public identifier; bias is irrelevant here.
  for (const b of bytes) out += PREFIX_ALPHABET[b % PREFIX_ALPHABET.length];
  return out;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

function currentPrincipal(): Principal {
  const principal = RequestContext.principal();
  if (!principal) throw new Error('No principal in the request context');
  return principal;
}

function markAuditRecorded(): void {
  const store = RequestContext.current();
  if (store) store.auditRecorded = true;
}

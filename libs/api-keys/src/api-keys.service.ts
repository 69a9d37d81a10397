import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  Inject,
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '@app/audit';
import {
  IdentityCache,
  LOGGER,
  RequestContext,
  decodeCursor,
  encodeCursor,
  isUuid,
  type ApiKeyScope,
  type Logger,
  type Page,
  type Principal,
  type Role,
} from '@app/common';
import { AppConfig } from '@app/config';
import { PgNotifications } from '@app/database';
import { MetricsService } from '@app/metrics';
import { IDENTITY_CHANNEL, UsersService, assertKey, parseIdentityEvent } from '@app/users';
import { ApiKeysErrorCode, ApiKeysException } from './api-keys.exception';
import { type ApiKeyAuthRow, type ApiKeyRow, ApiKeysRepository } from './api-keys.repository';
import type { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import type { CreateApiKeyDto } from './dto/create-api-key.dto';
import type { ListApiKeysDto } from './dto/list-api-keys.dto';

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
  /** prefix -> key, dropped by NOTIFY from any replica; unknown prefixes kept briefly. */
  private readonly cache: IdentityCache<KeyRecord>;
  @Optional() @Inject(MetricsService) private readonly metrics?: MetricsService;
  private readonly usage = new Map<string, { count: number; lastUsedAt: Date }>();
  private flushTimer?: NodeJS.Timeout;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly users: UsersService,
    private readonly notifications: PgNotifications,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.cache = new IdentityCache(notifications, { ttlMs: CACHE_MS, missTtlMs: MISS_CACHE_MS });
  }

  onModuleInit(): void {
    this.cache.meter = this.metrics?.identityCache('api_keys', () => this.cache.size);
    this.notifications.subscribe(IDENTITY_CHANNEL, (payload) => {
      const event = parseIdentityEvent(payload);
      if (event?.kind === 'api_key') this.forget((r) => r.id === event.id);
      if (event?.kind === 'user') this.forget((r) => r.userId === event.id);
    });
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
    return this.keys.transaction(async (tx) => {
      await this.assertBelowKeyCap(tx, principal.userId);
      const entity = await this.keys.insert(tx, {
        id: uuidv7(),
        tenantId: principal.tenantId,
        userId: principal.userId,
        name: dto.name,
        prefix,
        secretHash: sha256(secret),
        scopes: dto.scopes,
        expiresAt,
        rateLimitPerMinute: dto.rateLimitPerMinute ?? null,
      });
      const after = toResponse(entity);
      await this.audit.record(tx, {
        action: 'apikey.create',
        resourceType: 'api_key',
        resourceId: entity.id,
        changes: { before: null, after },
      });
      this.cache.delete(prefix);
      return toCreated(entity, `cb_${prefix}_${secret}`);
    });
  }

  /** At most API_KEYS_MAX_PER_USER live keys per user, counted under the owner's row lock. */
  private async assertBelowKeyCap(tx: EntityManager, userId: string): Promise<void> {
    const n = await this.keys.countLiveLocked(tx, userId);
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
    let afterId: string | undefined;
    if (query.cursor) {
      ({ id: afterId } = decodeCursor(query.cursor, ['id']));
      if (!isUuid(afterId)) decodeCursor('!', ['id']);
    }
    const rows = await this.keys.list({
      userId: query.all ? null : principal.userId,
      afterId,
      limit: limit + 1,
    });
    return {
      items: rows.slice(0, limit).map(toResponse),
      nextCursor: rows.length > limit ? encodeCursor({ id: rows[limit - 1].id }) : null,
    };
  }

  /** Every key of a user, revoked ones too, for the data export (never a secret). */
  async listForExport(userId: string): Promise<Array<ApiKeyDto & { revokedAt: string | null }>> {
    assertKey(userId);
    const rows = await this.keys.listForUser(userId);
    return rows.map((k) => ({ ...toResponse(k), revokedAt: iso(k.revokedAt) }));
  }

  /** A new secret; the old one keeps working for `graceSeconds`. */
  async rotate(id: string, graceSeconds = 0): Promise<CreatedApiKeyDto> {
    const secret = randomBytes(32).toString('base64url');
    return this.keys
      .transaction(async (tx) => {
        const entity = await this.loadOwned(tx, id);
        // A new secret goes to its owner only: an admin may revoke another user's key, not take it.
        if (entity.userId !== currentPrincipal().userId) {
          throw new ApiKeysException(ApiKeysErrorCode.ROTATE_OWN_ONLY);
        }
        const before = toResponse(entity);
        await this.keys.rotate(tx, entity.id, sha256(secret), graceSeconds);
        await this.notifyKey(tx, entity.id);
        await this.audit.record(tx, {
          action: 'apikey.rotate',
          resourceType: 'api_key',
          resourceId: entity.id,
          changes: { before, after: { ...before, graceSeconds } },
        });
        return toCreated(entity, `cb_${entity.prefix}_${secret}`);
      })
      .finally(() => this.forget((r) => r.id === id));
  }

  /** Revoked at once, on every replica. */
  async revoke(id: string): Promise<void> {
    await this.keys
      .transaction(async (tx) => {
        const entity = await this.loadOwned(tx, id);
        const before = toResponse(entity);
        await this.keys.revoke(tx, entity.id);
        await this.notifyKey(tx, entity.id);
        await this.audit.record(tx, {
          action: 'apikey.revoke',
          resourceType: 'api_key',
          resourceId: entity.id,
          changes: { before, after: null },
        });
      })
      .finally(() => this.forget((r) => r.id === id));
  }

  /** Writes the batched usage counters (every few seconds and on shutdown). */
  async flushUsage(): Promise<void> {
    if (this.usage.size === 0) return;
    const batch = [...this.usage.entries()];
    this.usage.clear();
    try {
      await this.keys.addUsage(batch.map(([id, u]) => ({ id, ...u })));
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
    await this.keys.revokeForUser(manager, userId);
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

  private lookup(prefix: string): Promise<KeyRecord | null> {
    return this.cache.get(prefix, async (p) => {
      const row = await this.keys.findByPrefix(p);
      return row ? toRecord(row) : null;
    });
  }

  /** Every replica drops this key from its cache when the transaction commits. */
  private async notifyKey(tx: EntityManager, id: string): Promise<void> {
    await this.notifications.notify(tx, IDENTITY_CHANNEL, JSON.stringify({ kind: 'api_key', id }));
  }

  /** A live key of the caller's tenant that the caller owns (admins: any of the tenant); else 404. */
  private async loadOwned(tx: EntityManager, id: string): Promise<ApiKeyRow> {
    assertKey(id);
    const principal = currentPrincipal();
    const owner = principal.role === 'admin' ? null : principal.userId;
    const entity = await this.keys.findLiveLocked(tx, id, owner);
    if (!entity) throw new ApiKeysException(ApiKeysErrorCode.API_KEY_NOT_FOUND);
    return entity;
  }

  private assertScopes(role: Role, scopes: ApiKeyScope[]): void {
    if (!scopes.every((s) => SCOPES_BY_ROLE[role].includes(s)))
      throw new ApiKeysException(ApiKeysErrorCode.SCOPE_EXCEEDS_ROLE);
  }

  private forget(match: (record: KeyRecord) => boolean): void {
    this.cache.deleteWhere(match);
  }
}

function toRecord(row: ApiKeyAuthRow): KeyRecord {
  return {
    id: row.id,
    tenantId: row.tenantId,
    userId: row.userId,
    secretHash: row.secretHash,
    previousSecretHash: row.previousSecretHash,
    previousValidUntil: row.previousValidUntil?.getTime() ?? null,
    scopes: row.scopes,
    expiresAt: row.expiresAt?.getTime() ?? null,
    rateLimitPerMinute: row.rateLimitPerMinute,
    revoked: row.revokedAt !== null,
  };
}

function toResponse(k: ApiKeyRow): ApiKeyDto {
  return {
    id: k.id,
    userId: k.userId,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    expiresAt: iso(k.expiresAt),
    rateLimitPerMinute: k.rateLimitPerMinute,
    lastUsedAt: iso(k.lastUsedAt),
    usageCount: Number(k.usageCount),
    createdAt: k.createdAt.toISOString(),
  };
}

function toCreated(k: ApiKeyRow, key: string): CreatedApiKeyDto {
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

import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { LOGGER, type Logger, RequestContext, type RequestStore, isUuid } from '@app/common';
import { AppConfig } from '@app/config';
import { HealthRegistry } from '@app/health';
import { MetricsService } from '@app/metrics';
import type { AuditEvent, AuditSeverity } from './audit-event';
import {
  type PendingEntry,
  SEAL_BATCH,
  entriesJson,
  insertUnsealed,
  sealChains,
} from './audit-writer';
import { cleanOptional, sanitizeChanges } from './chain/sanitize';

/** The chain of events that happen outside any tenant (anonymous refusals, unknown accounts). */
export const SYSTEM_TENANT_ID = '00000000-0000-0000-0000-000000000000';

const RANK: Record<AuditSeverity, number> = { info: 0, warning: 1, critical: 2 };

/** The least severity an action carries, whatever its caller says (API.md, issue 5). */
const SEVERITY_FLOOR: Record<string, AuditSeverity> = {
  'auth.refresh_reuse': 'critical',
  'auth.lockout': 'critical',
  'auth.locked': 'critical',
  'user.delete': 'critical',
  'audit.cleanup': 'critical',
  'auth.login_failed': 'warning',
  'authz.denied': 'warning',
  'ratelimit.exceeded': 'warning',
  'auth.unauthenticated': 'warning',
};

/** `info` by default, raised to the action's floor, and to `warning` for failed requests. */
export function severityOf(
  action: string,
  requested: AuditSeverity | undefined,
  statusCode: number | null | undefined,
): AuditSeverity {
  let severity: AuditSeverity = requested && requested in RANK ? requested : 'info';
  const floor = SEVERITY_FLOOR[action];
  if (floor && RANK[floor] > RANK[severity]) severity = floor;
  if (statusCode && statusCode >= 400 && severity === 'info') severity = 'warning';
  return severity;
}

export interface AuditQueueOptions {
  /** Entries held before requests are held back (back-pressure). */
  capacity: number;
  /**
   * Entries held at most (a long database outage): beyond it an entry goes to the error log in
   * full instead of memory, counted in audit_queue_overflow_total.
   */
  hardLimit: number;
  /** Longest a request is held back while the queue is full. */
  maxWaitMs: number;
  /** Most entries per INSERT. */
  batchSize: number;
  /** Longest an entry waits before its batch is written. */
  flushIntervalMs: number;
  /**
   * How often to look for unsealed entries nobody announced (another replica's, or a crashed
   * process's); this replica's own are sealed right after their commit.
   */
  sweepIntervalMs: number;
}

export const AUDIT_QUEUE_DEFAULTS: AuditQueueOptions = {
  capacity: 10_000,
  hardLimit: 100_000,
  maxWaitMs: 2_000,
  batchSize: 500,
  flushIntervalMs: 250,
  sweepIntervalMs: 2_000,
};

/** An audit entry built for a caller's own statement (see `AuditService.prepareEntry`). */
export interface PreparedEntry {
  /** The statement's parameter for `entryCte`. */
  json: string;
  entry: PendingEntry;
}

/** Tenants with entries written in a transaction, sealed once it commits. */
const unsealedByTransaction = new WeakMap<QueryRunner, Set<string>>();

/** Requests whose entry a service already produced (so the HTTP hook adds no second one). */
const producedEntry = new WeakSet<RequestStore>();

/** Whether this request already has an entry (recorded in a transaction or queued). */
export function requestHasEntry(store: RequestStore): boolean {
  return store.auditRecorded === true || producedEntry.has(store);
}

/**
 * The audit trail's write side. A change's entry is inserted inside the caller's transaction and
 * sealed into the tenant's hash chain right after commit; reads, refusals and security events go
 * through a bounded queue written (and sealed) in multi-row batches.
 */
@Injectable()
export class AuditService
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly options: AuditQueueOptions = { ...AUDIT_QUEUE_DEFAULTS };
  private queue: PendingEntry[] = [];
  /** Tenants whose committed entries wait for their place in the chain. */
  private unsealed = new Set<string>();
  private lastSweep = 0;
  /** Set when everything queued should be written, not just full batches. */
  private writeAll = false;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private waiters: Array<() => void> = [];
  private consecutiveFailures = 0;
  private retryAt = 0;
  private lastFullLog = 0;
  private closed = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: MetricsService,
    private readonly health: HealthRegistry,
    readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.metrics.setGaugeSource('audit_queue_depth', () => this.queue.length);
    this.health.register('audit_queue', async () => {
      const status = this.isFull || this.consecutiveFailures >= 3 ? 'down' : 'up';
      return {
        audit_queue: {
          status,
          depth: this.queue.length,
          capacity: this.options.capacity,
          consecutiveWriteFailures: this.consecutiveFailures,
        },
      };
    });
    this.timer = setInterval(() => this.tick(), this.options.flushIntervalMs);
    this.timer.unref();
    this.dataSource.subscribers.push({
      afterTransactionCommit: ({ queryRunner }) => this.afterCommit(queryRunner),
      afterTransactionRollback: ({ queryRunner }) => {
        if (!queryRunner.isTransactionActive) unsealedByTransaction.delete(queryRunner);
      },
    });
  }

  /** Seals what a previous run left unsealed (a crash between commit and sealing). */
  onApplicationBootstrap(): void {
    void this.sweep();
  }

  /** For tests and tuning; call before traffic. */
  configureQueue(options: Partial<AuditQueueOptions>): void {
    Object.assign(this.options, options);
    if (this.timer && options.flushIntervalMs) {
      clearInterval(this.timer);
      this.timer = setInterval(() => this.tick(), this.options.flushIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * Records the entry of a change inside the caller's transaction: if this throws, the caller's
   * transaction must roll back, so a committed change always has its entry. The entry is sealed
   * into the tenant's chain right after the transaction commits (no lock is held until then).
   */
  async record(manager: EntityManager, event: AuditEvent): Promise<void> {
    const store = RequestContext.current();
    const entry = this.build(event, store, defaultStatus(store));
    await insertUnsealed(manager, [entry]);
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) {
      const tenants = unsealedByTransaction.get(runner) ?? new Set<string>();
      unsealedByTransaction.set(runner, tenants.add(entry.tenantId));
    } else {
      this.requestSeal(entry.tenantId);
    }
    this.recorded(entry, store);
  }

  /**
   * The entry of a change that one statement makes outside any transaction, as the JSON
   * parameter that the statement's `WITH` item from `entryCte(n)` inserts (atomic with the
   * change). Call `entryCommitted` once the statement has returned.
   */
  prepareEntry(event: AuditEvent): PreparedEntry {
    const store = RequestContext.current();
    const entry = this.build(event, store, defaultStatus(store));
    return { json: entriesJson([entry]), entry };
  }

  /** After the statement carrying a prepared entry succeeded: seal it and count it. */
  entryCommitted({ entry }: PreparedEntry): void {
    this.requestSeal(entry.tenantId);
    this.recorded(entry, RequestContext.current());
  }

  /** A change's entry is in: the HTTP hook adds no second one, and the action is counted. */
  private recorded(entry: PendingEntry, store: RequestStore | undefined): void {
    if (store) store.auditRecorded = true;
    this.metrics.observeAction(entry.action, entry.severity, secondsOf(entry.durationMs));
  }

  /** Seals a tenant's committed entries soon (coalesced with the running batch, if any). */
  requestSeal(tenantId: string): void {
    this.unsealed.add(tenantId);
    void this.flush();
  }

  /**
   * Seals a tenant's committed entries now, so what a caller reads next has its place in the
   * chain (the query side calls it when it sees unsealed entries).
   */
  async sealNow(tenantId: string): Promise<void> {
    this.unsealed.add(tenantId);
    this.retryAt = 0;
    await this.flush();
  }

  /**
   * Erasure: removes a user's username, IP and user agent from the entries they made in the
   * caller's tenant (inside the caller's transaction). The entries stay, and the chain still
   * verifies, because it covers those fields through a digest. Returns the entries changed.
   */
  async pseudonymise(manager: EntityManager, userId: string): Promise<number> {
    const rows = await manager.query<Array<{ n: number }>>(
      `SELECT audit_pseudonymise($1, $2)::int AS n`,
      [RequestContext.tenantId(), userId],
    );
    return rows[0]?.n ?? 0;
  }

  /** Queues an entry about a read, a refusal or a security event; written in batches. */
  enqueue(event: AuditEvent): void {
    const store = RequestContext.current();
    if (store) producedEntry.add(store);
    this.push(this.build(event, store, event.statusCode ?? null));
  }

  /** Queues an entry built from a finished request (the HTTP hook's path). */
  enqueueForRequest(event: AuditEvent, store: RequestStore, statusCode: number): void {
    this.push(this.build({ ...event, statusCode }, store, statusCode));
  }

  /** Counts an action that is not stored (reads while AUDIT_READS=false). */
  countOnly(action: string, severity: AuditSeverity, durationMs: number | null): void {
    this.metrics.observeAction(action, severity, secondsOf(durationMs));
  }

  get isFull(): boolean {
    return this.queue.length >= this.options.capacity;
  }

  get depth(): number {
    return this.queue.length;
  }

  /**
   * Back-pressure: undefined while the queue has room, else a promise that resolves when a
   * flush made room, or after `maxWaitMs` (a database outage must not hang every request, nor
   * keep probes from answering).
   */
  whenWritable(): Promise<void> | undefined {
    if (!this.isFull || this.closed) return undefined;
    void this.flush(true);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.options.maxWaitMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Writes everything queued and seals everything committed so far (tests, shutdown). */
  async drain(deadlineMs = 10_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (this.queue.length > 0 || this.unsealed.size > 0 || this.flushing) {
      if (Date.now() > until) break;
      this.retryAt = 0;
      await this.flush(true);
      if (this.queue.length > 0 && this.consecutiveFailures > 0) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain(5_000);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.dataSource.isInitialized) await this.drain(5_000);
    if (this.queue.length > 0) {
      // Never silently lost: what could not be written goes to the log in full.
      this.logger.error(
        { count: this.queue.length, entries: this.queue },
        'audit entries could not be written before shutdown',
      );
      this.queue = [];
    }
    this.release();
  }

  private push(entry: PendingEntry): void {
    this.metrics.observeAction(entry.action, entry.severity, secondsOf(entry.durationMs));
    if (this.isFull) {
      this.metrics.auditQueueFull.inc();
      const now = Date.now();
      if (now - this.lastFullLog > 5_000) {
        this.lastFullLog = now;
        this.logger.warn(
          { depth: this.queue.length, capacity: this.options.capacity },
          'audit queue is full: holding requests back until it drains',
        );
      }
    }
    if (this.queue.length >= this.options.hardLimit) {
      this.metrics.auditQueueOverflow.inc();
      this.logger.error(
        { auditEntry: entry },
        'audit queue at its hard limit: entry logged, not queued',
      );
      return;
    }
    this.queue.push(entry);
    if (this.hasFullBatch()) void this.flush();
  }

  private afterCommit(runner: QueryRunner): void {
    const tenants = unsealedByTransaction.get(runner);
    if (!tenants || runner.isTransactionActive) return;
    unsealedByTransaction.delete(runner);
    for (const tenantId of tenants) this.unsealed.add(tenantId);
    void this.flush();
  }

  private tick(): void {
    if (Date.now() - this.lastSweep >= this.options.sweepIntervalMs) void this.sweep();
    else void this.flush(true);
  }

  /** Finds tenants with unsealed entries in the database, whoever wrote them, and seals them. */
  private async sweep(): Promise<void> {
    this.lastSweep = Date.now();
    if (!this.dataSource.isInitialized || Date.now() < this.retryAt) return;
    try {
      const rows = await this.dataSource.query<Array<{ tenant_id: string }>>(
        `SELECT DISTINCT tenant_id::text AS tenant_id FROM audit_log WHERE seq IS NULL`,
      );
      for (const row of rows) this.unsealed.add(row.tenant_id);
    } catch (error) {
      this.logger.warn({ err: error }, 'audit sweep for unsealed entries failed');
    }
    await this.flush(true);
  }

  /**
   * Starts writing unless a write is running (whose loop then picks this up). `all` writes
   * everything queued now (the timer, drain, a full queue); otherwise only full batches are
   * written, so under load every INSERT carries `batchSize` entries, and tenants waiting to be
   * sealed are sealed.
   */
  private flush(all = false): Promise<void> {
    if (all) this.writeAll = true;
    if (this.flushing) return this.flushing;
    if (
      (this.queue.length === 0 && this.unsealed.size === 0) ||
      Date.now() < this.retryAt ||
      !this.dataSource.isInitialized
    ) {
      return Promise.resolve();
    }
    this.flushing = this.writeBatches().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private hasFullBatch(): boolean {
    return this.queue.length >= this.options.batchSize;
  }

  private async writeBatches(): Promise<void> {
    for (;;) {
      // A write-everything request covers what is queued now; what arrives meanwhile waits for a
      // full batch or the next tick, instead of trickling out in many small transactions.
      const all = this.writeAll || this.closed || this.isFull;
      this.writeAll = false;
      const take = all || this.hasFullBatch() ? this.options.batchSize : 0;
      const batch = this.queue.slice(0, take);
      if (batch.length === 0 && this.unsealed.size === 0) return;
      const tenants = [...this.unsealed];
      this.unsealed.clear();
      let sealed = 0;
      try {
        sealed = await this.dataSource.transaction(
          async (tx) => (await sealChains(tx, tenants, batch)).sealed,
        );
      } catch (error) {
        for (const tenantId of tenants) this.unsealed.add(tenantId);
        if (all) this.writeAll = true;
        this.consecutiveFailures += 1;
        this.metrics.auditWriteFailures.inc();
        this.retryAt = Date.now() + Math.min(5_000, 100 * 2 ** this.consecutiveFailures);
        this.logger.error(
          { err: error, batch: batch.length, depth: this.queue.length },
          'audit batch write failed; its entries stay queued (or unsealed) and are retried',
        );
        return;
      }
      this.queue.splice(0, batch.length);
      // A full seal batch means more may be waiting for the same tenants.
      if (sealed >= SEAL_BATCH) for (const tenantId of tenants) this.unsealed.add(tenantId);
      this.consecutiveFailures = 0;
      if (!this.isFull) this.release();
    }
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private build(
    event: AuditEvent,
    store: RequestStore | undefined,
    statusCode: number | null,
  ): PendingEntry {
    const principal = store?.principal;
    const actor = event.actor ?? principal;
    const tenantId = event.tenantId ?? principal?.tenantId;
    const durationMs = store
      ? Math.round(Number(process.hrtime.bigint() - store.startedAt) / 1e3) / 1e3
      : null;
    const action = cleanOptional(event.action, 128) ?? 'unknown';
    const status = event.statusCode ?? statusCode;
    return {
      id: uuidv7(),
      tenantId: tenantId && isUuid(tenantId) ? tenantId.toLowerCase() : SYSTEM_TENANT_ID,
      timestamp: new Date(),
      userId: uuidOrNull(actor?.userId),
      username: cleanOptional(actor?.username, 256),
      apiKeyId: uuidOrNull(event.actor ? event.actor.apiKeyId : (principal?.apiKeyId ?? undefined)),
      action,
      resourceType: cleanOptional(event.resourceType, 64),
      resourceId: cleanOptional(event.resourceId, 256),
      method: store?.method ?? null,
      path: store?.route ?? null,
      statusCode: status,
      durationMs,
      ip: cleanOptional(store?.ip, 64),
      userAgent: cleanOptional(store?.userAgent, 512),
      requestId: cleanOptional(store?.requestId, 64),
      severity: severityOf(action, event.severity, status),
      changes: sanitizeChanges(event.changes),
      error: cleanOptional(event.error, 2000),
    };
  }
}

function uuidOrNull(value: string | null | undefined): string | null {
  return value && isUuid(value) ? value.toLowerCase() : null;
}

function secondsOf(ms: number | null): number | undefined {
  return ms === null ? undefined : ms / 1000;
}

/** The status a successful change will be answered with. */
function defaultStatus(store: RequestStore | undefined): number | null {
  if (!store) return null;
  if (store.method === 'POST') return 201;
  if (store.method === 'DELETE') return 204;
  return 200;
}

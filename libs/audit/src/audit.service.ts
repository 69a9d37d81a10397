import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { LOGGER, type Logger, RequestContext, type RequestStore } from '@app/common';
import { HealthRegistry } from '@app/health';
import { MetricsService } from '@app/metrics';
import { actionPolicy } from './audit-actions';
import { AuditMetrics } from './audit-metrics';
import { buildEntry, defaultStatus } from './audit-entry.factory';
import type { AuditEvent, AuditSeverity } from './audit-event';
import { AuditQueue, type AuditQueueOptions } from './audit-queue';
import { AuditSealer } from './audit-sealer';
import { type PendingEntry, entriesJson, insertUnsealed, pseudonymiseUser } from './audit-writer';

/** An audit entry built for a caller's own statement (see `AuditService.prepareEntry`). */
export interface PreparedEntry {
  /** The statement's parameter for `entryCte`. */
  json: string;
  entry: PendingEntry;
}

/** Requests whose entry a service already produced (so the HTTP hook adds no second one). */
const producedEntry = new WeakSet<RequestStore>();

/** Whether this request already has an entry (recorded in a transaction or queued). */
export function requestHasEntry(store: RequestStore): boolean {
  return store.auditRecorded === true || producedEntry.has(store);
}

/**
 * The audit trail's write side, as modules see it. A change's entry is inserted inside the
 * caller's transaction and sealed into the tenant's hash chain right after commit; reads,
 * refusals and security events go through a bounded queue written in batches. The queue, the
 * sealer and the entry factory do the work; this facade wires them to Nest and the request.
 */
@Injectable()
export class AuditService
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly queue: AuditQueue;
  private readonly sealer: AuditSealer;
  private closed = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOGGER) logger: Logger,
    private readonly metrics: MetricsService,
    private readonly health: HealthRegistry,
    private readonly auditMetrics: AuditMetrics,
  ) {
    this.queue = new AuditQueue(logger, auditMetrics);
    this.sealer = new AuditSealer(dataSource, this.queue, logger, auditMetrics);
  }

  onModuleInit(): void {
    this.metrics.setGaugeSource('audit_queue_depth', () => this.queue.depth);
    this.health.register('audit_queue', async () => {
      const failures = this.sealer.consecutiveFailures;
      return {
        audit_queue: {
          status: this.queue.isFull || failures >= 3 ? 'down' : 'up',
          depth: this.queue.depth,
          capacity: this.queue.options.capacity,
          consecutiveWriteFailures: failures,
        },
      };
    });
    this.sealer.start();
  }

  /** Seals what a previous run left unsealed (a crash between commit and sealing). */
  onApplicationBootstrap(): void {
    void this.sealer.sweep();
  }

  /** For tests and tuning; call before traffic. */
  configureQueue(options: Partial<AuditQueueOptions>): void {
    Object.assign(this.queue.options, options);
    if (options.flushIntervalMs) this.sealer.restartTimer();
  }

  /**
   * Records the entry of a change inside the caller's transaction: if this throws, the caller's
   * transaction must roll back, so a committed change always has its entry. The entry is sealed
   * into the tenant's chain right after the transaction commits (no lock is held until then).
   */
  async record(manager: EntityManager, event: AuditEvent): Promise<void> {
    const store = RequestContext.current();
    const entry = buildEntry(event, store, defaultStatus(store));
    await insertUnsealed(manager, [entry]);
    this.sealer.sealAfterCommit(manager.queryRunner, entry.tenantId);
    this.recorded(entry, store);
  }

  /**
   * The entry of a change that one statement makes outside any transaction, as the JSON
   * parameter that the statement's `WITH` item from `entryCte(n)` inserts (atomic with the
   * change). Call `entryCommitted` once the statement has returned.
   */
  prepareEntry(event: AuditEvent): PreparedEntry {
    const store = RequestContext.current();
    const entry = buildEntry(event, store, defaultStatus(store));
    return { json: entriesJson([entry]), entry };
  }

  /** After the statement carrying a prepared entry succeeded: seal it and count it. */
  entryCommitted({ entry }: PreparedEntry): void {
    this.sealer.requestSeal(entry.tenantId);
    this.recorded(entry, RequestContext.current());
  }

  /** Seals a tenant's committed entries soon. */
  requestSeal(tenantId: string): void {
    this.sealer.requestSeal(tenantId);
  }

  /** Seals a tenant's committed entries now (the query side, before it reads). */
  sealNow(tenantId: string): Promise<void> {
    return this.sealer.sealNow(tenantId);
  }

  /**
   * Erasure: removes a user's name, IP and user agent from the entries they made in the
   * caller's tenant, and their personal values from the changes of the entries about them
   * (inside the caller's transaction). The entries stay, and the chain still verifies, because
   * it covers those values through digests. Returns the entries changed.
   */
  pseudonymise(manager: EntityManager, userId: string): Promise<number> {
    return pseudonymiseUser(manager, RequestContext.tenantId(), userId);
  }

  /** Queues an entry about a read, a refusal or a security event; written in batches. */
  enqueue(event: AuditEvent): void {
    const store = RequestContext.current();
    if (store) producedEntry.add(store);
    this.push(buildEntry(event, store, event.statusCode ?? null));
  }

  /** Queues an entry built from a finished request (the HTTP hook's path). */
  enqueueForRequest(event: AuditEvent, store: RequestStore, statusCode: number): void {
    this.push(buildEntry({ ...event, statusCode }, store, statusCode));
  }

  /**
   * This request's refusal is counted into an aggregate entry written later (failed
   * authentication per IP): the HTTP hook writes no entry of its own for it.
   */
  coveredByAggregate(store: RequestStore | undefined): void {
    if (store) store.auditRecorded = true;
  }

  /** Counts an action that is not stored (reads while AUDIT_READS=false). */
  countOnly(action: string, severity: AuditSeverity, durationMs: number | null): void {
    this.observe(action, severity, durationMs);
  }

  get isFull(): boolean {
    return this.queue.isFull;
  }

  get depth(): number {
    return this.queue.depth;
  }

  /**
   * Back-pressure: undefined while the queue has room, else a promise that resolves when a
   * write made room, or after `maxWaitMs`.
   */
  whenWritable(): Promise<void> | undefined {
    if (!this.queue.isFull || this.closed) return undefined;
    this.sealer.writeSoon(true);
    return this.queue.whenRoom();
  }

  /** Writes everything queued and seals everything committed so far (tests, shutdown). */
  drain(deadlineMs = 10_000): Promise<void> {
    return this.sealer.drain(deadlineMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain(5_000);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.sealer.stop();
    if (this.dataSource.isInitialized) await this.drain(5_000);
    this.queue.discardToLog();
  }

  private push(entry: PendingEntry): void {
    this.observe(entry.action, entry.severity, entry.durationMs);
    if (this.queue.push(entry) && this.queue.hasFullBatch) this.sealer.writeSoon();
  }

  /** A change's entry is in: the HTTP hook adds no second one, and the action is counted. */
  private recorded(entry: PendingEntry, store: RequestStore | undefined): void {
    if (store) store.auditRecorded = true;
    this.observe(entry.action, entry.severity, entry.durationMs);
  }

  private observe(action: string, severity: AuditSeverity, durationMs: number | null): void {
    this.auditMetrics.auditEvents.inc({ action, severity });
    this.metrics.observeAction(
      action,
      durationMs === null ? undefined : durationMs / 1000,
      actionPolicy(action)?.attempt,
    );
  }
}

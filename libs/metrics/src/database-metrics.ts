import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { LOGGER, type Logger, PgErrorCode, sqlState } from '@app/common';
import { MetricsService } from './metrics.service';

interface PgClient {
  query: (...args: unknown[]) => unknown;
  [WRAPPED]?: true;
}
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  on(event: 'acquire', listener: (client: PgClient) => void): void;
}

const WRAPPED = Symbol('metrics.wrapped');
const CACHE_MS = 10_000;

/** Cheap counts behind the domain gauges (blocks count their own); a missing table or column gives no sample. */
const COUNTS: Array<{ gauge: string; sql: string[] }> = [
  {
    gauge: 'auth_active_sessions',
    sql: [
      `SELECT count(*)::int AS n FROM sessions WHERE revoked_at IS NULL AND expires_at > now()`,
    ],
  },
  {
    gauge: 'api_keys_total',
    sql: [
      `SELECT count(*)::int AS n FROM api_keys WHERE revoked_at IS NULL`,
      `SELECT count(*)::int AS n FROM api_keys`,
    ],
  },
];

/**
 * Database metrics: pool connections by state (read from the pg Pool behind the DataSource at
 * scrape time), query duration (each pooled client's `query` timed as it is acquired), and the
 * domain gauges counted in SQL at most every 10 s.
 */
@Injectable()
export class DatabaseMetrics implements OnModuleInit {
  private readonly cache = new Map<string, { at: number; value: number | undefined }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const pool = this.pool();
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state (total, idle, active, waiting)',
      labelNames: ['state'] as const,
      registers: [this.metrics.registry],
      collect() {
        if (!pool) return;
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'active' }, pool.totalCount - pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
    pool?.on('acquire', (client) => this.instrument(client));
    for (const { gauge, sql } of COUNTS) {
      this.metrics.setGaugeSource(gauge, () => this.count(gauge, sql));
    }
  }

  private pool(): PgPool | undefined {
    const driver = this.dataSource.driver as unknown as { master?: PgPool };
    return driver.master && typeof driver.master.on === 'function' ? driver.master : undefined;
  }

  private instrument(client: PgClient): void {
    if (client[WRAPPED]) return;
    client[WRAPPED] = true;
    const original = client.query;
    const histogram = this.metrics.dbQueryDuration;
    client.query = function (this: unknown, ...args: unknown[]): unknown {
      const started = process.hrtime.bigint();
      const result = original.apply(this, args);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        const observe = (outcome: string) => (): void => {
          histogram.observe({ result: outcome }, Number(process.hrtime.bigint() - started) / 1e9);
        };
        (result as Promise<unknown>).then(observe('success'), observe('error'));
      }
      return result;
    };
  }

  private async count(gauge: string, statements: string[]): Promise<number | undefined> {
    const cached = this.cache.get(gauge);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
    let value: number | undefined;
    for (const sql of statements) {
      try {
        const rows = await this.dataSource.query<Array<{ n: number }>>(sql);
        value = rows[0]?.n;
        break;
      } catch (error) {
        // The table is not there (yet), or an older shape without the column.
        const code = sqlState(error);
        if (code !== PgErrorCode.UNDEFINED_TABLE && code !== PgErrorCode.UNDEFINED_COLUMN) {
          this.logger.warn({ err: error, gauge }, 'metrics count failed');
          break;
        }
        if (code === PgErrorCode.UNDEFINED_TABLE) break;
      }
    }
    this.cache.set(gauge, { at: Date.now(), value });
    return value;
  }
}

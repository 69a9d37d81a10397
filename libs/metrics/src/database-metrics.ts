import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
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

/**
 * Database metrics: pool connections by state (read from the pg Pool behind the DataSource at
 * scrape time) and query duration (each pooled client's `query` timed as it is acquired). The
 * domain gauges are fed by the modules that own their tables.
 */
@Injectable()
export class DatabaseMetrics implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
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
}

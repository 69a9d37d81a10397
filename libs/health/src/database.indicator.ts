import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Database reachability and schema state, for readiness. */
@Injectable()
export class DatabaseIndicator {
  private migrationsApplied = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  ping() {
    return this.indicators
      .check('database')
      .attempt(async () => {
        try {
          await this.dataSource.query('SELECT 1');
        } catch {
          // Probes are public: say what is wrong, never where the database lives.
          throw new Error('database unreachable');
        }
      })
      .withTimeout(2000);
  }

  /** Once the schema is up to date it stays so for this process (migrations run before start). */
  migrations() {
    return this.indicators
      .check('migrations')
      .attempt(async () => {
        if (!this.migrationsApplied) {
          const pending = await this.dataSource.showMigrations().catch(() => {
            throw new Error('database unreachable');
          });
          if (pending) throw new Error('migrations are pending');
          this.migrationsApplied = true;
        }
        return { applied: true };
      })
      .withTimeout(2000);
  }
}

import type { DataSourceOptions } from 'typeorm';
import { migrations } from './migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/** Pool bounds that keep a database outage from hanging requests. */
export const POOL = { max: 20, connectionTimeoutMillis: 3_000, idleTimeoutMillis: 30_000 };

/**
 * The one set of TypeORM options, shared by the app, the migration CLI and the tests.
 * Schema changes happen through migrations only: `synchronize` is never on.
 */
export function dataSourceOptions(
  url: string,
  extra: Partial<DataSourceOptions> = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    applicationName: 'content-blocks',
    extra: { ...POOL, statement_timeout: 30_000 },
    ...extra,
  } as DataSourceOptions;
}

export { DatabaseModule } from './database.module';
export { PgNotifications } from './pg-notifications';
export { dataSourceOptions, POOL } from './data-source-options';
export { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres';
export { resolveDatabase } from './resolve-database';
export { freePort } from './free-port';
export { migrations } from './migrations';
export { SnakeNamingStrategy } from './snake-naming.strategy';
export {
  leanQuery,
  pgPool,
  preparedQuery,
  statement,
  type PreparedStatement,
} from './prepared-query';
export { setStatementTimeout, withStatementTimeout } from './statement-timeout';

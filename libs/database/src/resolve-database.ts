import { AppConfig } from '@app/config';
import type { Logger } from 'pino';
import { startEmbeddedPostgres } from './embedded-postgres';

/**
 * Returns the config with a database URL: the configured one, or that of an embedded
 * PostgreSQL started under DATA_DIR (with a `stop` to call after the app has closed).
 */
export async function resolveDatabase(
  config: AppConfig,
  logger: Logger,
): Promise<{ config: AppConfig; stop: () => Promise<void> }> {
  if (config.databaseUrl) return { config, stop: async () => undefined };
  const started = Date.now();
  const pg = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    onLog: (line) => logger.debug({ component: 'embedded-postgres' }, line),
  });
  logger.info(
    {
      component: 'embedded-postgres',
      port: pg.port,
      dataDir: config.dataDir,
      ms: Date.now() - started,
    },
    'embedded PostgreSQL is running',
  );
  const resolved = Object.assign(new AppConfig(), config, { databaseUrl: pg.url });
  return { config: resolved, stop: () => pg.stop() };
}

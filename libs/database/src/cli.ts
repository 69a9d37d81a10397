import { DataSource } from 'typeorm';
import { createLogger } from '@app/common';
import { loadConfig } from '@app/config';
import { dataSourceOptions } from './data-source-options';
import { resolveDatabase } from './resolve-database';

/**
 * Migration CLI over the same options the app uses: `run`, `revert`, `show`.
 * With DATABASE_URL unset it works on the embedded PostgreSQL under DATA_DIR.
 */
async function main(): Promise<void> {
  const command = process.argv[2] ?? 'run';
  const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
  const { config, stop } = await resolveDatabase(loadConfig(process.env), logger);
  const dataSource = new DataSource(dataSourceOptions(config.databaseUrl!));
  await dataSource.initialize();
  try {
    if (command === 'run') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      logger.info(
        { applied: applied.map((m) => m.name) },
        `applied ${applied.length} migration(s)`,
      );
    } else if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      logger.info('reverted the last migration');
    } else if (command === 'show') {
      const pending = await dataSource.showMigrations();
      logger.info({ pending }, pending ? 'migrations are pending' : 'database is up to date');
    } else {
      throw new Error(`unknown command ${command}: use run, revert or show`);
    }
  } finally {
    await dataSource.destroy();
    await stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

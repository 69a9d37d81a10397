import 'reflect-metadata';
import { createLogger } from '@app/common';
import { ConfigError, loadConfig } from '@app/config';
import { resolveDatabase } from '@app/database';
import { createApp } from './create-app';
import { installGracefulShutdown } from './graceful-shutdown';

/** Bootstrap only: config, database, app, listen, shutdown hooks. */
async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const database = await resolveDatabase(config, logger);
  let app;
  try {
    app = await createApp(database.config, logger);
  } catch (error) {
    await database.stop();
    throw error;
  }
  installGracefulShutdown(app, database.config, logger, database.stop);
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
  logger.info(
    { url: base, docs: `${base}/docs`, env: config.env },
    'Content Blocks API is listening',
  );
  // A human-readable pointer on stderr, outside the JSON log on stdout.
  process.stderr.write(`\nContent Blocks API: ${base}\nSwagger UI:         ${base}/docs\n\n`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});

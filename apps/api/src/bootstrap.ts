import 'reflect-metadata';
import { createLogger, useTraceIds } from '@app/common';
import { ConfigError, loadConfig } from '@app/config';
import { resolveDatabase } from '@app/database';
import { createApp } from './create-app';
import { installGracefulShutdown } from './graceful-shutdown';

/** What main hands over when tracing is on (see tracing.ts). */
export interface Tracing {
  currentTraceId: () => string | undefined;
  stopTracing: () => Promise<void>;
}

/** Bootstrap only: config, database, app, listen, shutdown hooks. */
export async function bootstrap(tracing?: Tracing): Promise<void> {
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
  if (tracing) useTraceIds(tracing.currentTraceId);
  const logger = createLogger(config.logLevel);
  const database = await resolveDatabase(config, logger);
  // Spans still buffered are exported after the database stops, before the process exits.
  const stop = async (): Promise<void> => {
    await database.stop();
    await tracing?.stopTracing().catch((error: unknown) => {
      logger.warn({ err: error }, 'exporting the last spans failed');
    });
  };
  let app;
  try {
    app = await createApp(database.config, logger);
  } catch (error) {
    await stop();
    throw error;
  }
  installGracefulShutdown(app, database.config, logger, stop);
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
  logger.info(
    { url: base, docs: `${base}/docs`, env: config.env, tracing: Boolean(tracing) },
    'Content Blocks API is listening',
  );
  // A human-readable pointer on stderr, outside the JSON log on stdout.
  process.stderr.write(`\nContent Blocks API: ${base}\nSwagger UI:         ${base}/docs\n\n`);
}

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '@app/config';
import { ShutdownState } from '@app/health';
import { closeApp } from './close-app';

/**
 * SIGTERM/SIGINT: readiness turns 503 at once, in-flight requests finish (bounded by
 * SHUTDOWN_TIMEOUT_MS), modules drain (audit queue) and close the pool, then the embedded
 * PostgreSQL stops and the process exits 0.
 */
export function installGracefulShutdown(
  app: NestFastifyApplication,
  config: AppConfig,
  logger: Logger,
  stopDatabase: () => Promise<void>,
): void {
  let closing = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    app.get(ShutdownState).begin();
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; exiting');
      void stopDatabase().finally(() => process.exit(1));
    }, config.shutdownTimeoutMs + config.shutdownDelayMs);
    deadline.unref();
    try {
      // Give load balancers time to see readiness fail before we stop accepting.
      if (config.shutdownDelayMs > 0)
        await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
      await closeApp(app);
      await stopDatabase();
      logger.info('shutdown complete');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      await stopDatabase().catch(() => undefined);
      process.exit(1);
    }
  };
  process.once('SIGTERM', (s) => void shutdown(s));
  process.once('SIGINT', (s) => void shutdown(s));
}

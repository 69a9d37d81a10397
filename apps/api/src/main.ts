import type * as Bootstrap from './bootstrap';
import type { Tracing } from './bootstrap';

// Entry point. OpenTelemetry patches http, fastify, pg and ioredis when they are first required,
// so tracing.ts is required before bootstrap.ts pulls any of them in; without an endpoint none of
// the SDK is loaded at all. Plain require(): a dynamic import() would go through the ESM loader.
async function main(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const tracing = process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()
    ? (require('./tracing') as Tracing)
    : undefined;
  const { bootstrap } = require('./bootstrap') as typeof Bootstrap;
  /* eslint-enable @typescript-eslint/no-require-imports */
  await bootstrap(tracing);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});

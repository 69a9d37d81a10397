import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Closes the HTTP server first (stop accepting, let in-flight requests finish and their audit
 * entries be queued), then the app. Nest's own close() runs the modules' shutdown hooks before
 * the server has drained, so entries of the last requests would arrive after the audit queue's
 * final flush and the database could be gone for requests still running.
 */
export async function closeApp(app: NestFastifyApplication): Promise<void> {
  await app.getHttpAdapter().getInstance().close();
  await app.close();
}

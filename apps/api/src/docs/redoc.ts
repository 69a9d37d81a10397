import { readFileSync } from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

// ReDoc 2's standalone bundle from node_modules: the page works offline, no CDN.
const BUNDLE = require.resolve('redoc/bundles/redoc.standalone.js');

// Relative URLs, so the page also works behind a path prefix. The bundle renders every
// <redoc spec-url> element itself: no inline script, so the CSP keeps script-src 'self'.
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Content Blocks API</title>
  </head>
  <body>
    <redoc spec-url="openapi.json"></redoc>
    <script src="redoc/redoc.standalone.js"></script>
  </body>
</html>
`;

/** ReDoc at /redoc, reading the document from /openapi.json. */
export function setupRedoc(app: NestFastifyApplication): void {
  let bundle: Buffer | undefined;
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/redoc', (_request, reply) => {
    // ReDoc builds its search index in a Web Worker made from a blob: URL: this page alone may.
    const csp = reply.raw.getHeader('content-security-policy');
    if (typeof csp === 'string') void reply.header('content-security-policy', withBlobWorkers(csp));
    void reply.header('content-type', 'text/html; charset=utf-8').send(PAGE);
  });
  fastify.get('/redoc/redoc.standalone.js', (_request, reply) => {
    bundle ??= readFileSync(BUNDLE);
    void reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(bundle);
  });
}

function withBlobWorkers(csp: string): string {
  const trimmed = csp.trimEnd();
  return `${trimmed.endsWith(';') ? trimmed.slice(0, -1) : trimmed};worker-src 'self' blob:`;
}

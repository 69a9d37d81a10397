import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type ServerObject,
} from '@nestjs/swagger';
import { FieldErrorDto, ProblemDto } from '@app/common';
import { AppConfig } from '@app/config';
import { setupRedoc } from './docs/redoc';
import { declareCommonResponses } from './openapi/common-responses';
import { boundParameters } from './openapi/bounded-parameters';
import { applyConfiguredLimits } from './openapi/configured-limits';
import { typeNullableReferences } from './openapi/nullable-refs';
import { declareValidatedLimits } from './openapi/validated-limits';
import { declarePublicOperations } from './openapi/public-operations';
import { collectRouteFacts } from './openapi/route-facts';

export const API_TAGS: Array<[string, string]> = [
  ['auth', "Registration, login, sessions, the caller's own account"],
  ['api-keys', "The caller's API keys"],
  ['users', "User administration inside the caller's tenant (admins)"],
  ['blocks', 'Reusable, versioned content blocks'],
  ['templates', 'Document templates: outlines of slots, text and blocks'],
  ['documents', 'Documents assembled from a template and blocks, their assemblies and exports'],
  ['ml', 'Text analysis, summaries, tag suggestions and the block classifier, run offline'],
  ['audit', 'The tamper-evident audit trail'],
  ['health', 'Liveness and readiness probes'],
  ['metrics', 'Prometheus metrics'],
];

/** The version in package.json, found from here whether running from source or from dist. */
export function packageVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'content-blocks') return pkg.version ?? '0.0.0';
    }
  }
  return '0.0.0';
}

/** The document as the running configuration enforces it (limits, headers, errors). */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const document = createDocument(app);
  const facts = collectRouteFacts(app);
  applyConfiguredLimits(document, app.get(AppConfig).blocks);
  boundParameters(document);
  declareCommonResponses(document, facts);
  declarePublicOperations(document, facts);
  typeNullableReferences(document);
  // Static secrets compared as they are, not JWTs (the builder's bearer default says JWT).
  for (const name of ['metricsToken', 'healthToken'])
    delete (document.components?.securitySchemes?.[name] as { bearerFormat?: string }).bearerFormat;
  // One public API: nothing in the document is for internal callers only.
  document.servers = [{ url: '/', description: 'This API', 'x-internal': false } as ServerObject];
  return document;
}

function createDocument(app: NestFastifyApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Content Blocks API')
    .setDescription(
      'Reusable content blocks with users and tenants, JWT sessions and API keys, rate limits, ' +
        'a tamper-evident audit trail and Prometheus metrics. Every error is RFC 9457 ' +
        '`application/problem+json` (schema `ProblemDto`). Lists use cursor pagination ' +
        '(`?limit=` 1..100, `?cursor=`). Authorize with a bearer access token or an `X-API-Key`.',
    )
    .setVersion(packageVersion())
    .setLicense('MIT', 'https://opensource.org/license/mit')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'An access token from login, register or refresh: an HS256 JWT following RFC8725 ' +
          '(the algorithm is pinned on verification, `exp` always set, short-lived: ACCESS_TOKEN_TTL)',
      },
      'bearer',
    )
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'apiKey')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when set' },
      'metricsToken',
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'HEALTH_DETAIL_TOKEN, for GET /health' },
      'healthToken',
    );
  for (const [name, description] of API_TAGS) builder.addTag(name, description);
  declareValidatedLimits();
  return SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [ProblemDto, FieldErrorDto],
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '').replace(/^./, (c) => c.toLowerCase())}_${methodKey}`,
  });
}

/**
 * Swagger UI at /docs, ReDoc at /redoc, the document at /docs-json, /docs-yaml and /openapi.json;
 * none with DOCS_ENABLED=false. The document is built once, on its first request.
 */
export function setupSwagger(app: NestFastifyApplication): void {
  if (!app.get(AppConfig).docsEnabled) return;
  let document: OpenAPIObject | undefined;
  const documentOnce = (): OpenAPIObject => (document ??= buildOpenApiDocument(app));
  SwaggerModule.setup('docs', app, documentOnce, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Content Blocks API',
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .get('/openapi.json', (_request, reply) => {
      void reply.header('content-type', 'application/json; charset=utf-8').send(documentOnce());
    });
  setupRedoc(app);
}

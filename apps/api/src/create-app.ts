import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import {
  MAX_JSON_DEPTH,
  PinoNestLogger,
  limitedQuerystringParser,
  rawClientErrorResponse,
  registerContentTypeCheck,
  registerQueryLimit,
  registerRequestHooks,
  sendProblem,
  shapeLimitedJsonParser,
} from '@app/common';
import type { AppConfig } from '@app/config';
import { AppModule } from './app.module';
import { setupSwagger } from './swagger';

export interface CreateAppOptions {
  /** Extra modules mounted beside the app (tests use this for diagnostic routes). */
  imports?: Array<Type | DynamicModule>;
}

/** Builds the whole app (used by main.ts and by every e2e test), initialised but not listening. */
export async function createApp(
  config: AppConfig,
  logger: Logger,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Fastify takes a hop count too (proxy-addr); its adapter typing only lists the other forms.
    trustProxy: config.trustProxy as boolean | string | string[],
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: {
      querystringParser: limitedQuerystringParser(config.input.maxQueryParams),
      // The longest path parameter the API declares: an audit resource id (256); Fastify's
      // default of 100 answered 414 to ids the document allows.
      maxParamLength: 256,
    },
    // The router refuses a malformed URL (400) or an over-long path parameter (414) before any
    // hook or Nest filter runs, and Node's parser refuses oversized headers (431): all of them
    // are answered as problem+json too, like every other error.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      void sendProblem(reply, request, error, logger);
    },
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(rawClientErrorResponse(error, logger));
      socket.destroy(error);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, logger, options.imports),
    adapter,
    {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
      // Nest's defaults would add a form (urlencoded) parser: the only parsers are the ones below.
      bodyParser: false,
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestHooks(fastify, logger);
  registerQueryLimit(fastify);
  // Each route takes only what it declares (JSON unless @Consumes says otherwise): 415 first.
  registerContentTypeCheck(fastify);
  // JSON only: a text/plain body is a 415, not a string that slips into validation.
  fastify.removeContentTypeParser('text/plain');
  // Bodies nested deeper or wider than any DTO needs are a 400 before class-transformer sees them.
  app.useBodyParser(
    'application/json',
    { bodyLimit: config.bodyLimitBytes },
    shapeLimitedJsonParser(fastify, {
      maxDepth: MAX_JSON_DEPTH,
      maxKeys: config.input.maxObjectKeys,
      maxItems: config.input.maxArrayItems,
    }),
  );

  // Helmet 8's headers, resolved once by Nest's own security hook (@fastify/helmet rebuilt them
  // on every request: ~2-5 % of a read's CPU). The CSP lets Swagger UI's bundled assets run.
  app.useSecurityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  app.enableCors({
    origin: config.corsOrigins,
    exposedHeaders: [
      'ETag',
      'Location',
      'X-Request-Id',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'Retry-After',
    ],
    maxAge: 600,
  });
  setupSwagger(app);
  await app.init();
  return app;
}

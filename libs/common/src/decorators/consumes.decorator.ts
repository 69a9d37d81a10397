import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiConsumes } from '@nestjs/swagger';

/** Route config key holding the media types a route's body may have (JSON when absent). */
export const CONSUMES_CONFIG_KEY = 'consumes';

/**
 * The body media types a route accepts, declared once for both the OpenAPI document and the
 * request pipeline: any other Content-Type on the route is a 415 before its body is parsed.
 */
export function Consumes(...types: string[]): MethodDecorator & ClassDecorator {
  const lowered = types.map((type) => type.toLowerCase());
  return applyDecorators(ApiConsumes(...types), RouteConfig({ [CONSUMES_CONFIG_KEY]: lowered }));
}

import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { IS_PUBLIC_KEY } from '@app/common';

// @nestjs/throttler's @SkipThrottle() key for our `default` throttler (THROTTLER_SKIP + name).
const SKIP_DEFAULT_THROTTLER = 'THROTTLER:SKIPdefault';
const PATH_PARAM = /:([A-Za-z0-9_]+)/g;

/** What the guards do with one route, read from the same metadata they read. */
export interface RouteFacts {
  /** Counted by the rate-limit guard, so it answers with X-RateLimit-* (and 429 past the limit). */
  limited: boolean;
  /** Open without credentials: the failed-authentication 429 never reaches it. */
  public: boolean;
}

/** `get /api/blocks/{id}` (the document's spelling) for a route. */
export function routeKey(method: string, path: string): string {
  return `${method.toLowerCase()} ${path}`;
}

/** Every controller route of the app, keyed like the document's paths, with its guard facts. */
export function collectRouteFacts(app: INestApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  const scanner = new MetadataScanner();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as object;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        // getAllAndOverride's order, as the guards read it: the handler's value wins.
        const read = (key: string): unknown =>
          Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
        const fact: RouteFacts = {
          limited: read(SKIP_DEFAULT_THROTTLER) !== true,
          public: read(IS_PUBLIC_KEY) === true,
        };
        for (const prefix of [base ?? ''].flat())
          for (const suffix of [path].flat())
            facts.set(routeKey(RequestMethod[method], documentPath(prefix, suffix)), fact);
      }
    }
  }
  return facts;
}

function documentPath(prefix: string, suffix: string): string {
  const parts = `${prefix}/${suffix}`.split('/').filter(Boolean);
  return `/${parts.join('/')}`.replace(PATH_PARAM, '{$1}');
}

import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

type Targets = Parameters<Reflector['getAllAndOverride']>[1];

/**
 * Nest's Reflector with `getAllAndOverride` memoised per controller class, handler and key.
 * Decorator metadata is fixed once the classes are defined, yet the global guards read the
 * same keys on every request (the throttler alone ~7 of them, each a prototype-chain walk).
 * The class is part of the cache key: one inherited handler can serve several controllers.
 */
@Injectable()
export class RouteMetadata extends Reflector {
  private readonly cache = new WeakMap<object, WeakMap<object, Map<unknown, unknown>>>();

  override getAllAndOverride<TResult = unknown, TKey = unknown>(
    metadataKey: TKey,
    targets: Targets,
  ): TResult {
    if (targets.length !== 2 || !targets[0] || !targets[1]) {
      return super.getAllAndOverride<TResult, TKey>(metadataKey, targets);
    }
    const [handler, controller] = targets as [object, object];
    let byHandler = this.cache.get(controller);
    if (!byHandler) this.cache.set(controller, (byHandler = new WeakMap()));
    let byKey = byHandler.get(handler);
    if (!byKey) byHandler.set(handler, (byKey = new Map()));
    if (byKey.has(metadataKey)) return byKey.get(metadataKey) as TResult;
    const value = super.getAllAndOverride<TResult, TKey>(metadataKey, targets);
    byKey.set(metadataKey, value);
    return value;
  }
}

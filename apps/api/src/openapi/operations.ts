import type { OpenAPIObject, OperationObject, PathItemObject } from '@nestjs/swagger';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** Every operation of the document with its method and path. */
export function* operationsOf(
  document: OpenAPIObject,
): Generator<{ method: string; path: string; operation: OperationObject }> {
  for (const [path, item] of Object.entries<PathItemObject>(document.paths))
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) yield { method, path, operation };
    }
}

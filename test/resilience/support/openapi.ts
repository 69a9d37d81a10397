import type { HttpClient } from '../../support/http-client';

export interface OpenApiDocument {
  paths: Record<string, Record<string, any>>;
  components?: { schemas?: Record<string, any> };
}

export async function fetchOpenApi(http: HttpClient): Promise<OpenApiDocument> {
  const response = await http.get<OpenApiDocument>('/docs-json');
  if (response.status !== 200) throw new Error(`/docs-json answered ${response.status}`);
  return response.body;
}

export function hasOperation(doc: OpenApiDocument, method: string, path: string): boolean {
  return Boolean(doc.paths[path]?.[method.toLowerCase()]);
}

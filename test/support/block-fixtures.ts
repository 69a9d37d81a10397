import type { HttpClient } from './http-client';

export interface BlockBody {
  title?: string;
  content?: string;
  type?: 'text' | 'markdown' | 'html';
  tags?: string[];
  metadata?: Record<string, unknown>;
}

/** Creates a block through the real API; throws unless 201. */
export async function createBlock(
  http: HttpClient,
  token: string,
  body: BlockBody = {},
): Promise<any> {
  const res = await http.post(
    '/api/blocks',
    { title: body.title ?? `Block ${Math.random().toString(36).slice(2, 8)}`, ...body },
    { token },
  );
  if (res.status !== 201) throw new Error(`create block failed: ${res.status} ${res.text}`);
  return res.body;
}

/** Env for block e2e apps: limits generous enough that tests never hit the rate limiter. */
export const BLOCKS_TEST_ENV = {
  RATE_LIMIT_AUTH_PER_MINUTE: '10000',
  RATE_LIMIT_PER_MINUTE: '100000',
};

export const ROLES = ['admin', 'user', 'guest'] as const;
export type Role = (typeof ROLES)[number];

export const API_KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Who is calling: a user through a session (JWT) or through one of their API keys. */
export interface Principal {
  userId: string;
  tenantId: string;
  username: string;
  role: Role;
  method: 'jwt' | 'api-key';
  /** Set for JWT sessions. */
  sessionId?: string;
  /** Set for API keys, with the key's scopes and its own rate limit. */
  apiKeyId?: string;
  scopes?: ApiKeyScope[];
  rateLimitPerMinute?: number | null;
}

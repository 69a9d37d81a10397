import { randomBytes } from 'node:crypto';
import type { HttpClient } from './http-client';

export interface RegisteredUser {
  user: {
    id: string;
    tenantId: string;
    email: string;
    username: string;
    displayName: string | null;
    role: 'admin' | 'user' | 'guest';
    isActive: boolean;
  };
  accessToken: string;
  refreshToken: string;
  tenantId: string;
  password: string;
}

export interface RegisterOverrides {
  email?: string;
  username?: string;
  password?: string;
  displayName?: string;
  tenantName?: string;
}

/** A unique suffix per call (several files run in parallel). */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

/** A password the policy accepts (long, random, no username). */
export function strongPassword(): string {
  return `Vivid-${randomBytes(9).toString('base64url')}-Harbor-Lantern`;
}

/**
 * Registers a new tenant and its admin through the real API; every call is a new, unique
 * user. Throws when the API answers anything but 201.
 */
export async function registerUser(
  http: HttpClient,
  overrides: RegisterOverrides = {},
): Promise<RegisteredUser> {
  const suffix = uniqueSuffix();
  const body = {
    email: overrides.email ?? `user-${suffix}@example.com`,
    username: overrides.username ?? `user_${suffix}`,
    password: overrides.password ?? strongPassword(),
    ...(overrides.displayName !== undefined ? { displayName: overrides.displayName } : {}),
    ...(overrides.tenantName !== undefined ? { tenantName: overrides.tenantName } : {}),
  };
  const res = await http.post('/api/auth/register', body);
  if (res.status !== 201) {
    throw new Error(`register failed: ${res.status} ${res.text}`);
  }
  return {
    user: res.body.user,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    tenantId: res.body.user.tenantId,
    password: body.password,
  };
}

/** Signs in through the real API; throws unless 200. */
export async function login(
  http: HttpClient,
  loginName: string,
  password: string,
): Promise<{ accessToken: string; refreshToken: string; user: RegisteredUser['user'] }> {
  const res = await http.post('/api/auth/login', { login: loginName, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return res.body;
}

/** An admin creates a user with a role in its own tenant, who then signs in. */
export async function createUserInTenant(
  http: HttpClient,
  adminToken: string,
  role: 'admin' | 'user' | 'guest',
): Promise<RegisteredUser> {
  const suffix = uniqueSuffix();
  const password = strongPassword();
  const created = await http.post(
    '/api/auth/users',
    { email: `member-${suffix}@example.com`, username: `member_${suffix}`, password, role },
    { token: adminToken },
  );
  if (created.status !== 201)
    throw new Error(`create user failed: ${created.status} ${created.text}`);
  const session = await login(http, created.body.username, password);
  return { ...session, tenantId: created.body.tenantId, password, user: created.body };
}

export interface CreatedApiKey {
  id: string;
  name: string;
  key: string;
  prefix: string;
  scopes: Array<'read' | 'write' | 'admin'>;
  expiresAt: string | null;
  rateLimitPerMinute: number | null;
  createdAt: string;
}

/** Creates an API key for the token's user (default: all scopes the tests usually need). */
export async function createApiKey(
  http: HttpClient,
  accessToken: string,
  body: {
    name?: string;
    scopes?: Array<'read' | 'write' | 'admin'>;
    expiresAt?: string;
    rateLimitPerMinute?: number;
  } = {},
): Promise<CreatedApiKey> {
  const res = await http.post(
    '/api/auth/api-keys',
    {
      name: body.name ?? `key-${uniqueSuffix()}`,
      scopes: body.scopes ?? ['read', 'write'],
      ...body,
    },
    { token: accessToken },
  );
  if (res.status !== 201) throw new Error(`create api key failed: ${res.status} ${res.text}`);
  return res.body;
}

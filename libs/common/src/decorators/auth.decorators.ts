import {
  SetMetadata,
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
} from '@nestjs/common';
import { ROLES, type ApiKeyScope, type Principal, type Role } from '../context/principal';
import { RequestContext } from '../context/request-context';

export const IS_PUBLIC_KEY = 'auth:isPublic';
export const ROLES_KEY = 'auth:roles';
export const SCOPES_KEY = 'auth:scopes';

/** Opens a route to anonymous callers; every other route needs a JWT or an API key. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** Roles allowed on a route (a handler's list overrides its class's). */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);

/** API-key scopes a route needs (JWT sessions are limited by role only). */
export const Scopes = (...scopes: ApiKeyScope[]): MethodDecorator & ClassDecorator =>
  SetMetadata(SCOPES_KEY, scopes);

/**
 * A read of tenant data: every role (routes without roles are refused, so reads say so), and
 * an API key needs the `read` scope.
 */
export const ReadAccess = (): MethodDecorator & ClassDecorator =>
  applyDecorators(Roles(...ROLES), Scopes('read'));

/** The authenticated caller of the current request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, _ctx: ExecutionContext): Principal | undefined => RequestContext.principal(),
);

import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import {
  IS_PUBLIC_KEY,
  RequestContext,
  ROLES_KEY,
  RouteMetadata,
  SCOPES_KEY,
  SESSION_ONLY_KEY,
  type ApiKeyScope,
  type Role,
} from '@app/common';

import { AuthErrorCode, AuthException } from '../auth.exception';

/**
 * Roles and scopes, read with handler-over-class precedence. The role is the user's current
 * one (an API key acts as its owner, never more). A route that declares no `@Roles()` (and
 * is not `@Public()`) is refused for everyone: forgetting the decorator closes a route instead
 * of opening it to guests. Keys also need a scope: the route's `@Scopes()`, else
 * `read` for GET/HEAD and `write` for everything else; `admin` covers all.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(private readonly reflector: RouteMetadata) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const principal = RequestContext.principal();
    if (!principal) throw new AuthException(AuthErrorCode.INVALID_TOKEN);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const method = context.switchToHttp().getRequest<{ method: string }>().method;
    const isRead = method === 'GET' || method === 'HEAD';
    if (!roles?.length || !roles.includes(principal.role)) {
      throw new AuthException(AuthErrorCode.ROLE_REQUIRED);
    }
    if (principal.method !== 'api-key') return true;
    if (this.reflector.getAllAndOverride<boolean>(SESSION_ONLY_KEY, targets)) {
      throw new AuthException(AuthErrorCode.SESSION_REQUIRED);
    }
    const declared = this.reflector.getAllAndOverride<ApiKeyScope[] | undefined>(
      SCOPES_KEY,
      targets,
    );
    const needed: ApiKeyScope[] = declared?.length ? declared : [isRead ? 'read' : 'write'];
    const scopes = principal.scopes ?? [];
    if (!scopes.includes('admin') && !needed.every((s) => scopes.includes(s))) {
      throw new AuthException(AuthErrorCode.SCOPE_REQUIRED);
    }
    return true;
  }
}

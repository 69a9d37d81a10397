import type { ExecutionContext } from '@nestjs/common';
import {
  Public,
  RequestContext,
  type RequestStore,
  type Role,
  Roles,
  RouteMetadata,
} from '@app/common';
import { AuthException } from '../auth.exception';
import { AuthorizationGuard } from './authorization.guard';

class Routes {
  @Roles('admin')
  adminOnly(): void {}

  @Roles('admin', 'user', 'guest')
  anyRole(): void {}

  undeclared(): void {}

  @Public()
  open(): void {}
}

function contextFor(handler: keyof Routes, method: string): ExecutionContext {
  return {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => ({ method }) }),
  } as unknown as ExecutionContext;
}

function decide(handler: keyof Routes, method: string, role: Role = 'admin'): string {
  const store: RequestStore = {
    requestId: 'r',
    ip: '127.0.0.1',
    userAgent: null,
    method,
    route: null,
    startedAt: 0n,
    principal: { userId: 'u', tenantId: 't', username: 'u', role, method: 'jwt' },
  };
  const guard = new AuthorizationGuard(new RouteMetadata());
  try {
    return RequestContext.run(store, () => guard.canActivate(contextFor(handler, method)))
      ? 'allowed'
      : 'refused';
  } catch (error) {
    return error instanceof AuthException ? String(error.code) : 'crashed';
  }
}

describe('AuthorizationGuard', () => {
  it('refuses a route that declares no roles, even for an admin, reads included', () => {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      expect([method, decide('undeclared', method)]).toEqual([method, 'FORBIDDEN']);
    }
  });

  it('lets every role read a route that declares all of them', () => {
    expect(decide('anyRole', 'GET', 'guest')).toBe('allowed');
  });

  it('allows a declared role and refuses the others', () => {
    expect(decide('adminOnly', 'POST', 'admin')).toBe('allowed');
    expect(decide('adminOnly', 'POST', 'user')).toBe('FORBIDDEN');
    expect(decide('anyRole', 'DELETE', 'guest')).toBe('allowed');
  });

  it('lets a public write through without roles', () => {
    expect(decide('open', 'POST')).toBe('allowed');
  });
});

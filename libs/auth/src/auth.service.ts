import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '@app/api-keys';
import { AuditQueryService, AuditService } from '@app/audit';
import { RequestContext, type Principal } from '@app/common';
import { AppConfig } from '@app/config';
import { UsersService, type UpdateMeDto, type UserDto } from '@app/users';
import { AuthErrorCode, AuthException } from './auth.exception';
import { AuthFailuresService } from './auth-failures.service';
import type { ChangePasswordDto } from './dto/change-password.dto';
import type { LoginDto } from './dto/login.dto';
import type { MeExportDto } from './dto/me-export.dto';
import type { RegisterDto } from './dto/register.dto';
import type { TokenResponseDto } from './dto/token-response.dto';
import { LoginLockoutService } from './login-lockout.service';
import { type IssuedSession, SessionsService } from './sessions.service';
import { TokensService } from './tokens.service';

/** Registration, login, refresh, logout and the caller's own account. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly lockout: LoginLockoutService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly auditTrail: AuditQueryService,
    private readonly config: AppConfig,
    private readonly failures: AuthFailuresService,
  ) {}

  async register(dto: RegisterDto): Promise<TokenResponseDto> {
    const user = await this.users.register(dto);
    const session = await this.sessions.create(user, clientInfo());
    return this.tokenResponse(user, session);
  }

  /** Same 401 for every failure, same time whether or not the account exists. */
  async login(dto: LoginDto): Promise<TokenResponseDto> {
    const userId = await this.users.findLoginId(dto.login);
    const account = this.lockout.accountKey(userId, dto.login);
    const attempt = await this.lockout.begin(account);
    const user = await this.users.verifyCredentials(userId, dto.password);
    if (!user) {
      const state = userId ? await this.users.getAuthState(userId) : null;
      this.audit.enqueue({
        action: 'auth.login_failed',
        resourceType: 'user',
        resourceId: userId,
        severity: 'warning',
        statusCode: 401,
        tenantId: state?.tenantId,
        actor: { userId, username: state?.username ?? null },
      });
      this.lockout.failed(attempt, { userId, tenantId: state?.tenantId });
      throw new AuthException(AuthErrorCode.INVALID_CREDENTIALS);
    }
    await this.lockout.succeeded(attempt);
    const session = await this.sessions.create(user, clientInfo());
    this.audit.enqueue({
      action: 'auth.login',
      resourceType: 'session',
      resourceId: session.sessionId,
      tenantId: user.tenantId,
      actor: { userId: user.id, username: user.username },
    });
    return this.tokenResponse(user, session);
  }

  async refresh(refreshToken: string): Promise<TokenResponseDto> {
    try {
      return await this.rotate(refreshToken);
    } catch (error) {
      const store = RequestContext.current();
      if (error instanceof AuthException && error.reason === AuthErrorCode.INVALID_REFRESH_TOKEN) {
        await this.failures.refreshFailed(store?.ip ?? 'unknown', store);
      }
      throw error;
    }
  }

  private async rotate(refreshToken: string): Promise<TokenResponseDto> {
    const session = await this.sessions.rotate(refreshToken);
    const state = await this.users.currentAuthState(session.userId);
    if (!state || !state.isActive) {
      await this.sessions.revoke(session.sessionId, 'user_ended');
      throw new AuthException(AuthErrorCode.INVALID_REFRESH_TOKEN);
    }
    return this.tokenResponse(await this.users.getMe(session.userId), session);
  }

  async logout(principal: Principal): Promise<void> {
    if (!principal.sessionId) return;
    await this.sessions.revoke(principal.sessionId, 'logout');
    this.audit.enqueue({
      action: 'auth.logout',
      resourceType: 'session',
      resourceId: principal.sessionId,
    });
  }

  me(principal: Principal): Promise<UserDto> {
    return this.users.getMe(principal.userId);
  }

  updateMe(principal: Principal, dto: UpdateMeDto): Promise<UserDto> {
    return this.users.updateMe(principal.userId, dto);
  }

  /** A wrong `currentPassword` counts toward the same lockout as a failed login. */
  async changePassword(principal: Principal, dto: ChangePasswordDto): Promise<void> {
    const attempt = await this.lockout.begin(this.lockout.accountKey(principal.userId, ''));
    await this.users.changePassword(
      principal.userId,
      dto.currentPassword,
      dto.newPassword,
      async (manager) => {
        await this.sessions.revokeOthers(manager, principal.userId, principal.sessionId);
        if (!dto.keepApiKeys) await this.apiKeys.revokeAllForUser(manager, principal.userId);
      },
      (correct) =>
        correct
          ? this.lockout.succeeded(attempt)
          : this.lockout.failed(attempt, {
              userId: principal.userId,
              tenantId: principal.tenantId,
            }),
    );
  }

  async exportMe(principal: Principal): Promise<MeExportDto> {
    const [profile, apiKeys, sessions, auditTrail] = await Promise.all([
      this.users.getMe(principal.userId),
      this.apiKeys.listForExport(principal.userId),
      this.sessions.listForUser(principal.userId),
      this.auditTrail.exportForCaller(),
    ]);
    return {
      exportedAt: new Date().toISOString(),
      profile,
      apiKeys,
      sessions,
      auditTrail: auditTrail as unknown as Array<Record<string, unknown>>,
    };
  }

  async eraseMe(principal: Principal): Promise<void> {
    await this.users.eraseMe(principal.userId);
  }

  private tokenResponse(user: UserDto, session: IssuedSession): TokenResponseDto {
    return {
      user,
      accessToken: this.tokens.signAccessToken({
        sub: user.id,
        sid: session.sessionId,
        tid: user.tenantId,
        role: user.role,
      }),
      refreshToken: session.refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.config.accessTokenTtlSeconds,
    };
  }
}

function clientInfo(): { ip: string | null; userAgent: string | null } {
  const store = RequestContext.current();
  return { ip: store?.ip ?? null, userAgent: store?.userAgent ?? null };
}

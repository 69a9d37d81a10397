import { Body, Controller, Delete, Get, Header, HttpCode, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { AuditAction } from '@app/audit';
import {
  ApiProblems,
  CurrentPrincipal,
  Public,
  Roles,
  SessionOnly,
  type Principal,
} from '@app/common';
import { UpdateMeDto, UserDto } from '@app/users';
import { AuthRateLimit } from './auth.decorators';
import { AuthService } from './auth.service';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';
import { MeExportDto } from './dto/me-export.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenResponseDto } from './dto/token-response.dto';

/** Registration, login, sessions and the caller's own account (every role has one). */
@ApiTags('auth')
@Roles('admin', 'user', 'guest')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @AuthRateLimit()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'register',
    summary: 'Create a tenant with yourself as its admin, and sign in',
  })
  @ApiCreatedResponse({ type: TokenResponseDto })
  @ApiProblems(400, 409, 415, 429)
  register(@Body() dto: RegisterDto): Promise<TokenResponseDto> {
    return this.auth.register(dto);
  }

  @Post('login')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'login',
    summary: 'Sign in with email or username; every failure is the same 401',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblems(400, 401, 415, 429)
  login(@Body() dto: LoginDto): Promise<TokenResponseDto> {
    return this.auth.login(dto);
  }

  @Post('refresh')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'refreshTokens',
    summary:
      'Rotate the refresh token for a new pair; a used token is a 401 and revokes its session ' +
      '(unless presented again within REFRESH_REUSE_GRACE_SECONDS of its rotation, which returns the same successor)',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblems(400, 401, 415, 429)
  refresh(@Body() dto: RefreshTokenDto): Promise<TokenResponseDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Post('logout')
  @SessionOnly()
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({
    operationId: 'logout',
    summary: 'End the current session: its refresh and access tokens stop working at once',
  })
  @ApiNoContentResponse({ description: 'Signed out' })
  @ApiProblems(401, 403, 429)
  async logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.auth.logout(principal);
  }

  @Get('me')
  @ApiBearerAuth('bearer')
  @ApiSecurity('apiKey')
  @ApiOperation({ operationId: 'getMe', summary: 'The caller' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(401, 403, 429)
  me(@CurrentPrincipal() principal: Principal): Promise<UserDto> {
    return this.auth.me(principal);
  }

  @Put('me')
  @SessionOnly()
  @ApiBearerAuth('bearer')
  @ApiOperation({ operationId: 'updateMe', summary: 'Change your display name or email' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 401, 403, 409, 429)
  updateMe(@CurrentPrincipal() principal: Principal, @Body() dto: UpdateMeDto): Promise<UserDto> {
    return this.auth.updateMe(principal, dto);
  }

  @Post('change-password')
  @SessionOnly()
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({
    operationId: 'changePassword',
    summary:
      'Change your password; every other session and (unless keepApiKeys) every API key ends',
  })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiProblems(400, 401, 403, 429)
  async changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: ChangePasswordDto,
  ): Promise<void> {
    await this.auth.changePassword(principal, dto);
  }

  @Get('me/export')
  @SessionOnly()
  @AuditAction('user.export', 'user')
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth('bearer')
  @ApiOperation({
    operationId: 'exportMe',
    summary: 'Everything stored about you: profile, keys (no secrets), sessions, audit trail',
  })
  @ApiOkResponse({ type: MeExportDto })
  @ApiProblems(401, 403, 429)
  exportMe(@CurrentPrincipal() principal: Principal): Promise<MeExportDto> {
    return this.auth.exportMe(principal);
  }

  @Delete('me')
  @SessionOnly()
  @HttpCode(204)
  @ApiBearerAuth('bearer')
  @ApiOperation({
    operationId: 'deleteMe',
    summary:
      'Close your account: sessions and keys revoked, personal data pseudonymised; ' +
      'the last admin of a tenant with other users gets a 409',
  })
  @ApiNoContentResponse({ description: 'Closed' })
  @ApiProblems(401, 403, 409, 429)
  async deleteMe(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.auth.eraseMe(principal);
  }
}

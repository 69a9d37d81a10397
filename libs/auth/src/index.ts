export { AuthModule } from './auth.module';
export { AuthService } from './auth.service';
export { SessionsService } from './sessions.service';
export { TokensService, type AccessClaims } from './tokens.service';
export { RateLimitStorage } from './rate-limit.storage';
export { AuthException, AuthErrorCode } from './auth.exception';
export { AuthRateLimit } from './auth.decorators';
export { TokenResponseDto } from './dto/token-response.dto';
export { AuthFailuresService } from './auth-failures.service';

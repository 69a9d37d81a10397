import { Module } from '@nestjs/common';
import { RateLimitStorage } from './rate-limit.storage';

/** The rate-limit counters, shared by the throttler and the login lockout (one instance). */
@Module({
  providers: [RateLimitStorage],
  exports: [RateLimitStorage],
})
export class RateLimitModule {}

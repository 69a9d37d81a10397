import { getHeapStatistics } from 'node:v8';
import { Controller, Get, Headers, HttpException, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  DiskHealthIndicator,
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  MemoryHealthIndicator,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { ApiProblems, ErrorCode, ProblemException, Public, bearerMatches } from '@app/common';
import { AppConfig } from '@app/config';
import { DatabaseIndicator } from './database.indicator';
import { HealthRegistry } from './health-registry';
import { ShutdownState } from './shutdown-state';

/** Down when the heap nears V8's own limit (a fixed figure would misjudge big and small pods). */
const HEAP_LIMIT_BYTES = Math.floor(getHeapStatistics().heap_size_limit * 0.9);

/** Probes for Kubernetes and load balancers: open, never rate limited, outside `/api`. */
@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseIndicator,
    private readonly memory: MemoryHealthIndicator,
    private readonly disk: DiskHealthIndicator,
    private readonly registry: HealthRegistry,
    private readonly shutdown: ShutdownState,
    private readonly config: AppConfig,
  ) {}

  @Get('live')
  @ApiOperation({
    operationId: 'healthLive',
    summary: 'Liveness: the process can serve (no dependency checks)',
  })
  @ApiResponse({ status: 200, description: 'Alive' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    operationId: 'healthReady',
    summary: 'Readiness: database answers and migrations are applied; 503 while shutting down',
  })
  ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    return this.run(reply, [
      () => this.accepting(),
      () => this.database.ping(),
      () => this.database.migrations(),
    ]);
  }

  @Get()
  @HealthCheck()
  @ApiOperation({
    operationId: 'healthDetail',
    summary: 'Every check in detail: database, memory, disk and more',
    description:
      'Open in development unless HEALTH_DETAIL_TOKEN is set; then, and always in production, ' +
      'send `Authorization: Bearer <HEALTH_DETAIL_TOKEN>`. The probes stay open.',
  })
  @ApiBearerAuth('healthToken')
  @ApiProblems(401)
  detail(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HealthCheckResult> {
    this.assertDetailAllowed(authorization);
    return this.run(reply, [
      () => this.accepting(),
      () => this.database.ping(),
      () => this.database.migrations(),
      () => this.memory.checkHeap('memory_heap', HEAP_LIMIT_BYTES),
      () =>
        this.disk.checkStorage('disk', {
          path: this.config.dataDir.startsWith('/') ? '/' : '.',
          thresholdPercent: 0.95,
        }),
      ...this.registry.all(),
    ]);
  }

  /** Versions, heap and disk figures help an attacker: outside development they need the token. */
  private assertDetailAllowed(authorization: string | undefined): void {
    const { open, token } = this.config.healthDetail;
    if (open || (token && bearerMatches(token, authorization))) return;
    throw new ProblemException({
      status: 401,
      code: ErrorCode.UNAUTHENTICATED,
      detail: token
        ? 'Send the health token as a bearer token'
        : 'Health detail is closed in production until HEALTH_DETAIL_TOKEN is set; the probes /health/live and /health/ready stay open',
    });
  }

  private accepting() {
    const check = this.indicators.check('shutdown');
    return this.shutdown.isShuttingDown ? check.down({ message: 'shutting down' }) : check.up();
  }

  /** Terminus throws a 503 carrying the detail; answer it as JSON with the same detail. */
  private async run(
    reply: FastifyReply,
    checks: HealthIndicatorFunction[],
  ): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (error instanceof HttpException && error.getStatus() === 503) {
        void reply.status(503);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }
}

import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { ApiProblems, ErrorCode, ProblemException, Public } from '@app/common';
import { AppConfig } from '@app/config';
import { metricsAuthorized } from './metrics-auth';
import { MetricsService } from './metrics.service';

/**
 * `GET /metrics` on the main port: open, or behind `METRICS_TOKEN` (bearer). Outside `/api`,
 * never rate limited. Not registered at all when `METRICS_PORT` moves it to its own listener.
 */
@ApiTags('metrics')
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    operationId: 'metricsScrape',
    summary: 'Prometheus metrics in the text exposition format',
    description:
      'Open unless METRICS_TOKEN is set; then send `Authorization: Bearer <METRICS_TOKEN>`.',
  })
  @ApiBearerAuth('metricsToken')
  @ApiProduces('text/plain')
  @ApiResponse({
    status: 200,
    description: 'Prometheus text format 0.0.4',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiProblems(401)
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!metricsAuthorized(this.config.metrics.token, authorization)) {
      throw new ProblemException({
        status: 401,
        code: ErrorCode.UNAUTHENTICATED,
        detail: 'Send the metrics token as a bearer token',
      });
    }
    void reply.type(this.metrics.contentType);
    return this.metrics.metrics();
  }
}

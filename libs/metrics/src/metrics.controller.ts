import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { ApiProblems, ErrorCode, ProblemException, Public } from '@app/common';
import { AppConfig } from '@app/config';
import { metricsAuthorized } from './metrics-auth';
import { MetricsService } from './metrics.service';

/**
 * `GET /metrics` on the main port: open, or behind `METRICS_TOKEN` (bearer). Outside `/api`,
 * never rate limited. The library's controller with our token rule and the app's own registry
 * (its base class reads prom-client's global one, which several apps in one process would share).
 */
@ApiTags('metrics')
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController extends PrometheusController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {
    super();
  }

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
  override async index(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    if (!metricsAuthorized(this.config.metrics.token, reply.request.headers.authorization)) {
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

/**
 * The library always mounts a controller; with METRICS_PORT, `/metrics` lives on its own
 * listener, so the main port gets this one, which has no route.
 */
@Controller()
export class NoMetricsRoute {}

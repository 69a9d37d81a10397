import { type Server, createServer } from 'node:http';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { LOGGER, type Logger } from '@app/common';
import { AppConfig } from '@app/config';
import { metricsAuthorized } from './metrics-auth';
import { MetricsService } from './metrics.service';

/** With METRICS_PORT set, `/metrics` is served here (same token rule) and not on the main port. */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metrics.port;
    if (port === undefined) return;
    this.server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
        return;
      }
      if (!metricsAuthorized(this.config.metrics.token, request.headers.authorization)) {
        response
          .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
          .end('Unauthorized\n');
        return;
      }
      this.metrics.metrics().then(
        (body) =>
          response
            .writeHead(200, {
              'content-type': this.metrics.contentType,
              'cache-control': 'no-store',
            })
            .end(request.method === 'HEAD' ? undefined : body),
        (error: unknown) => {
          this.logger.error({ err: error }, 'metrics collection failed');
          response.writeHead(500, { 'content-type': 'text/plain' }).end('Error\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, this.config.host, () => resolve());
    });
    this.logger.info({ port, host: this.config.host }, 'metrics listening on their own port');
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

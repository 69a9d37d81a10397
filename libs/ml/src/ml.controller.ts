import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Roles, Scopes } from '@app/common';
import { EmbeddingsDto, EmbeddingsResultDto } from './dto/embeddings.dto';
import { MlStatusDto } from './dto/status.dto';
import { MlErrorCode, MlException } from './ml.exception';
import { MlMetrics } from './ml-metrics';
import { MlStatusService } from './ml-status.service';

/** `/api/ml` status and embeddings (no provider yet). */
@ApiTags('ml')
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@ApiProblems(401, 429)
@Controller('api/ml')
export class MlController {
  constructor(
    private readonly status: MlStatusService,
    private readonly metrics: MlMetrics,
  ) {}

  @Get('status')
  @Scopes('read')
  @ApiOperation({
    operationId: 'getMlStatus',
    summary: "The analyser, the tenant's classifier and the embedding provider",
  })
  @ApiResponse({ status: 200, type: MlStatusDto })
  @ApiProblems(403)
  getStatus(): Promise<MlStatusDto> {
    return this.status.status();
  }

  @Post('embeddings')
  @HttpCode(200)
  @Roles('admin', 'user', 'guest')
  @Scopes('read')
  @ApiOperation({
    operationId: 'createEmbeddings',
    summary: 'Embedding vectors of up to 64 texts',
    description:
      'Needs an embedding provider; none is configured in this release, so a valid body is answered 503 `EMBEDDINGS_NOT_CONFIGURED` (`GET /api/ml/status` says `provider: "none"`).',
  })
  @ApiResponse({ status: 200, type: EmbeddingsResultDto })
  @ApiProblems(400, 403, 413, 415, 503)
  embeddings(@Body() _body: EmbeddingsDto): Promise<EmbeddingsResultDto> {
    return this.metrics.observe('embeddings', () =>
      Promise.reject(new MlException(MlErrorCode.EMBEDDINGS_NOT_CONFIGURED)),
    );
  }
}

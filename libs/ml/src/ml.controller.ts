import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Roles, Scopes, ReadAccess } from '@app/common';
import { EmbeddingsService } from '@app/embeddings';
import { EmbeddingsDto, EmbeddingsResultDto } from './dto/embeddings.dto';
import { MlStatusDto } from './dto/status.dto';
import { MlMetrics } from './ml-metrics';
import { MlStatusService } from './ml-status.service';

/** `/api/ml` status and embeddings. */
@ApiTags('ml')
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@ApiProblems(401, 429)
@Controller('api/ml')
export class MlController {
  constructor(
    private readonly status: MlStatusService,
    private readonly metrics: MlMetrics,
    private readonly embeddingsService: EmbeddingsService,
  ) {}

  @Get('status')
  @ReadAccess()
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
      'Unit-length vectors from the configured embedding provider (EMBEDDINGS_PROVIDER), in the order of the texts; each text is cut to its first 8000 characters before it is sent. Without a provider a valid body is answered 503 `EMBEDDINGS_NOT_CONFIGURED` (`GET /api/ml/status` says `provider: "none"`); a failing provider is a 503 `EMBEDDINGS_PROVIDER_FAILED` with Retry-After.',
  })
  @ApiResponse({ status: 200, type: EmbeddingsResultDto })
  @ApiProblems(400, 403, 413, 415, 503)
  embeddings(@Body() body: EmbeddingsDto): Promise<EmbeddingsResultDto> {
    return this.metrics.observe('embeddings', () => this.embeddingsService.embed(body.texts));
  }
}

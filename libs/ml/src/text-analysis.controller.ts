import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AuditAction } from '@app/audit';
import { ApiProblems, Roles, Scopes } from '@app/common';
import { ML_AUDIT } from './classifier.service';
import { AnalysisDto, EntitiesDto, SummaryDto } from './dto/analysis.dto';
import { SummarizeDto } from './dto/summarize.dto';
import { TextInputDto } from './dto/text-input.dto';
import { MAX_TEXT_LENGTH } from './ml-limits';
import { TextAnalysisService } from './text-analysis.service';

const INPUT = `Takes \`{ text }\` (at most ${MAX_TEXT_LENGTH} characters: longer is a 413 \`TEXT_TOO_LARGE\`) or \`{ blockId }\` (its title and content, read up to that limit); both or neither is a 400 \`INPUT_REQUIRED\`. Runs offline, in process, on a worker thread inside the tenant's \`analyze\` slots (over the cap: 429 \`TENANT_BUSY\` with Retry-After).`;

/** `/api/ml` text analysis: thin; the work runs in TextAnalysisService on the worker pool. */
@ApiTags('ml')
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@ApiProblems(401, 429)
@Controller('api/ml')
export class TextAnalysisController {
  constructor(private readonly analysis: TextAnalysisService) {}

  @Post('analyze')
  @HttpCode(200)
  @Roles('admin', 'user', 'guest')
  @Scopes('read')
  @AuditAction(ML_AUDIT.analyze, 'ml')
  @ApiOperation({
    operationId: 'analyzeText',
    summary: 'Language, sentence and word counts, readability, sentiment and keywords',
    description: `${INPUT} Readability is Flesch reading ease from sentences, words and syllables; sentiment is wink-nlp's. A language other than English gets \`readability\` and \`sentiment\` null, no keywords, and says so in \`unsupported\`.`,
  })
  @ApiResponse({ status: 200, type: AnalysisDto })
  @ApiProblems(400, 403, 404, 413, 415, 422, 503)
  analyze(@Body() body: TextInputDto): Promise<AnalysisDto> {
    return this.analysis.analyze(body);
  }

  @Post('entities')
  @HttpCode(200)
  @Roles('admin', 'user', 'guest')
  @Scopes('read')
  @AuditAction(ML_AUDIT.analyze, 'ml')
  @ApiOperation({
    operationId: 'extractEntities',
    summary: 'Named entities with their offsets and how each was found',
    description: `${INPUT} DATE, TIME, MONEY, PERCENT, EMAIL, URL and the other types of wink-nlp's English model come with \`method: "model"\`; PERSON, PLACE and ORGANIZATION from compromise with \`method: "heuristic"\`. For another language only the types recognised by their form (EMAIL, URL, HASHTAG, MENTION, EMOJI) are given, the rest listed in \`unsupported\`.`,
  })
  @ApiResponse({ status: 200, type: EntitiesDto })
  @ApiProblems(400, 403, 404, 413, 415, 422, 503)
  entities(@Body() body: TextInputDto): Promise<EntitiesDto> {
    return this.analysis.entities(body);
  }

  @Post('summarize')
  @HttpCode(200)
  @Roles('admin', 'user', 'guest')
  @Scopes('read')
  @AuditAction(ML_AUDIT.summarize, 'ml')
  @ApiOperation({
    operationId: 'summarizeText',
    summary: 'Extractive summary: the most central sentences, in their order',
    description: `${INPUT} TextRank over BM25 similarities between sentences (the first 1000 sentences are ranked); \`sentences\` 1..10, default 3.`,
  })
  @ApiResponse({ status: 200, type: SummaryDto })
  @ApiProblems(400, 403, 404, 413, 415, 422, 503)
  summarize(@Body() body: SummarizeDto): Promise<SummaryDto> {
    return this.analysis.summarize(body);
  }
}

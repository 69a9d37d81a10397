import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AuditAction } from '@app/audit';
import { ApiProblems, Roles, Scopes } from '@app/common';
import { ClassifierService, ML_AUDIT } from './classifier.service';
import { ClassificationDto, TagSuggestionsDto } from './dto/classify.dto';
import { TextInputDto } from './dto/text-input.dto';
import { TrainClassifierDto, TrainedModelDto } from './dto/train-classifier.dto';
import { MAX_TRAINING_BLOCKS, MAX_TRAINING_CHARS } from './ml-limits';

/** `/api/ml` per-tenant classifier: thin; the rules live in ClassifierService. */
@ApiTags('ml')
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@ApiProblems(401, 429)
@Controller('api/ml')
export class ClassifierController {
  constructor(private readonly classifier: ClassifierService) {}

  @Post('classifier/train')
  @Roles('admin')
  @Scopes('write')
  @AuditAction(ML_AUDIT.train, 'ml_classifier')
  @ApiOperation({
    operationId: 'trainClassifier',
    summary: "Train the tenant's classifier on its blocks, labelled by type or by tags",
    description: `Naive Bayes (wink-naive-bayes-text-classifier) on the title and content (first ${MAX_TRAINING_CHARS} characters) of the tenant's ${MAX_TRAINING_BLOCKS} most recently updated blocks. Labels need 2 blocks each and there must be 2 labels, else a 422 \`NOT_ENOUGH_EXAMPLES\`. A fifth of each label's blocks is held out to measure \`accuracy\`, then the stored model learns from all. Each training stores a new \`modelVersion\`.`,
  })
  @ApiResponse({ status: 201, type: TrainedModelDto })
  @ApiProblems(400, 403, 415, 422, 503)
  train(@Body() body: TrainClassifierDto): Promise<TrainedModelDto> {
    return this.classifier.train(body);
  }

  @Post('classify')
  @HttpCode(200)
  @Roles('admin', 'user', 'guest')
  @Scopes('read')
  @AuditAction(ML_AUDIT.classify, 'ml_classifier')
  @ApiOperation({
    operationId: 'classifyText',
    summary: "Label a text or block with the tenant's newest classifier",
    description:
      'Takes `{ text }` (at most 100000 characters) or `{ blockId }`. 409 `MODEL_NOT_TRAINED` while the tenant has no model. `confidence` is normalised over the labels; `label` is `unknown` when the model knows no word of the text.',
  })
  @ApiResponse({ status: 200, type: ClassificationDto })
  @ApiProblems(400, 403, 404, 409, 413, 415, 422, 503)
  classify(@Body() body: TextInputDto): Promise<ClassificationDto> {
    return this.classifier.classify(body);
  }

  @Post('suggest-tags')
  @HttpCode(200)
  @Roles('admin', 'user', 'guest')
  @Scopes('read')
  @AuditAction(ML_AUDIT.classify, 'ml_classifier')
  @ApiOperation({
    operationId: 'suggestTags',
    summary: 'Tags for a text or block, from the classifier and from keywords',
    description:
      'Takes `{ text }` or `{ blockId }`. When the tenant\'s newest model was trained on tags, its likely labels come first (`source: "classifier"`); keywords follow as tags (`source: "keywords"`). A block\'s own tags are not suggested; at most 8.',
  })
  @ApiResponse({ status: 200, type: TagSuggestionsDto })
  @ApiProblems(400, 403, 404, 413, 415, 422, 503)
  suggestTags(@Body() body: TextInputDto): Promise<TagSuggestionsDto> {
    return this.classifier.suggestTags(body);
  }
}

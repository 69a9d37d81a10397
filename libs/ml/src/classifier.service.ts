import { Injectable } from '@nestjs/common';
import { AuditService } from '@app/audit';
import { RequestContext } from '@app/common';
import type { ClassifierModelRow } from './classifier-models.repository';
import { ClassifierModelsRepository } from './classifier-models.repository';
import type { ClassificationDto, TagSuggestionDto, TagSuggestionsDto } from './dto/classify.dto';
import type { TextInputDto } from './dto/text-input.dto';
import type { TrainClassifierDto, TrainedModelDto } from './dto/train-classifier.dto';
import { TRAINING_TIMEOUT_MS } from './ml-limits';
import { MlErrorCode, MlException } from './ml.exception';
import { MlRunner } from './ml-runner';
import { ML_TASKS } from './ml-tasks';
import { TextSource } from './text-source';
import { TrainingExamplesRepository } from './training-examples.repository';

/** Audit actions of the module: a typed map, so an action nobody emits fails to compile. */
export const ML_AUDIT = {
  analyze: 'ml.analyze',
  summarize: 'ml.summarize',
  classify: 'ml.classify',
  train: 'ml.train',
} as const;

/** Tag suggestions: classifier labels at least this likely, then keywords. */
const MIN_CLASSIFIER_CONFIDENCE = 0.15;
const SUGGESTIONS = 8;
/** Keywords weigh less than a trained model's opinion of the same tag. */
const KEYWORD_CONFIDENCE = 0.6;

/** Per-tenant classifiers: training on the tenant's blocks, classification, tag suggestions. */
@Injectable()
export class ClassifierService {
  constructor(
    private readonly models: ClassifierModelsRepository,
    private readonly examples: TrainingExamplesRepository,
    private readonly source: TextSource,
    private readonly runner: MlRunner,
    private readonly audit: AuditService,
  ) {}

  /**
   * Trains on the tenant's newest blocks (a worker thread, the tenant's slot) and stores the
   * model as the next version with its audit entry in one transaction.
   */
  train(dto: TrainClassifierDto): Promise<TrainedModelDto> {
    return this.runner.observe('train', async () => {
      const examples = await this.examples.examples(dto.labelFrom);
      const trained = await this.runner.run(ML_TASKS.train, { examples }, TRAINING_TIMEOUT_MS);
      if ('refused' in trained) {
        throw new MlException(MlErrorCode.NOT_ENOUGH_EXAMPLES, trained.refused);
      }
      const row = await this.models.transaction(async (manager) => {
        const stored = await this.models.insert(
          manager,
          {
            label_from: dto.labelFrom,
            labels: trained.labels,
            examples: trained.examples,
            held_out: trained.heldOut,
            accuracy: trained.accuracy,
            model: trained.model,
          },
          RequestContext.principal()?.userId ?? null,
        );
        await this.audit.record(manager, {
          action: ML_AUDIT.train,
          resourceType: 'ml_classifier',
          resourceId: null,
          changes: {
            before: null,
            after: {
              version: stored.version,
              labelFrom: stored.label_from,
              labels: stored.labels.length,
              examples: stored.examples,
              accuracy: stored.accuracy,
            },
          },
        });
        return stored;
      });
      return toResponse(row);
    });
  }

  classify(input: TextInputDto): Promise<ClassificationDto> {
    return this.runner.observe('classify', async () => {
      const { text } = await this.source.resolve(input);
      const model = await this.models.latestWithModel();
      if (!model) throw new MlException(MlErrorCode.MODEL_NOT_TRAINED);
      const prediction = await this.runner.run(ML_TASKS.classify, {
        key: `${RequestContext.tenantId()}:${model.version}`,
        model: model.model,
        text,
      });
      return { ...prediction, modelVersion: model.version };
    });
  }

  /**
   * Tags from the tenant's classifier when it was trained on tags, then from keywords; a
   * block's own tags are not suggested again.
   */
  suggestTags(input: TextInputDto): Promise<TagSuggestionsDto> {
    return this.runner.observe('suggest_tags', async () => {
      const { text, block } = await this.source.resolve(input);
      const have = new Set(block?.tags ?? []);
      const tags: TagSuggestionDto[] = [];
      const add = (tag: string, confidence: number, source: TagSuggestionDto['source']) => {
        if (have.has(tag) || tags.length >= SUGGESTIONS) return;
        have.add(tag);
        tags.push({ tag, confidence: Math.round(confidence * 1000) / 1000, source });
      };
      const model = await this.models.latestWithModel();
      if (model?.label_from === 'tags') {
        const prediction = await this.runner.run(ML_TASKS.classify, {
          key: `${RequestContext.tenantId()}:${model.version}`,
          model: model.model,
          text,
        });
        for (const option of [prediction, ...prediction.alternatives]) {
          if (option.confidence >= MIN_CLASSIFIER_CONFIDENCE && option.label !== 'unknown') {
            add(option.label, option.confidence, 'classifier');
          }
        }
      }
      const { keywords } = await this.runner.run(ML_TASKS.keywords, { text, limit: SUGGESTIONS });
      for (const keyword of keywords) {
        add(toTag(keyword.term), keyword.weight * KEYWORD_CONFIDENCE, 'keywords');
      }
      return { tags };
    });
  }

  /** The tenant's newest model, without its body. */
  latest(): Promise<ClassifierModelRow | undefined> {
    return this.models.latest();
  }
}

/** A keyword as a tag: lower case, words joined by dashes, within the usual tag length. */
function toTag(term: string): string {
  return term.toLowerCase().split(/\s+/).filter(Boolean).join('-').slice(0, 64);
}

function toResponse(row: ClassifierModelRow): TrainedModelDto {
  return {
    modelVersion: row.version,
    labelFrom: row.label_from,
    labels: row.labels,
    examples: row.examples,
    heldOut: row.held_out,
    accuracy: row.accuracy,
    trainedAt: row.trained_at.toISOString(),
  };
}

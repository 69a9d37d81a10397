import { Injectable } from '@nestjs/common';
import { EmbeddingsService } from '@app/embeddings';
import { ClassifierService } from './classifier.service';
import type { MlStatusDto } from './dto/status.dto';
import { MAX_TEXT_LENGTH } from './ml-limits';

/** Versions of the offline models, as installed (package.json pins them). */
const ANALYZER = {
  status: 'ready' as const,
  offline: true,
  model: 'wink-nlp 2.4 + wink-eng-lite-web-model 1.8',
  entityHeuristics: 'compromise 14.17',
  languageDetector: 'eld 2.1 (extra-small profiles, 60 languages)',
  language: 'en',
  maxTextLength: MAX_TEXT_LENGTH,
};

/** What the tenant's ML can do now: the analyser, its classifier, the embedding provider. */
@Injectable()
export class MlStatusService {
  constructor(
    private readonly classifier: ClassifierService,
    private readonly embeddings: EmbeddingsService,
  ) {}

  async status(): Promise<MlStatusDto> {
    const [model, embeddings] = await Promise.all([
      this.classifier.latest(),
      this.embeddings.status(),
    ]);
    return {
      analyzer: ANALYZER,
      classifier: {
        trained: model !== undefined,
        version: model?.version ?? null,
        labelFrom: model?.label_from ?? null,
        labels: model?.labels ?? [],
        examples: model?.examples ?? null,
        accuracy: model?.accuracy ?? null,
        trainedAt: model?.trained_at.toISOString() ?? null,
      },
      embeddings,
    };
  }
}

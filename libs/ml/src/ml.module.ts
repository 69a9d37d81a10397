import { Module } from '@nestjs/common';
import { BlocksModule } from '@app/blocks';
import { ClassifierController } from './classifier.controller';
import { ClassifierModelsRepository } from './classifier-models.repository';
import { ClassifierService } from './classifier.service';
import { MlController } from './ml.controller';
import { ML_METRICS, MlMetrics } from './ml-metrics';
import { MlRunner } from './ml-runner';
import { MlStatusService } from './ml-status.service';
import { TextAnalysisController } from './text-analysis.controller';
import { TextAnalysisService } from './text-analysis.service';
import { TextSource } from './text-source';
import { TrainingExamplesRepository } from './training-examples.repository';

/** Text analysis, entities, summaries and per-tenant classifiers: offline, in process. */
@Module({
  imports: [BlocksModule],
  controllers: [TextAnalysisController, ClassifierController, MlController],
  providers: [
    TextAnalysisService,
    ClassifierService,
    MlStatusService,
    MlRunner,
    ...ML_METRICS,
    MlMetrics,
    TextSource,
    ClassifierModelsRepository,
    TrainingExamplesRepository,
  ],
  exports: [TextAnalysisService, ClassifierService],
})
export class MlModule {}

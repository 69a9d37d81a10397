export { MlModule } from './ml.module';
export { TextAnalysisService } from './text-analysis.service';
export { ClassifierService, ML_AUDIT } from './classifier.service';
export { MlErrorCode, MlException } from './ml.exception';
export { MAX_TEXT_LENGTH } from './ml-limits';
export { wordnetNounGlosses, WORDNET_CLASSES } from './analysis/wordnet-corpus';

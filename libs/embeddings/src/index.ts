export { EmbeddingsModule } from './embeddings.module';
export {
  EmbeddingsService,
  type EmbeddingsResult,
  type EmbeddingsStatus,
} from './embeddings.service';
export { EmbeddingsErrorCode, EmbeddingsException } from './embeddings.exception';

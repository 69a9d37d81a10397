export { AppConfig, type EmbeddingsConfig } from './app-config';
export { ConfigModule } from './config.module';
export { ConfigError, loadConfig } from './load-config';
export { parseDurationSeconds } from './duration';
export {
  OPERATION_CLASSES,
  DEFAULT_TENANT_CONCURRENCY,
  DEFAULT_STATEMENT_TIMEOUTS_MS,
  type OperationClass,
  type FairnessConfig,
} from './fairness-config';

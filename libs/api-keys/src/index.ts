export { ApiKeysModule } from './api-keys.module';
export { ApiKeysService } from './api-keys.service';
export { ApiKeysException, ApiKeysErrorCode } from './api-keys.exception';
export { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';

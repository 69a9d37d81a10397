import { Module } from '@nestjs/common';
import { UsersModule } from '@app/users';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysStatistics } from './api-keys-statistics';
import { ApiKeysService } from './api-keys.service';

/** API keys. */
@Module({
  imports: [UsersModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, ApiKeysRepository, ApiKeysStatistics],
  exports: [ApiKeysService],
})
export class ApiKeysModule {}

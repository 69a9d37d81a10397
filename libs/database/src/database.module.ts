import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@app/config';
import { dataSourceOptions } from './data-source-options';
import { PgNotifications } from './pg-notifications';

/**
 * The app's TypeORM connection. Entities register themselves through `forFeature` in their
 * module (autoLoadEntities); pending migrations run at start outside production, where the
 * Helm chart's pre-install/pre-upgrade Job runs them instead. Also shares the LISTEN/NOTIFY
 * channel every replica uses to drop cached sessions and keys.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (!config.databaseUrl)
          throw new Error('DATABASE_URL must be resolved before the app starts');
        return {
          ...dataSourceOptions(config.databaseUrl),
          autoLoadEntities: true,
          migrationsRun: !config.isProduction,
          retryAttempts: config.env === 'test' ? 1 : 5,
          retryDelay: 1000,
        };
      },
    }),
  ],
  providers: [PgNotifications],
  exports: [PgNotifications],
})
export class DatabaseModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@app/config';
import { dataSourceOptions } from './data-source-options';

/**
 * The app's TypeORM connection. Entities register themselves through `forFeature` in their
 * module (autoLoadEntities); pending migrations run at start outside production, where the
 * Helm chart's pre-install/pre-upgrade Job runs them instead.
 */
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
})
export class DatabaseModule {}

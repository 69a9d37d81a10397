import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, type Logger } from '@app/common';
import { AppConfig } from '@app/config';
import { UsersService } from './users.service';

/**
 * On first start with no user at all: the default tenant and its admin from ADMIN_*, or with a
 * generated password printed once on stderr (never into the JSON log). Skipped in tests unless
 * ADMIN_* are set.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  constructor(
    private readonly users: UsersService,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { email, username, password } = this.config.admin;
    if (this.config.env === 'test' && !email && !username && !password) return;
    if (await this.users.hasAnyUser()) return;
    const generated = !password;
    const secret = password ?? randomBytes(18).toString('base64url');
    const admin = await this.users.bootstrapAdmin({
      email: email ?? 'admin@example.com',
      username: username ?? 'admin',
      password: secret,
    });
    if (!admin) return;
    this.logger.info(
      { userId: admin.id, tenantId: admin.tenantId, username: admin.username },
      'created the first admin',
    );
    if (generated) {
      process.stderr.write(
        `\nFirst admin created: username "${admin.username}", password "${secret}"\n` +
          'It is shown only this once: sign in and change it.\n\n',
      );
    }
  }
}

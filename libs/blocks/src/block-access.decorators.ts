import { applyDecorators } from '@nestjs/common';
import { Roles, Scopes } from '@app/common';

/** A read of tenant blocks: every role; an API key needs the `read` scope. */
export { ReadAccess } from '@app/common';

/** A change of tenant blocks: users and admins (never viewers); an API key needs `write`. */
export const WriteAccess = (): MethodDecorator & ClassDecorator =>
  applyDecorators(Roles('user', 'admin'), Scopes('write'));

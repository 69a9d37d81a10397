import { SetMetadata } from '@nestjs/common';

export const SESSION_ONLY_KEY = 'auth:sessionOnly';

/** The route needs a bearer session (a user at the keyboard): API keys get a 403. */
export const SessionOnly = (): MethodDecorator & ClassDecorator =>
  SetMetadata(SESSION_ONLY_KEY, true);

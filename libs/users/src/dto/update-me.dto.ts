import { DisplayNameField, OptionalEmailField } from './fields';

/** What a user may change on its own profile. */
export class UpdateMeDto {
  @DisplayNameField()
  displayName?: string;

  @OptionalEmailField()
  email?: string;
}

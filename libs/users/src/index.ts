export { UsersModule } from './users.module';
export {
  UsersService,
  assertKey,
  parseIdentityEvent,
  type UserAuthState,
  type RegisterInput,
} from './users.service';
export { PasswordService, ARGON2_OPTIONS } from './password.service';
export { UsersException, UsersErrorCode } from './users.exception';
export { UserDto } from './dto/user.dto';
export { UpdateMeDto } from './dto/update-me.dto';
export {
  EmailField,
  UsernameField,
  NewPasswordField,
  DisplayNameField,
  USERNAME_PATTERN,
} from './dto/fields';
export { IDENTITY_CHANNEL, type IdentityEvent, type UserEndedHook } from './identity-events';

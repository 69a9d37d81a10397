import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { AuditAction } from '@app/audit';
import { ApiProblems, PageOf, Roles, Scopes, UuidPipe, type Page } from '@app/common';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersDto } from './dto/list-users.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserDto } from './dto/user.dto';
import { UsersService } from './users.service';

/** User administration inside the caller's tenant: admins only (keys need the `admin` scope). */
@ApiTags('users')
@ApiBearerAuth('bearer')
@ApiSecurity('apiKey')
@Roles('admin')
@Scopes('admin')
@Controller('api/auth/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @AuditAction('user.list', 'user')
  @ApiOperation({ operationId: 'listUsers', summary: "Users of the caller's tenant" })
  @ApiOkResponse({ type: PageOf(UserDto) })
  @ApiProblems(400, 401, 403, 429)
  list(@Query() query: ListUsersDto): Promise<Page<UserDto>> {
    return this.users.list(query);
  }

  @Post()
  @ApiOperation({ operationId: 'createUser', summary: "Create a user in the caller's tenant" })
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblems(400, 401, 403, 409, 429)
  create(@Body() dto: CreateUserDto): Promise<UserDto> {
    return this.users.create(dto);
  }

  @Get(':id')
  @AuditAction('user.read', 'user')
  @ApiOperation({ operationId: 'getUser', summary: 'One user of the tenant' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 401, 403, 404, 429)
  get(@Param('id', UuidPipe) id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateUser',
    summary: 'Change role, activity or display name; deactivating ends sessions and keys at once',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 401, 403, 404, 409, 429)
  update(@Param('id', UuidPipe) id: string, @Body() dto: UpdateUserDto): Promise<UserDto> {
    return this.users.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteUser',
    summary: 'Erase a user (an admin cannot delete itself: 409)',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Erased; its sessions and keys are revoked' })
  @ApiProblems(400, 401, 403, 404, 409, 429)
  async remove(@Param('id', UuidPipe) id: string): Promise<void> {
    await this.users.remove(id);
  }
}

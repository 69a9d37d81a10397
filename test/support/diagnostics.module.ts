import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Public } from '@app/common';

class NestedDto {
  @IsString()
  @MaxLength(10)
  name!: string;
}

class EchoDto {
  @IsString()
  @MaxLength(20)
  title!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  count?: number;

  @IsOptional()
  @ValidateNested({ each: true })
  @ArrayMaxSize(3)
  @Type(() => NestedDto)
  items?: NestedDto[];
}

/** Test-only routes that exercise the error pipeline without depending on any business module. */
@Public()
@Controller('test')
class DiagnosticsController {
  @Post('echo')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail at /srv/app/internal.ts');
  }
}

@Module({ controllers: [DiagnosticsController] })
export class DiagnosticsModule {}

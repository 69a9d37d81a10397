import 'reflect-metadata';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsEmail, IsIn, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { declareValidatedLimits } from './validated-limits';

class Sample {
  @ApiProperty() @IsString() @MaxLength(10) @Length(1, 8) short!: string;
  @ApiProperty() @IsUUID() id!: string;
  @ApiProperty() @IsEmail() email!: string;
  @ApiProperty() @IsIn(['draft', 'published']) state!: string;
  @ApiProperty({ enum: ['a', 'b'] }) @IsIn(['a', 'b']) declared!: string;
  @ApiProperty({ maxLength: 3 }) @MaxLength(9) own!: string;
  @ApiProperty({ type: String, isArray: true })
  @ArrayMaxSize(4)
  @MaxLength(20, { each: true })
  tags!: string[];
  @ApiProperty() @IsString() free!: string;
}

const optionsOf = (property: keyof Sample): Record<string, unknown> =>
  Reflect.getMetadata('swagger/apiModelProperties', Sample.prototype, property) as Record<
    string,
    unknown
  >;

describe('declareValidatedLimits', () => {
  beforeAll(() => declareValidatedLimits());

  it('states the tightest length and size the validators enforce', () => {
    expect(optionsOf('short').maxLength).toBe(8);
    expect(optionsOf('id').maxLength).toBe(36);
    expect(optionsOf('email').maxLength).toBe(254);
    expect(optionsOf('state').maxLength).toBe('published'.length);
    expect(optionsOf('tags')).toMatchObject({ maxItems: 4, maxLength: 20 });
  });

  it('keeps what a property declares itself, and adds nothing where nothing is enforced', () => {
    expect(optionsOf('own').maxLength).toBe(3);
    expect(optionsOf('declared').maxLength).toBeUndefined();
    expect(optionsOf('free').maxLength).toBeUndefined();
  });
});

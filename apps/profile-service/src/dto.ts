import {
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Matches,
  MaxLength,
  NotEquals,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

// Each field states presence (`Required`/`Optional`), then type, then content. A failed field is
// answered with one message, its most basic failed rule ("tag: is required", "tag: must be a
// string"), not every rule a missing or mistyped value also breaks (see `flatten` in input.ts).

/** The field must be present. `null` is present, and then fails the type rule that follows. */
function Required(): PropertyDecorator {
  return ValidateBy({
    name: 'isRequired',
    validator: { validate: (v: unknown) => v !== undefined, defaultMessage: () => '$property is required' },
  });
}

/**
 * The field may be left out; when given, every rule applies. Unlike class-validator's `IsOptional`,
 * `null` is not "left out": it would otherwise skip the type rule and reach the controller.
 */
function Optional(): PropertyDecorator {
  return ValidateIf((_object: object, v: unknown) => v !== undefined);
}

export class UpdateProfileDto {
  @Optional() @IsString() @IsNotEmpty() @MaxLength(200) displayName?: string;
  @Optional() @IsString() @IsEmail() @MaxLength(320) email?: string;
  @Optional()
  @IsString()
  @Matches(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: 'locale must be a BCP 47 tag such as en-GB' })
  locale?: string;
}

export class PreferenceDto {
  @Required() @IsString() @MaxLength(4096) value!: string;
}

export class TagDto {
  @Required() @IsString() @IsNotEmpty() @MaxLength(100) tag!: string;
}

export class FavouriteDto {
  @Required() @IsString() @IsNotEmpty() @MaxLength(200) itemId!: string;
}

export class CreditDto {
  @Required()
  @IsInt({ message: 'amountCents must be an integer number of cents' })
  @NotEquals(0, { message: 'amountCents must not be 0' })
  amountCents!: number;
}

export class StartSessionDto {
  @Optional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'sessionId must be 1-128 of A-Z a-z 0-9 . _ -' })
  sessionId?: string;
  @Required() @IsString() @IsNotEmpty() @MaxLength(200) device!: string;
}

export class EndSessionDto {
  @Optional() @IsIn(['logout', 'expired', 'revoked']) reason?: 'logout' | 'expired' | 'revoked';
}

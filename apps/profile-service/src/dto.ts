import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  NotEquals,
  IsEmail,
} from 'class-validator';

export class UpdateProfileDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) displayName?: string;
  @IsOptional() @IsEmail() @MaxLength(320) email?: string;
  @IsOptional()
  @Matches(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: 'locale must be a BCP 47 tag such as en-GB' })
  locale?: string;
}

export class PreferenceDto {
  @IsString() @MaxLength(4096) value!: string;
}

export class TagDto {
  @IsString() @IsNotEmpty() @MaxLength(100) tag!: string;
}

export class FavouriteDto {
  @IsString() @IsNotEmpty() @MaxLength(200) itemId!: string;
}

export class CreditDto {
  @IsInt({ message: 'amountCents must be an integer number of cents' })
  @NotEquals(0, { message: 'amountCents must not be 0' })
  amountCents!: number;
}

export class StartSessionDto {
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'sessionId must be 1-128 of A-Z a-z 0-9 . _ -' })
  sessionId?: string;
  @IsString() @IsNotEmpty() @MaxLength(200) device!: string;
}

export class EndSessionDto {
  @IsOptional() @IsIn(['logout', 'expired', 'revoked']) reason?: 'logout' | 'expired' | 'revoked';
}

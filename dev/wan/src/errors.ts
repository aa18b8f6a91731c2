import { MeridianError } from '@meridian/errors';

/** A WAN control request that cannot be carried out: a bad body (400) or an unknown link (404). */
export class WanError extends MeridianError<'INVALID_REQUEST' | 'UNKNOWN_LINK' | 'WAN_CONTROL'> {}

export {
  PROFILE,
  PROFILE_FIELDS,
  profileEventToOperation,
  profileSteps,
  profileModel,
  type ProfilePayload,
  type ProfileStep,
} from './profile';

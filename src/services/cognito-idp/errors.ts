/**
 * The errors Cognito user pools answer with, by AWS code, with AWS's own messages where they
 * are fixed. Every one is a client fault with HTTP 400, as Cognito answers them.
 * @module
 */
import { ServiceError } from '../../errors.js';

const err = (code: string, message: string): ServiceError => new ServiceError(code, message, 400);

export const invalidParameter = (message: string): ServiceError => err('InvalidParameterException', message);
export const notAuthorized = (message: string): ServiceError => err('NotAuthorizedException', message);
export const resourceNotFound = (message: string): ServiceError => err('ResourceNotFoundException', message);

/** Wrong password, bad SRP proof, or (with PreventUserExistenceErrors) an unknown user. */
export const incorrectCredentials = (): ServiceError => notAuthorized('Incorrect username or password.');
export const userNotFound = (message = 'User does not exist.'): ServiceError => err('UserNotFoundException', message);
export const userNotConfirmed = (): ServiceError => err('UserNotConfirmedException', 'User is not confirmed.');
export const userDisabled = (): ServiceError => notAuthorized('User is disabled.');
export const usernameExists = (message = 'User already exists'): ServiceError => err('UsernameExistsException', message);
export const invalidPassword = (message: string): ServiceError => err('InvalidPasswordException', message);
export const codeMismatch = (): ServiceError => err('CodeMismatchException', 'Invalid verification code provided, please try again.');
export const expiredCode = (): ServiceError => err('ExpiredCodeException', 'Invalid code provided, please request a code again.');
export const attemptLimit = (): ServiceError => err('LimitExceededException', 'Attempt limit exceeded, please try after some time.');
export const passwordResetRequired = (): ServiceError => err('PasswordResetRequiredException', 'Password reset required for the user');
export const poolNotFound = (poolId: string): ServiceError => resourceNotFound(`User pool ${poolId} does not exist.`);
export const clientNotFound = (clientId: string): ServiceError => resourceNotFound(`User pool client ${clientId} does not exist.`);
export const groupNotFound = (): ServiceError => resourceNotFound('Group not found.');
export const groupExists = (name: string): ServiceError => err('GroupExistsException', `A group with the name ${name} already exists.`);
export const invalidSession = (): ServiceError => notAuthorized('Invalid session for the user.');
export const expiredSession = (): ServiceError => notAuthorized('Invalid session for the user, session is expired.');
export const aliasExists = (attribute: string): ServiceError => err('AliasExistsException', `An account with the given ${attribute} already exists.`);
export const unsupportedUserState = (message: string): ServiceError => err('UnsupportedUserStateException', message);
export const limitExceeded = (message: string): ServiceError => err('LimitExceededException', message);
/** CloudTrail shows AWS's wording: "<ProviderName> already exists in user pool <userPoolId>". */
export const duplicateProvider = (name: string, poolId: string): ServiceError => err('DuplicateProviderException', `${name} already exists in user pool ${poolId}`);

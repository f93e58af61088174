/**
 * IAM's errors with AWS's codes, statuses and messages.
 * @module
 */
import { ServiceError } from '../../errors.js';

export const noSuchEntity = (message: string): ServiceError => new ServiceError('NoSuchEntity', message, 404);
export const noSuchRole = (name: string): ServiceError => noSuchEntity(`The role with name ${name} cannot be found.`);
export const entityAlreadyExists = (message: string): ServiceError => new ServiceError('EntityAlreadyExists', message, 409);
export const deleteConflict = (message: string): ServiceError => new ServiceError('DeleteConflict', message, 409);
export const limitExceeded = (message: string): ServiceError => new ServiceError('LimitExceeded', message, 409);
export const invalidInput = (message: string): ServiceError => new ServiceError('InvalidInput', message, 400);
export const malformedPolicy = (message: string): ServiceError => new ServiceError('MalformedPolicyDocument', message, 400);
export const validationError = (message: string): ServiceError => new ServiceError('ValidationError', message, 400);
export const invalidArn = (arn: string): ServiceError => invalidInput(`ARN ${arn} is not valid.`);
export const notAttachable = (arn: string): ServiceError => noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
export const policyNotFound = (arn: string): ServiceError => noSuchEntity(`Policy ${arn} was not found.`);

/** AWS-managed policies belong to AWS: changing one is refused as not authorized. */
export const awsManagedReadOnly = (principalArn: string, action: string, arn: string): ServiceError =>
  new ServiceError('AccessDenied', `User: ${principalArn} is not authorized to perform: ${action} on resource: policy ${arn}`, 403);

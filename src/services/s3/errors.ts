/**
 * S3's errors with AWS's codes, statuses and messages. Each carries the extra members S3's
 * `<Error>` document has for it (BucketName, Key, …), in AWS's order.
 * @module
 */
import { ServiceError } from '../../errors.js';

const e = (code: string, message: string, status: number, extra?: Record<string, string>, headers?: Record<string, string>): ServiceError =>
  new ServiceError(code, message, status, { ...(extra === undefined ? {} : { extra }), ...(headers === undefined ? {} : { headers }) });

export const S3Errors = {
  noSuchBucket: (bucket: string) => e('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket }),
  noSuchKey: (key: string) => e('NoSuchKey', 'The specified key does not exist.', 404, { Key: key }),
  noSuchUpload: (uploadId: string) =>
    e('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', 404, { UploadId: uploadId }),
  bucketNotEmpty: (bucket: string) => e('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, { BucketName: bucket }),
  bucketAlreadyOwnedByYou: (bucket: string) =>
    e('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, { BucketName: bucket }),
  invalidBucketName: (bucket: string) => e('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: bucket }),
  accessDenied: (message = 'Access Denied') => e('AccessDenied', message, 403),
  invalidArgument: (message: string, name?: string, value?: string) =>
    e('InvalidArgument', message, 400, name === undefined ? undefined : { ArgumentName: name, ArgumentValue: value ?? '' }),
  invalidRequest: (message: string) => e('InvalidRequest', message, 400),
  methodNotAllowed: (method: string, resourceType: string) =>
    e('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, { Method: method, ResourceType: resourceType }),
  notImplemented: (what: string) =>
    e('NotImplemented', `A header or query you provided implies functionality that is not implemented: ${what}. Gatehouse does not implement it yet; see the README's compatibility table.`, 501),
  missingContentLength: () => e('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411),
  entityTooLarge: (size: number, max: number) =>
    e('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, { ProposedSize: String(size), MaxSizeAllowed: String(max) }),
  entityTooSmall: (size: number, partNumber: number, etag: string) =>
    e('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', 400, {
      ProposedSize: String(size),
      MinSizeAllowed: '5242880',
      PartNumber: String(partNumber),
      ETag: etag,
    }),
  invalidPart: (partNumber: number, etag: string, uploadId: string) =>
    e('InvalidPart', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", 400, {
      UploadId: uploadId,
      PartNumber: String(partNumber),
      ETag: etag,
    }),
  invalidPartOrder: (uploadId: string) =>
    e('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', 400, { UploadId: uploadId }),
  badDigestMd5: (expected: string, calculated: string) =>
    e('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400, { ExpectedDigest: expected, CalculatedDigest: calculated }),
  badDigestChecksum: (algorithm: string) => e('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`, 400),
  invalidDigest: (value: string) => e('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400, { 'Content-MD5': value }),
  invalidRange: (range: string, size: number) =>
    e('InvalidRange', 'The requested range is not satisfiable', 416, { RangeRequested: range, ActualObjectSize: String(size) }, { 'content-range': `bytes */${size}` }),
  preconditionFailed: (condition: string) => e('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: condition }),
  incompleteBody: () => e('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header', 400),
  invalidUri: () => e('InvalidURI', "Couldn't parse the specified URI.", 400),
  keyTooLong: (size: number) => e('KeyTooLongError', 'Your key is too long', 400, { MaxSizeAllowed: '1024', Size: String(size) }),
  contentSha256Mismatch: (client: string, computed: string) =>
    e('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, {
      ClientComputedContentSHA256: client,
      S3ComputedContentSHA256: computed,
    }),
  noSuchCors: (bucket: string) => e('NoSuchCORSConfiguration', 'The CORS configuration does not exist', 404, { BucketName: bucket }),
  noSuchWebsite: (bucket: string) => e('NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration', 404, { BucketName: bucket }),
  noSuchPolicy: (bucket: string) => e('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, { BucketName: bucket }),
  noSuchPublicAccessBlock: (bucket: string) =>
    e('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404, { BucketName: bucket }),
  noOwnershipControls: (bucket: string) => e('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found', 404, { BucketName: bucket }),
  aclNotSupported: () => e('AccessControlListNotSupported', 'The bucket does not allow ACLs', 400),
  malformedPolicy: (message: string) => e('MalformedPolicy', message, 400),
  invalidLocationConstraint: (value: string) =>
    e('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, { LocationConstraint: value }),
} as const;

/** Status text for the website endpoint's HTML error pages. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  416: 'Requested Range Not Satisfiable',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

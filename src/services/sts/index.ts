/**
 * STS (Query protocol): who am I, and temporary credentials.
 * @module
 */
import { loadModel } from '../../protocols/model.js';
import type { ApiService, OperationHandlers } from '../types.js';
import type { Operations } from './api.generated.js';

export function createStsService(): ApiService {
  const operations: OperationHandlers<Operations> = {
    GetCallerIdentity(_input, ctx) {
      const p = ctx.principal!;
      return { Account: p.accountId, Arn: p.arn, UserId: p.userId };
    },
  };
  return {
    name: 'sts',
    model: loadModel('sts'),
    validationErrorCode: 'ValidationError',
    internalErrorCode: 'InternalFailure',
    operations: operations as ApiService['operations'],
  };
}

/**
 * Helpers shared by the Identity Pools tests.
 */
export { errorOf, type CaughtError } from '../../support/errors.js';


/**
 * What every service is built from: configuration, clock, store, secrets, mail, logging, and
 * the two cross-cutting seams (who signed a request; may they do this).
 * @module
 */
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { Mailer } from './mail/mailer.js';
import type { CompositeCredentialResolver, RootCredentials } from './credentials.js';
import type { Authorizer } from './services/iam/authorizer.js';
import type { Database } from './store/database.js';
import type { SecretBox } from './store/secrets.js';

export interface Platform {
  config: Config;
  clock: Clock;
  db: Database;
  secrets: SecretBox;
  mailer: Mailer;
  log: Logger;
  root: RootCredentials;
  credentials: CompositeCredentialResolver;
  authorizer: Authorizer;
}

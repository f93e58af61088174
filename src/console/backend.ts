/**
 * The console's back end is a client of Gatehouse's public APIs and nothing else: each call is
 * an AWS SDK v3 command, signed with the session's credentials and sent to Gatehouse's own
 * endpoint, so authentication and the policy engine decide exactly as they do for the CLI.
 * @module
 */
import * as identity from '@aws-sdk/client-cognito-identity';
import * as idp from '@aws-sdk/client-cognito-identity-provider';
import * as iam from '@aws-sdk/client-iam';
import * as lambda from '@aws-sdk/client-lambda';
import * as s3 from '@aws-sdk/client-s3';
import * as sts from '@aws-sdk/client-sts';
import { ConsoleCallError } from './call-error.js';
import type { ConsoleCredentials } from './session.js';

type Module = Record<string, unknown>;
interface SdkClient {
  send(command: unknown): Promise<Record<string, unknown>>;
  destroy(): void;
}
type ClientCtor = new (config: Record<string, unknown>) => SdkClient;

const SERVICES: Record<string, { mod: Module; client: string }> = {
  'cognito-idp': { mod: idp as unknown as Module, client: 'CognitoIdentityProviderClient' },
  'cognito-identity': { mod: identity as unknown as Module, client: 'CognitoIdentityClient' },
  iam: { mod: iam as unknown as Module, client: 'IAMClient' },
  lambda: { mod: lambda as unknown as Module, client: 'LambdaClient' },
  sts: { mod: sts as unknown as Module, client: 'STSClient' },
  s3: { mod: s3 as unknown as Module, client: 'S3Client' },
};

export { ConsoleCallError };

export class ConsoleBackend {
  constructor(
    private readonly endpoint: () => string,
    private readonly region: string,
  ) {}

  /** One public API call as the signed-in principal. `operation` is the AWS operation name. */
  async call(credentials: ConsoleCredentials, service: string, operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const svc = Object.hasOwn(SERVICES, service) ? SERVICES[service] : undefined;
    const Command = /^[A-Z][A-Za-z0-9]{1,80}$/.test(operation) && svc !== undefined ? (svc.mod[`${operation}Command`] as (new (input: unknown) => unknown) | undefined) : undefined;
    if (svc === undefined || typeof Command !== 'function') throw new ConsoleCallError(400, 'UnknownOperation', `${service}:${operation} is not an operation the console can call.`);
    const Client = svc.mod[svc.client] as ClientCtor;
    const client = new Client({ endpoint: this.endpoint(), region: this.region, credentials, forcePathStyle: true, maxAttempts: 1 });
    try {
      const out = await client.send(new Command(input));
      const { $metadata: _m, ...rest } = out;
      return rest;
    } catch (err) {
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      throw new ConsoleCallError(e.$metadata?.httpStatusCode ?? 500, e.name ?? 'Error', e.message ?? 'The call failed.');
    } finally {
      client.destroy();
    }
  }

  /**
   * An object's bytes for a download (GetObject, as the signed-in principal), read before the
   * client closes; refused above `limit` bytes so one download cannot fill memory.
   */
  async getObject(credentials: ConsoleCredentials, bucket: string, key: string, limit: number): Promise<{ body: Uint8Array; contentType: string }> {
    const client = new s3.S3Client({ endpoint: this.endpoint(), region: this.region, credentials, forcePathStyle: true, maxAttempts: 1 });
    try {
      const out = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: key }));
      if ((out.ContentLength ?? 0) > limit) {
        out.Body?.transformToWebStream().cancel().catch(() => undefined);
        throw new ConsoleCallError(413, 'EntityTooLarge', `The console downloads objects of up to ${limit} bytes; use the CLI or an SDK for larger ones.`);
      }
      return { body: (await out.Body?.transformToByteArray()) ?? new Uint8Array(), contentType: out.ContentType ?? 'application/octet-stream' };
    } catch (err) {
      if (err instanceof ConsoleCallError) throw err;
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      throw new ConsoleCallError(e.$metadata?.httpStatusCode ?? 500, e.name ?? 'Error', e.message ?? 'The call failed.');
    } finally {
      client.destroy();
    }
  }

  /**
   * The mail outbox through Gatehouse's own outbox API, with the session's key as the HTTP Basic
   * credentials it asks for. The request names itself forwarded so that the outbox does not take
   * it for a trusted client on this host: its own check (the root key) decides, as for anyone.
   */
  outbox(credentials: ConsoleCredentials, to: string | undefined): Promise<{ status: number; body: unknown }> {
    return this.internal(credentials, 'outbox', new URLSearchParams({ limit: '100', ...(to === undefined ? {} : { to }) }));
  }

  /** The recent denied requests (`/_gatehouse/decisions`), authorized as the outbox is. */
  decisions(credentials: ConsoleCredentials): Promise<{ status: number; body: unknown }> {
    return this.internal(credentials, 'decisions', new URLSearchParams({ limit: '100' }));
  }

  private async internal(credentials: ConsoleCredentials, name: string, q: URLSearchParams): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.endpoint()}/_gatehouse/${name}?${q.toString()}`, {
      headers: { authorization: `Basic ${Buffer.from(`${credentials.accessKeyId}:${credentials.secretAccessKey}`).toString('base64')}`, forwarded: 'for=gatehouse-console' },
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as unknown };
  }

  /** Who these credentials are (STS GetCallerIdentity), or undefined when Gatehouse refuses them. */
  async whoAmI(credentials: ConsoleCredentials): Promise<string | undefined> {
    try {
      const out = await this.call(credentials, 'sts', 'GetCallerIdentity', {});
      return typeof out.Arn === 'string' ? out.Arn : undefined;
    } catch {
      return undefined;
    }
  }
}

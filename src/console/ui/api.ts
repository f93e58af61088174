/** The page's only way out: the console back end's JSON API, with the session's CSRF token. */
const BASE = '/_gatehouse/console/api/';
let csrf = '';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function post(name: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(BASE + name, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body), credentials: 'same-origin' });
  const out = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(String(out.code ?? res.status), String(out.message ?? `HTTP ${res.status}`));
  return out;
}

/** What the server tells a signed-in page about itself. */
export const config = { websiteHostSuffix: 's3-website.localhost', authHostSuffix: 'auth.localhost' };

export async function currentSession(): Promise<string | undefined> {
  const res = await fetch(BASE + 'session', { credentials: 'same-origin' });
  if (!res.ok) return undefined;
  const out = (await res.json()) as { arn: string; csrf: string; websiteHostSuffix: string; authHostSuffix: string };
  csrf = out.csrf;
  config.websiteHostSuffix = out.websiteHostSuffix;
  config.authHostSuffix = out.authHostSuffix;
  return out.arn;
}

export async function signIn(accessKeyId: string, secretAccessKey: string): Promise<string> {
  const out = await post('session', { accessKeyId, secretAccessKey });
  csrf = String(out.csrf);
  config.websiteHostSuffix = String(out.websiteHostSuffix);
  config.authHostSuffix = String(out.authHostSuffix);
  return String(out.arn);
}

function objectQuery(bucket: string, key: string): string {
  return `bucket=${encodeURIComponent(bucket)}&key=${encodeURIComponent(key)}`;
}

export function downloadUrl(bucket: string, key: string): string {
  return `${BASE}object?${objectQuery(bucket, key)}`;
}

/** Files above this go up in parts of PART_SIZE (S3's minimum part is 5 MiB). */
export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
export const PART_SIZE = 8 * 1024 * 1024;

/** One file to one key, reporting the fraction sent: PutObject, or a multipart upload when large. */
export async function upload(bucket: string, key: string, file: File, onProgress: (fraction: number) => void): Promise<void> {
  if (file.size <= MULTIPART_THRESHOLD) {
    await send(`${BASE}upload?${objectQuery(bucket, key)}`, key, file, file.type, (f) => onProgress(f));
    return;
  }
  const { UploadId } = await call<{ UploadId: string }>('s3', 'CreateMultipartUpload', { Bucket: bucket, Key: key, ...(file.type === '' ? {} : { ContentType: file.type }) });
  try {
    const parts: { ETag: string; PartNumber: number }[] = [];
    for (let start = 0, n = 1; start < file.size; start += PART_SIZE, n++) {
      const blob = file.slice(start, Math.min(start + PART_SIZE, file.size));
      const etag = await send(`${BASE}upload?${objectQuery(bucket, key)}&uploadId=${encodeURIComponent(UploadId)}&partNumber=${n}`, key, blob, '', (f) => onProgress((start + f * blob.size) / file.size));
      parts.push({ ETag: etag, PartNumber: n });
    }
    await call('s3', 'CompleteMultipartUpload', { Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } });
  } catch (err) {
    await call('s3', 'AbortMultipartUpload', { Bucket: bucket, Key: key, UploadId }).catch(() => undefined);
    throw err;
  }
}

/** One request to the upload route; resolves to the ETag S3 gave. */
function send(url: string, key: string, body: Blob, type: string, onProgress: (fraction: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('x-csrf-token', csrf);
    if (type !== '') xhr.setRequestHeader('content-type', type);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      if (xhr.status === 200) return resolve(String((JSON.parse(xhr.responseText) as { ETag?: string }).ETag ?? ''));
      let out: Record<string, unknown> = {};
      try {
        out = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        // Not JSON: the status says enough.
      }
      reject(new ApiError(String(out.code ?? xhr.status), `${key}: ${String(out.message ?? `HTTP ${xhr.status}`)}`));
    };
    xhr.onerror = () => reject(new ApiError('NetworkError', `${key}: the upload failed.`));
    xhr.send(body);
  });
}

export async function signOut(): Promise<void> {
  await post('signout', {});
  csrf = '';
}

/** One public API call, e.g. call('cognito-idp', 'ListUserPools', { MaxResults: 60 }). */
export function call<T = Record<string, unknown>>(service: string, operation: string, input: Record<string, unknown> = {}): Promise<T> {
  return post('call', { service, operation, input }) as Promise<T>;
}

export interface OutboxMessage {
  id: number;
  createdAt: string;
  channel: 'email' | 'sms';
  to: string;
  subject?: string;
  text: string;
  purpose: string;
}

/** The outbox, newest first (only the root key may read it). */
export async function outbox(to: string): Promise<OutboxMessage[]> {
  const out = await post('outbox', to.trim() === '' ? {} : { to: to.trim() });
  return (out.messages as OutboxMessage[] | undefined) ?? [];
}

export interface Denial {
  time: string;
  principal: string;
  action: string;
  resource: string;
  decision: string;
  decidedBy: string;
  policyType: string;
}

/** The recent denied requests, newest first (only the root key may read them). */
export async function decisions(): Promise<Denial[]> {
  return ((await post('decisions', {})).decisions as Denial[] | undefined) ?? [];
}

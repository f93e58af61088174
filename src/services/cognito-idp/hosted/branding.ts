/**
 * SetUICustomization's CSS and logo on the hosted pages. Both are served from the domain
 * itself (`/ui/css`, `/ui/logo`, by client_id), so the pages' Content-Security-Policy can stay
 * `'self'` for styles and images in both address forms; a client without its own branding
 * gets the pool's (ALL).
 * @module
 */
import { send } from '../../../protocols/http.js';
import type { IdpContext } from '../context.js';
import type { UiCustomization } from '../store/hosted.js';
import type { DomainRequest } from './routes.js';

/** The customization the pages of `clientId` show: its own, or the pool's default. */
export async function brandingFor(idp: IdpContext, poolId: string, clientId: string): Promise<UiCustomization | undefined> {
  return (await idp.hosted.uiCustomization(poolId, clientId)) ?? (await idp.hosted.uiCustomization(poolId, 'ALL'));
}

export async function brandingEndpoint(idp: IdpContext, d: DomainRequest, what: 'css' | 'logo'): Promise<void> {
  const { r } = d;
  if (r.method !== 'GET' && r.method !== 'HEAD') {
    send(r.res, 405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }, 'Use GET.\n');
    return;
  }
  const clientId = new URLSearchParams(r.query).get('client_id') ?? 'ALL';
  const u = clientId.length > 128 ? undefined : await brandingFor(idp, d.pool.id, clientId);
  const headers = { 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=60' };
  if (what === 'css' && u?.css !== undefined) {
    send(r.res, 200, { ...headers, 'content-type': 'text/css; charset=utf-8' }, r.method === 'HEAD' ? undefined : u.css);
  } else if (what === 'logo' && u?.image !== undefined && u.imageType !== undefined) {
    send(r.res, 200, { ...headers, 'content-type': u.imageType }, r.method === 'HEAD' ? undefined : u.image);
  } else {
    send(r.res, 404, { 'content-type': 'text/plain' }, 'No customization.\n');
  }
}

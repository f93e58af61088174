/**
 * HTTP and HTTPS on one port. Each new connection's first byte tells them apart: a TLS
 * ClientHello starts with 0x16 (handshake record), no HTTP request line does. TLS connections
 * are decrypted here and handed, as TLS sockets, to the same http.Server as plain ones, so
 * every service, timeout, keep-alive rule and shutdown path is the same on both.
 *
 * The TLS credentials are asked for on the first TLS connection only, so a server nobody
 * reaches over HTTPS never creates its local CA (tests start cheaply). A client that names
 * (SNI) one of the extra hosts (user pools' custom domains) gets that host's own certificate.
 * @module
 */
import type http from 'node:http';
import type net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../log.js';

const TLS_HANDSHAKE = 0x16;
/** A connection must send its first byte within this time (a client that connects and waits holds a socket). */
const FIRST_BYTE_MS = 30_000;
/** The TLS handshake must finish within this time. */
const HANDSHAKE_MS = 30_000;

export interface TlsCredentials {
  key: string | Buffer;
  cert: string | Buffer;
}

/** Host names known only at run time (custom domains), each with its own certificate. */
export interface ExtraHosts {
  has(host: string): Promise<boolean>;
  credentials(host: string): TlsCredentials;
}

/** Secure contexts kept per extra host name. */
const MAX_CONTEXTS = 1000;

/**
 * Makes `server` (not yet listening) accept TLS on its port too. `credentials` is called
 * once, on the first TLS connection; a failure there is logged and closes that connection.
 * Returns a function that ends the connections still waiting for their first byte or in their
 * handshake (for close; the http.Server ends the rest).
 */
export function acceptTlsToo(server: http.Server, credentials: () => TlsCredentials, log: Logger, extra?: ExtraHosts): { closeWaiting(): void } {
  const httpListeners = server.listeners('connection') as ((socket: net.Socket) => void)[];
  server.removeAllListeners('connection');
  const toHttp = (socket: net.Socket): void => {
    for (const l of httpListeners) l.call(server, socket);
  };
  const waiting = new Set<net.Socket>();
  let context: tls.SecureContext | undefined;

  const secureContext = (): tls.SecureContext | undefined => {
    if (context !== undefined) return context;
    try {
      const { key, cert } = credentials();
      context = tls.createSecureContext({ key, cert, minVersion: 'TLSv1.2' });
    } catch (err) {
      log.error({ event: 'tls.credentials.failed', err: (err as Error).message }, 'TLS credentials could not be loaded');
      return undefined;
    }
    return context;
  };

  const hostContexts = new Map<string, tls.SecureContext>();
  const sniCallback = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    const name = servername.toLowerCase();
    const known = hostContexts.get(name);
    if (known !== undefined || extra === undefined) return cb(null, known ?? secureContext());
    extra.has(name).then(
      (yes) => {
        if (!yes) return cb(null, secureContext());
        const { key, cert } = extra.credentials(name);
        const ctx = tls.createSecureContext({ key, cert, minVersion: 'TLSv1.2' });
        if (hostContexts.size >= MAX_CONTEXTS) hostContexts.clear();
        hostContexts.set(name, ctx);
        cb(null, ctx);
      },
      (err: Error) => {
        log.error({ event: 'tls.host-credentials.failed', host: name, err: err.message }, 'TLS credentials for a host could not be made');
        cb(err);
      },
    );
  };

  // TLS sockets are made here rather than by a tls.Server so that a handshake still under way
  // is ours to end at shutdown (a client that went away mid-handshake is otherwise only noticed
  // at the handshake timeout).
  const startTls = (socket: net.Socket): void => {
    const ctx = secureContext();
    if (ctx === undefined) {
      socket.destroy();
      return;
    }
    const t = new tls.TLSSocket(socket, { isServer: true, secureContext: ctx, ...(extra === undefined ? {} : { SNICallback: sniCallback }) });
    waiting.add(t as net.Socket);
    const timer = setTimeout(() => t.destroy(), HANDSHAKE_MS);
    const done = (): void => {
      clearTimeout(timer);
      waiting.delete(t as net.Socket);
    };
    t.once('close', done);
    t.once('secure', () => {
      done();
      toHttp(t);
    });
    // A failed handshake is the client's business (untrusted CA, wrong protocol): not an error of ours.
    t.on('error', (err) => {
      log.debug({ event: 'tls.handshake.failed', err: err.message }, 'TLS handshake failed');
      t.destroy();
    });
  };

  server.on('connection', (socket: net.Socket) => {
    waiting.add(socket);
    const timer = setTimeout(() => socket.destroy(), FIRST_BYTE_MS);
    const settle = (): void => {
      clearTimeout(timer);
      waiting.delete(socket);
    };
    socket.once('close', settle);
    socket.once('data', (chunk: Buffer) => {
      settle();
      socket.off('close', settle);
      // Put the bytes back: the HTTP parser or the TLS layer reads them again from the socket's buffer.
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE) startTls(socket);
      else toHttp(socket);
      process.nextTick(() => socket.resume());
    });
    // Errors before the hand-over (a reset while waiting) must not crash the process.
    socket.on('error', () => socket.destroy());
  });

  return {
    closeWaiting() {
      for (const s of waiting) s.destroy();
      waiting.clear();
    },
  };
}

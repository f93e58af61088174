/**
 * A round-robin load balancer for multi-node tests: every request goes to the next node in
 * turn, unchanged (Host included, so SigV4 signatures made for the balancer's address verify on
 * any node), and the balancer remembers which node answered what.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  /** Node URLs; set before the first request. */
  nodes: string[];
  /** Index of the node each request went to, with a label (target or method + path). */
  served: { node: number; what: string; body: Buffer }[];
  /** The next request goes to this node (then round-robin continues from there). */
  next(node: number): void;
  /** Nodes that are skipped (killed). */
  down: Set<number>;
  close(): Promise<void>;
}

export async function startBalancer(): Promise<Balancer> {
  let turn = 0;
  const b: Balancer = {
    url: '',
    nodes: [],
    served: [],
    down: new Set(),
    next(node) {
      turn = node;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server = http.createServer((req, res) => {
    let node = turn % b.nodes.length;
    for (let i = 0; i < b.nodes.length && b.down.has(node); i++) node = (node + 1) % b.nodes.length;
    turn = node + 1;
    const target = new URL(req.url ?? '/', b.nodes[node]);
    const entry = { node, what: String(req.headers['x-amz-target'] ?? `${req.method} ${req.url}`), body: Buffer.alloc(0) };
    b.served.push(entry);
    // Small API bodies are kept (a test may replay one); object bodies are not.
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      if (entry.body.length + c.length <= 64 * 1024) chunks.push(c);
    });
    req.on('end', () => (entry.body = Buffer.concat(chunks)));
    const out = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  // Longer than clients keep idle connections (undici: 4 s), as real balancers do (nginx 75 s, ALB
  // 60 s): with a shorter one the balancer may close a connection just as a client reuses it,
  // and the client sees a network error that no node caused. close() still ends idle ones.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  b.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return b;
}

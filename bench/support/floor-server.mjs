// The floor under a benchmark: a bare node:http server that does only the crypto a request
// cannot avoid (`?modexp=N&sign=M`: N 3072-bit modexps with 32-byte exponents, M RS256
// signatures over token-sized claims) and answers small JSON, with nothing else: no routing,
// parsing, store or logging. What it reaches is what node:http plus that crypto allow on the
// machine; plain JavaScript so it starts without a compiler.
import { createDiffieHellman, generateKeyPairSync, getDiffieHellman, randomBytes, randomUUID, sign } from 'node:crypto';
import http from 'node:http';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const header = Buffer.from(JSON.stringify({ kid: 'floor', alg: 'RS256' })).toString('base64url');
const dh = createDiffieHellman(getDiffieHellman('modp15').getPrime(), Buffer.from([2]));
const base = randomBytes(384);
base[0] = 0x7f;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const q = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    const body = Buffer.concat(chunks).toString('utf8');
    const out = { n: body.length };
    for (let i = 0; i < Number(q.get('modexp') ?? 0); i++) {
      dh.setPrivateKey(randomBytes(32));
      out[`m${i}`] = dh.computeSecret(base).subarray(0, 8).toString('hex');
    }
    for (let i = 0; i < Number(q.get('sign') ?? 0); i++) {
      const claims = { sub: randomUUID(), iss: 'http://127.0.0.1:4566/us-east-1_floor', client_id: 'floorclientid', origin_jti: randomUUID(), event_id: randomUUID(), token_use: 'access', scope: 'openid email', auth_time: 1, exp: 2, iat: 1, jti: randomUUID(), username: 'floor-user' };
      const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      out[`t${i}`] = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    }
    const payload = Buffer.from(JSON.stringify(out));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': payload.length });
    res.end(payload);
  });
});
server.listen(0, '127.0.0.1', () => console.log(`floor ready at http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, startServer, startServerWithSmtp, type TestServer } from '../support/gatehouse.js';
import type { TestSmtp } from '../support/smtp.js';

let smtp: TestSmtp;
let server: TestServer;
beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp({ GATEHOUSE_MAIL_FROM: 'Gatehouse <no-reply@gatehouse.test>' }));
});
afterAll(() => closeAll(server, smtp));

describe('mail delivery', () => {
  it('delivers email over real SMTP when configured, and keeps none in the outbox', async () => {
    await server.gatehouse.platform.mailer.send({ channel: 'email', to: 'ana@example.com', subject: 'Your verification code', text: 'Your code is 654321 — ünïcode', purpose: 'test' });
    const mail = await smtp.waitFor('ana@example.com');
    expect(mail.from).toBe('no-reply@gatehouse.test');
    expect(mail.subject).toBe('Your verification code');
    expect(mail.text).toBe('Your code is 654321 — ünïcode');
    expect(await server.gatehouse.platform.mailer.outbox()).toEqual([]);
  });

  it('keeps SMS in the outbox, as there is no SMS gateway', async () => {
    await server.gatehouse.platform.mailer.send({ channel: 'sms', to: '+15555550100', text: 'Your code is 111222', purpose: 'test' });
    expect((await server.gatehouse.platform.mailer.outbox({ to: '+15555550100' }))[0]).toMatchObject({ channel: 'sms', text: 'Your code is 111222' });
  });

  it('rejects when the SMTP server is unreachable', async () => {
    const other = await startServer({ GATEHOUSE_SMTP_URL: 'smtp://127.0.0.1:1' });
    try {
      await expect(other.gatehouse.platform.mailer.send({ channel: 'email', to: 'x@example.com', text: 'x', purpose: 'test' })).rejects.toThrow();
    } finally {
      await other.close();
    }
  });
});

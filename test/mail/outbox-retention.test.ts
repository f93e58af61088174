/**
 * What the outbox keeps and what the log shows (issue 10, item 10): deliveries are logged
 * without their text (the code) at info level, the text only at debug; the outbox keeps
 * messages for a bounded age and number (GATEHOUSE_OUTBOX_MAX_AGE_HOURS / _MAX_MESSAGES);
 * the start-up log says once where SMS go. A code sent through SDK v3 (ForgotPassword by
 * SMS-less email in a pool without SMTP) must not appear in any info-level line.
 */
import { AdminUpdateUserAttributesCommand, ForgotPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { startServer } from '../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, idp } from '../services/cognito-idp/support.js';

describe('the outbox', () => {
  it('logs deliveries without their text at info level, and says once where SMS go', async () => {
    const server = await startServer();
    try {
      const pool = await createPool(server);
      await confirmedUser(server, pool, 'quiet', 'quiet@example.com');
      await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'quiet', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
      await anonymous(server).send(new ForgotPasswordCommand({ ClientId: pool.clientId, Username: 'quiet' }));
      const [latest] = await server.gatehouse.platform.mailer.outbox({ to: 'quiet@example.com', limit: 1 });
      const code = /\b(\d{6})\b/.exec(latest!.text)![1]!;
      const lines = server.logs();
      expect(lines.filter((l) => l.event === 'mail.outbox').length).toBe(2);
      // No string in any line carries the code (numbers such as timestamps are not text).
      expect(lines.filter((l) => Object.values(l).some((v) => typeof v === 'string' && v.includes(code)))).toEqual([]);
      expect(lines.filter((l) => l.event === 'sms.destination')).toEqual([expect.objectContaining({ destination: 'outbox' })]);
    } finally {
      await server.close();
    }
  });

  it('shows the text at debug level, for a developer who asks for it', async () => {
    const server = await startServer({ GATEHOUSE_LOG_LEVEL: 'debug' });
    try {
      await server.gatehouse.platform.mailer.send({ channel: 'sms', to: '+15555550123', text: 'Your code is 424242', purpose: 'test' });
      expect(server.logs().find((l) => l.event === 'mail.outbox.text')).toMatchObject({ to: '+15555550123', text: 'Your code is 424242' });
    } finally {
      await server.close();
    }
  });

  it('keeps at most GATEHOUSE_OUTBOX_MAX_MESSAGES, the newest', async () => {
    const server = await startServer({ GATEHOUSE_OUTBOX_MAX_MESSAGES: '3' });
    try {
      const mailer = server.gatehouse.platform.mailer;
      for (let i = 0; i < 5; i++) await mailer.send({ channel: 'sms', to: '+15555550100', text: `message ${i}`, purpose: 'test' });
      expect((await mailer.outbox()).map((m) => m.text)).toEqual(['message 4', 'message 3', 'message 2']);
    } finally {
      await server.close();
    }
  });

  it('drops messages older than GATEHOUSE_OUTBOX_MAX_AGE_HOURS', async () => {
    const server = await startServer({ GATEHOUSE_OUTBOX_MAX_AGE_HOURS: '1' });
    try {
      const mailer = server.gatehouse.platform.mailer;
      await mailer.send({ channel: 'email', to: 'old@example.com', text: 'old code 111111', purpose: 'test' });
      server.gatehouse.clock.advance(3600_000 + 1000);
      await mailer.send({ channel: 'email', to: 'new@example.com', text: 'new code 222222', purpose: 'test' });
      expect((await mailer.outbox()).map((m) => m.to)).toEqual(['new@example.com']);
    } finally {
      await server.close();
    }
  });

  it('refuses a retention setting that is not a positive whole number', async () => {
    await expect(startServer({ GATEHOUSE_OUTBOX_MAX_MESSAGES: '0' })).rejects.toThrow('GATEHOUSE_OUTBOX_MAX_MESSAGES: "0" is not a whole number from 1 to 1000000');
    await expect(startServer({ GATEHOUSE_OUTBOX_MAX_AGE_HOURS: '1.5' })).rejects.toThrow('GATEHOUSE_OUTBOX_MAX_AGE_HOURS');
  });
});

/**
 * Message delivery. Email goes out over SMTP when GATEHOUSE_SMTP_URL is set; otherwise it
 * lands in the outbox (a table in the store, readable over HTTP and printed to the log), so a
 * developer without a mail server still gets the verification code. SMS has no gateway here:
 * text messages always land in the outbox.
 * @module
 */
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Logger } from '../log.js';
import type { Database, Schema } from '../store/database.js';

export interface Message {
  channel: 'email' | 'sms';
  /** Email address or E.164 phone number. */
  to: string;
  subject?: string;
  text: string;
  html?: string;
  /** What the message is for (e.g. `SignUp`, `ForgotPassword`); shown in the outbox. */
  purpose: string;
}

export interface OutboxEntry extends Message {
  id: number;
  createdAt: string;
}

export interface Mailer {
  /** Delivers or queues the message; rejects if the SMTP server refuses it. */
  send(message: Message): Promise<void>;
  outbox(filter?: { to?: string; limit?: number }): Promise<OutboxEntry[]>;
  close(): void;
}

export const mailSchema: Schema = {
  component: 'mail',
  migrations: [
    {
      version: 1,
      description: 'outbox',
      sql: `CREATE TABLE mail_outbox (
        id INTEGER PRIMARY KEY,
        created_at BIGINT NOT NULL,
        channel TEXT NOT NULL,
        recipient TEXT NOT NULL,
        subject TEXT,
        body_text TEXT NOT NULL,
        body_html TEXT,
        purpose TEXT NOT NULL
      );
      CREATE INDEX mail_outbox_recipient ON mail_outbox (recipient, id);`,
    },
  ],
};

interface OutboxRow {
  id: number;
  created_at: number;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string | null;
  body_text: string;
  body_html: string | null;
  purpose: string;
}

export class DefaultMailer implements Mailer {
  readonly #transport: Transporter | undefined;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly from: string,
    smtpUrl: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.#transport = smtpUrl === undefined ? undefined : nodemailer.createTransport(smtpUrl);
  }

  async send(message: Message): Promise<void> {
    if (message.channel === 'email' && this.#transport !== undefined) {
      const info = (await this.#transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject ?? '',
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
      })) as { messageId?: string };
      this.log.info({ event: 'mail.sent', to: message.to, purpose: message.purpose, messageId: info.messageId }, 'mail delivered over SMTP');
      return;
    }
    await this.db.run(
      'INSERT INTO mail_outbox (created_at, channel, recipient, subject, body_text, body_html, purpose) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [this.now(), message.channel, message.to, message.subject ?? null, message.text, message.html ?? null, message.purpose],
    );
    // The outbox is how a developer without SMTP reads codes, so the log shows the message too.
    this.log.info(
      { event: 'mail.outbox', channel: message.channel, to: message.to, purpose: message.purpose, subject: message.subject, text: message.text },
      `${message.channel} to ${message.to} kept in the outbox (no SMTP configured)`,
    );
  }

  async outbox(filter: { to?: string; limit?: number } = {}): Promise<OutboxEntry[]> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 1000);
    const rows =
      filter.to === undefined
        ? await this.db.all<OutboxRow>('SELECT * FROM mail_outbox ORDER BY id DESC LIMIT ?', [limit])
        : await this.db.all<OutboxRow>('SELECT * FROM mail_outbox WHERE recipient = ? ORDER BY id DESC LIMIT ?', [filter.to, limit]);
    return rows.map((r) => ({
      id: r.id,
      createdAt: new Date(r.created_at).toISOString(),
      channel: r.channel,
      to: r.recipient,
      ...(r.subject === null ? {} : { subject: r.subject }),
      text: r.body_text,
      ...(r.body_html === null ? {} : { html: r.body_html }),
      purpose: r.purpose,
    }));
  }

  close(): void {
    this.#transport?.close();
  }
}

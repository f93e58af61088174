import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has embedded defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 4566, host: '127.0.0.1', region: 'us-east-1', publicUrl: 'http://127.0.0.1:4566', smtpUrl: undefined, publicUrlSet: false });
    expect(c.dataDir.endsWith('.gatehouse')).toBe(true);
  });

  it('lets flags override the environment', () => {
    expect(loadConfig({ GATEHOUSE_PORT: '5000' }, { GATEHOUSE_PORT: '6000' }).port).toBe(6000);
  });

  it.each([
    [{ GATEHOUSE_PORT: 'http' }, 'GATEHOUSE_PORT'],
    [{ GATEHOUSE_PORT: '70000' }, 'GATEHOUSE_PORT'],
    [{ GATEHOUSE_REGION: 'mars' }, 'GATEHOUSE_REGION'],
    [{ GATEHOUSE_PUBLIC_URL: 'ftp://x' }, 'GATEHOUSE_PUBLIC_URL'],
    [{ GATEHOUSE_SMTP_URL: 'localhost:25' }, 'GATEHOUSE_SMTP_URL'],
    [{ GATEHOUSE_ROOT_ACCESS_KEY_ID: 'AKIAEXAMPLE0000000' }, 'GATEHOUSE_ROOT_SECRET_ACCESS_KEY'],
    [{ GATEHOUSE_ROOT_ACCESS_KEY_ID: 'lower', GATEHOUSE_ROOT_SECRET_ACCESS_KEY: 'x'.repeat(20) }, 'GATEHOUSE_ROOT_ACCESS_KEY_ID'],
    [{ GATEHOUSE_LOG_LEVEL: 'loud' }, 'GATEHOUSE_LOG_LEVEL'],
    [{ GATEHOUSE_ACCOUNT_ID: '123' }, 'GATEHOUSE_ACCOUNT_ID'],
  ])('names the variable when %j is invalid', (env, variable) => {
    const e = errorFor(env);
    expect(e.variable).toBe(variable);
    expect(e.message.startsWith(`${variable}: `)).toBe(true);
  });
});

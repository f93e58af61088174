/**
 * Runs the AWS CLI and boto3 (both on the machine) against a test server, so the Python
 * SDK's parsers judge our responses too.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function env(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: credentials.sessionToken }),
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

export async function awsCli(
  url: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  args: string[],
  region = 'us-east-1',
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run('aws', [...args, '--endpoint-url', url, '--output', 'json'], { env: env(credentials, region), timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs a Python snippet with boto3; `ENDPOINT` and `REGION` are defined for it. Prints go to stdout. */
export async function boto3(
  url: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  script: string,
  region = 'us-east-1',
): Promise<CliResult> {
  const prelude = `import boto3, botocore, json, sys\nENDPOINT = ${JSON.stringify(url)}\nREGION = ${JSON.stringify(region)}\n`;
  try {
    const { stdout, stderr } = await run('python3', ['-c', prelude + script], { env: env(credentials, region), timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

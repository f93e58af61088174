/**
 * The README's walkthrough with the AWS CLI (create pool and client as root, sign up, read
 * the code from the outbox, confirm, log in), and the Python SDK's parsers on the same
 * service through boto3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../../support/cli.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { codeIn } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

async function cli(args: string[]): Promise<Record<string, unknown>> {
  const r = await awsCli(server.url, server.credentials, ['cognito-idp', ...args]);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
}

describe('the AWS CLI', () => {
  it('signs a user up, confirms with the code from the outbox, and logs in', async () => {
    const pool = (await cli(['create-user-pool', '--pool-name', 'demo', '--auto-verified-attributes', 'email'])).UserPool as { Id: string };
    const client = (await cli(['create-user-pool-client', '--user-pool-id', pool.Id, '--client-name', 'demo-app', '--explicit-auth-flows', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'])).UserPoolClient as {
      ClientId: string;
    };
    const signUp = await cli(['sign-up', '--client-id', client.ClientId, '--username', 'alice', '--password', 'Passw0rd!', '--user-attributes', 'Name=email,Value=alice@example.com']);
    expect(signUp).toMatchObject({ UserConfirmed: false, CodeDeliveryDetails: { Destination: 'a***@e***.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' } });

    const outbox = (await (await fetch(`${server.url}/_gatehouse/outbox?to=alice@example.com`)).json()) as { messages: { text: string }[] };
    await cli(['confirm-sign-up', '--client-id', client.ClientId, '--username', 'alice', '--confirmation-code', codeIn(outbox.messages[0]!.text)]);

    const auth = await cli(['initiate-auth', '--auth-flow', 'USER_PASSWORD_AUTH', '--client-id', client.ClientId, '--auth-parameters', 'USERNAME=alice,PASSWORD=Passw0rd!']);
    const result = auth.AuthenticationResult as Record<string, unknown>;
    expect(result).toMatchObject({ TokenType: 'Bearer', ExpiresIn: 3600 });
    expect(String(result.IdToken).split('.')).toHaveLength(3);

    const user = await cli(['get-user', '--access-token', String(result.AccessToken)]);
    expect(user.Username).toBe('alice');

    const wrong = await awsCli(server.url, server.credentials, ['cognito-idp', 'initiate-auth', '--auth-flow', 'USER_PASSWORD_AUTH', '--client-id', client.ClientId, '--auth-parameters', 'USERNAME=alice,PASSWORD=Wrong-Passw0rd!']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('An error occurred (NotAuthorizedException) when calling the InitiateAuth operation: Incorrect username or password.');

    const listed = await cli(['list-users', '--user-pool-id', pool.Id, '--filter', 'email ^= "ali"']);
    expect((listed.Users as { Username: string }[]).map((u) => u.Username)).toEqual(['alice']);
  });
});

describe('boto3', () => {
  it('manages a pool, signs up, signs in with USER_PASSWORD_AUTH, and reads AWS error codes', async () => {
    const script = `
c = boto3.client('cognito-idp', endpoint_url=ENDPOINT, region_name=REGION)
pool = c.create_user_pool(PoolName='py', Policies={'PasswordPolicy': {'MinimumLength': 8}})['UserPool']
app = c.create_user_pool_client(UserPoolId=pool['Id'], ClientName='py', ExplicitAuthFlows=['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'])['UserPoolClient']
out = c.sign_up(ClientId=app['ClientId'], Username='bob', Password='longenough', UserAttributes=[{'Name': 'email', 'Value': 'bob@example.com'}])
c.admin_confirm_sign_up(UserPoolId=pool['Id'], Username='bob')
c.create_group(UserPoolId=pool['Id'], GroupName='staff', Precedence=1)
c.admin_add_user_to_group(UserPoolId=pool['Id'], Username='bob', GroupName='staff')
tokens = c.initiate_auth(ClientId=app['ClientId'], AuthFlow='USER_PASSWORD_AUTH', AuthParameters={'USERNAME': 'bob', 'PASSWORD': 'longenough'})['AuthenticationResult']
me = c.get_user(AccessToken=tokens['AccessToken'])
refreshed = c.initiate_auth(ClientId=app['ClientId'], AuthFlow='REFRESH_TOKEN_AUTH', AuthParameters={'REFRESH_TOKEN': tokens['RefreshToken']})['AuthenticationResult']
errors = []
for call in [
    lambda: c.initiate_auth(ClientId=app['ClientId'], AuthFlow='USER_PASSWORD_AUTH', AuthParameters={'USERNAME': 'bob', 'PASSWORD': 'wrongwrong'}),
    lambda: c.admin_get_user(UserPoolId=pool['Id'], Username='nobody'),
    lambda: c.sign_up(ClientId=app['ClientId'], Username='bob', Password='longenough'),
    lambda: c.describe_user_pool(UserPoolId='us-east-1_nothere00'),
]:
    try:
        call()
        errors.append(None)
    except botocore.exceptions.ClientError as e:
        errors.append([e.response['Error']['Code'], e.response['Error']['Message']])
groups = c.admin_list_groups_for_user(UserPoolId=pool['Id'], Username='bob')['Groups']
print(json.dumps({
    'sub': out['UserSub'], 'username': me['Username'], 'created': pool['CreationDate'].isoformat(),
    'refreshed': 'IdToken' in refreshed, 'errors': errors, 'groups': [g['GroupName'] for g in groups],
}))
`;
    const r = await boto3(server.url, server.credentials, script);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ username: 'bob', refreshed: true, groups: ['staff'] });
    expect(out.created).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(out.errors).toEqual([
      ['NotAuthorizedException', 'Incorrect username or password.'],
      ['UserNotFoundException', 'User does not exist.'],
      ['UsernameExistsException', 'User already exists'],
      ['ResourceNotFoundException', 'User pool us-east-1_nothere00 does not exist.'],
    ]);
  });
});

/** A pool's users (create, confirm, reset password, enable/disable, delete, group membership) and groups. */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { ErrorNote, Field, attempt, message } from './kit.js';

interface User {
  Username: string;
  Enabled: boolean;
  UserStatus: string;
  Attributes?: { Name: string; Value: string }[];
}

export function Users(p: { poolId: string }) {
  const [users, setUsers] = useState<User[]>([]);
  const [filter, setFilter] = useState('');
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<string>();
  const load = () =>
    call<{ Users?: User[] }>('cognito-idp', 'ListUsers', { UserPoolId: p.poolId, Limit: 60, ...(filter === '' ? {} : { Filter: `username ^= "${filter.replace(/["\\]/g, '')}"` }) }).then((o) => setUsers(o.Users ?? []), (e) => setError(message(e)));
  useEffect(() => void load(), [p.poolId, filter]);
  const act = async (operation: string, input: Record<string, unknown>) => {
    await attempt(setError, async () => {
      await call('cognito-idp', operation, { UserPoolId: p.poolId, ...input });
      await load();
    });
  };
  return h(
    'section',
    null,
    h('h2', null, 'Users'),
    h(ErrorNote, { error }),
    h(Field, { label: 'Filter by username', value: filter, onInput: setFilter }),
    h(
      'table',
      null,
      h('thead', null, h('tr', null, ['Username', 'Email', 'Status', 'Enabled', 'Actions'].map((c) => h('th', { scope: 'col', key: c }, c)))),
      h(
        'tbody',
        null,
        users.map((u) =>
          h(
            'tr',
            { key: u.Username },
            h('td', null, u.Username),
            h('td', null, u.Attributes?.find((a) => a.Name === 'email')?.Value ?? ''),
            h('td', null, u.UserStatus),
            h('td', null, u.Enabled ? 'Enabled' : 'Disabled'),
            h(
              'td',
              null,
              u.UserStatus === 'UNCONFIRMED' && h('button', { type: 'button', 'aria-label': `Confirm ${u.Username}`, onClick: () => void act('AdminConfirmSignUp', { Username: u.Username }) }, 'Confirm'),
              h('button', { type: 'button', 'aria-label': `${u.Enabled ? 'Disable' : 'Enable'} ${u.Username}`, onClick: () => void act(u.Enabled ? 'AdminDisableUser' : 'AdminEnableUser', { Username: u.Username }) }, u.Enabled ? 'Disable' : 'Enable'),
              h('button', { type: 'button', 'aria-label': `Reset password of ${u.Username}`, onClick: () => void act('AdminResetUserPassword', { Username: u.Username }) }, 'Reset password'),
              h('button', { type: 'button', 'aria-label': `Groups of ${u.Username}`, 'aria-expanded': open === u.Username, onClick: () => setOpen(open === u.Username ? undefined : u.Username) }, 'Groups'),
              h('button', { type: 'button', 'aria-label': `Delete ${u.Username}`, onClick: () => confirm(`Delete ${u.Username}?`) && void act('AdminDeleteUser', { Username: u.Username }) }, 'Delete'),
            ),
          ),
        ),
      ),
    ),
    open !== undefined && h(Membership, { key: open, poolId: p.poolId, username: open }),
    h(
      'form',
      { 'aria-label': 'Create user', onSubmit: (e: Event) => { e.preventDefault(); void act('AdminCreateUser', { Username: username, UserAttributes: email === '' ? [] : [{ Name: 'email', Value: email }] }); } },
      h('h3', null, 'Create user'),
      h(Field, { label: 'Username', value: username, onInput: setUsername, required: true }),
      h(Field, { label: 'Email', value: email, onInput: setEmail, type: 'email' }),
      h('button', { type: 'submit' }, 'Create user'),
    ),
  );
}

export function Groups(p: { poolId: string }) {
  const [groups, setGroups] = useState<{ GroupName: string; Description?: string }[]>([]);
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const load = () => call<{ Groups?: { GroupName: string }[] }>('cognito-idp', 'ListGroups', { UserPoolId: p.poolId, Limit: 60 }).then((o) => setGroups(o.Groups ?? []), (e) => setError(message(e)));
  useEffect(() => void load(), [p.poolId]);
  const create = async (e: Event) => {
    e.preventDefault();
    await attempt(setError, async () => {
      await call('cognito-idp', 'CreateGroup', { UserPoolId: p.poolId, GroupName: name });
      setName('');
      await load();
    });
  };
  return h(
    'section',
    null,
    h('h2', null, 'Groups'),
    h(ErrorNote, { error }),
    h('ul', null, groups.map((g) => h('li', { key: g.GroupName }, g.GroupName))),
    h('form', { onSubmit: create, 'aria-label': 'Create group' }, h(Field, { label: 'Group name', value: name, onInput: setName, required: true }), h('button', { type: 'submit' }, 'Create group')),
  );
}

/** One user's groups: AdminListGroupsForUser, "Add to group" and "Remove from group". */
function Membership(p: { poolId: string; username: string }) {
  const [mine, setMine] = useState<string[]>([]);
  const [all, setAll] = useState<string[]>([]);
  const [choice, setChoice] = useState('');
  const [error, setError] = useState<string>();
  const load = () =>
    attempt(setError, async () => {
      const [m, a] = await Promise.all([
        call<{ Groups?: { GroupName: string }[] }>('cognito-idp', 'AdminListGroupsForUser', { UserPoolId: p.poolId, Username: p.username, Limit: 60 }),
        call<{ Groups?: { GroupName: string }[] }>('cognito-idp', 'ListGroups', { UserPoolId: p.poolId, Limit: 60 }),
      ]);
      setMine((m.Groups ?? []).map((g) => g.GroupName));
      setAll((a.Groups ?? []).map((g) => g.GroupName));
    });
  useEffect(() => void load(), [p.poolId, p.username]);
  const change = (operation: string, group: string) => void attempt(setError, async () => {
    await call('cognito-idp', operation, { UserPoolId: p.poolId, Username: p.username, GroupName: group });
    await load();
  });
  const others = all.filter((g) => !mine.includes(g));
  return h(
    'section',
    { 'aria-label': `Groups of ${p.username}` },
    h('h3', null, `Groups of ${p.username}`),
    h(ErrorNote, { error }),
    mine.length === 0 ? h('p', null, 'In no group.') : h('ul', null, mine.map((g) => h('li', { key: g }, g, ' ', h('button', { type: 'button', 'aria-label': `Remove ${p.username} from ${g}`, onClick: () => change('AdminRemoveUserFromGroup', g) }, 'Remove from group')))),
    others.length > 0 &&
      h(
        'form',
        { 'aria-label': 'Add to group', onSubmit: (e: Event) => { e.preventDefault(); change('AdminAddUserToGroup', choice || others[0]!); } },
        h('div', { class: 'field' }, h('label', { for: 'add-group' }, 'Group'), h('select', { id: 'add-group', value: choice || others[0], onChange: (e: Event) => setChoice((e.target as HTMLSelectElement).value) }, others.map((g) => h('option', { key: g, value: g }, g)))),
        h('button', { type: 'submit' }, 'Add to group'),
      ),
  );
}

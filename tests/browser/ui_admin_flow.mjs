// Drives the pages ui_flow.mjs leaves out, in Debian's Chromium: sign-in with the keyboard
// alone, a team with a member added and removed, a user created on the Users page, a default
// permission for the team and a role binding for the user, an API token used then deleted, a
// tag's history and the restore of its older digest, the switch to public, and the audit log
// filtered by repository. A screenshot is saved after every step. Exits non-zero on the first
// failure.
//
// node ui_admin_flow.mjs --base-url URL --password PW --artifacts DIR --setup FILE
// The setup (JSON) names what test_ui.py prepared through the API:
// {organization, member, repository, tag, old_digest, new_digest, new_user, new_password}; the
// tag was pushed twice, old_digest first; new_user does not exist yet.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { check, expectTitle, runFlow, TIMEOUT, visibleText } from './browser_kit.mjs';

const { values: args } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    password: { type: 'string' },
    artifacts: { type: 'string' },
    setup: { type: 'string' },
  },
});
for (const required of ['base-url', 'password', 'artifacts', 'setup']) {
  if (!args[required]) throw new Error(`--${required} is required`);
}
const base = args['base-url'].replace(/\/$/, '');
const setup = JSON.parse(readFileSync(args.setup, 'utf8'));
const ORG = setup.organization;
const MEMBER = setup.member;
const REPO = setup.repository;
const TAG = setup.tag;
const OLD = setup.old_digest;
const NEW = setup.new_digest;
const TEAM = 'deployers';
const TOKEN_NAME = 'ci-read';
const NEW_USER = setup.new_user;
const NEW_PASSWORD = setup.new_password;
const PULLER = 'system:image-puller';

const short = (digest) => digest.slice(0, 'sha256:'.length + 12);

async function whoamiWithToken(token) {
  const resp = await fetch(`${base}/api/v1/user`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(TIMEOUT),
  });
  return { status: resp.status, body: resp.status === 200 ? await resp.json() : await resp.text() };
}

/** What an anonymous client is granted on REPO by the token endpoint: its actions, or null if refused. */
async function anonymousActions() {
  const url = `${base}/v2/auth?service=pier&scope=${encodeURIComponent(`repository:${REPO}:pull`)}`;
  const resp = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT) });
  if (resp.status !== 200) return null;
  const { token } = await resp.json();
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  const entry = (claims.access ?? []).find((a) => a.type === 'repository' && a.name === REPO);
  return entry ? entry.actions : [];
}

/** The cells of each row of a table, keyed by column (the data-label PatternFly gives them). */
async function tableRows(table) {
  await table.waitFor();
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) =>
      Object.fromEntries(
        [...row.querySelectorAll('td[data-label]')].map((td) => [td.dataset.label, td.innerText.trim()]),
      ),
    ),
  );
}

const passed = await runFlow(args.artifacts, async (page, shot) => {
  // Keyboard only: the form takes focus by itself, Tab moves on, Enter submits.
  await page.goto(`${base}/signin`);
  const username = page.getByTestId('signin-username');
  await username.waitFor();
  await expectTitle(page, 'Sign in');
  await page.waitForFunction(() => document.activeElement?.id === 'signin-username', null, { timeout: TIMEOUT });
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.id);
  check(focused === 'signin-password', `Tab from the user name should reach the password, reached ${focused}`);
  await page.keyboard.type(args.password);
  await shot(page, 'keyboard-signin');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/repositories`);
  check((await visibleText(page.getByTestId('current-user'))) === 'admin', 'masthead should name admin');
  await shot(page, 'keyboard-signed-in');

  // Teams: a creator team, a member in and out.
  await page.goto(`${base}/organization/${ORG}?tab=teams`);
  await page.getByTestId('team-name').fill(TEAM);
  await page.getByTestId('team-role').selectOption('creator');
  await page.getByTestId('team-create').click();
  const team = page.getByTestId(`team-${TEAM}`);
  await team.waitFor();
  check((await page.getByTestId('team-name').inputValue()) === '', 'the team name should clear after creation');
  const nextRole = await page.getByTestId('team-role').inputValue();
  check(nextRole === 'member', `the role should go back to member after creation, is ${nextRole}`);
  const role = await team.getByLabel(`Role of team ${TEAM}`).inputValue();
  check(role === 'creator', `the team should be a creator team, is ${role}`);
  check((await visibleText(team)).includes('No members.'), 'a new team has no members');
  await team.getByLabel('Add member').fill(MEMBER);
  await team.getByRole('button', { name: 'Add', exact: true }).click();
  const removeMember = team.getByRole('button', { name: `Remove ${MEMBER} from ${TEAM}` });
  await removeMember.waitFor();
  check((await visibleText(team)).includes(MEMBER), `${MEMBER} should be listed in the team`);
  await shot(page, 'team-member-added');
  await removeMember.click();
  await team.getByText('No members.').waitFor();
  check(!(await team.getByText(MEMBER, { exact: true }).isVisible()), `${MEMBER} should be gone from the team`);
  await shot(page, 'team-member-removed');

  // Users: reached from the sidebar (a superuser's), a new account listed; deleting oneself is
  // refused with the server's reason.
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await expectTitle(page, 'Users');
  await page.getByTestId('users-table').waitFor();
  await page.getByLabel('User name').fill(NEW_USER);
  await page.getByLabel('Password').fill(NEW_PASSWORD);
  await page.getByLabel('Email').fill(`${NEW_USER}@example.test`);
  await page.getByTestId('user-create').click();
  await page.getByTestId('user-created').waitFor();
  const userRow = page.getByTestId(`user-row-${NEW_USER}`);
  await userRow.waitFor();
  const listed = (await tableRows(page.getByTestId('users-table'))).find((u) => u.Name === NEW_USER);
  check(listed?.Email === `${NEW_USER}@example.test` && listed?.Superuser === 'no',
        `the new user's row: ${JSON.stringify(listed)}`);
  check((await page.getByTestId('user-name').inputValue()) === '', 'the form should clear after creation');
  await shot(page, 'user-created');
  // Edited: disabled, then enabled again; the status column follows.
  const setDisabled = async (disabled) => {
    await page.getByRole('button', { name: `Actions for ${NEW_USER}` }).click();
    await page.getByRole('menuitem', { name: 'Edit' }).click();
    const dialog = page.getByTestId('edit-user-dialog');
    await dialog.waitFor();
    await dialog.getByText('Disabled: may not sign in or use tokens').click();
    check((await dialog.getByLabel('Disabled: may not sign in or use tokens').isChecked()) === disabled,
          `the Disabled box should now be ${disabled}`);
    await dialog.getByTestId('edit-user-save').click();
    await dialog.waitFor({ state: 'hidden' });
    const status = disabled ? 'disabled' : 'active';
    await userRow.getByText(status, { exact: true }).waitFor();
  };
  await setDisabled(true);
  await shot(page, 'user-disabled');
  await setDisabled(false);
  // Editing oneself: superuser and disabled cannot be unticked.
  await page.getByRole('button', { name: 'Actions for admin' }).click();
  await page.getByRole('menuitem', { name: 'Edit' }).click();
  const self = page.getByTestId('edit-user-dialog');
  check(await self.getByLabel('Superuser: may do everything, in every namespace').isDisabled(),
        'a superuser should not be offered to demote themselves');
  await self.getByRole('button', { name: 'Cancel' }).click();
  await self.waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Actions for admin' }).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  const refuse = page.getByTestId('confirm-dialog');
  await refuse.getByTestId('confirm-button').click();
  const refusal = await visibleText(refuse.getByTestId('error-alert'));
  check(refusal.includes('cannot delete your own account'), `deleting oneself should be refused: ${refusal}`);
  await shot(page, 'user-delete-self-refused');
  await refuse.getByRole('button', { name: 'Cancel' }).click();
  await refuse.waitFor({ state: 'hidden' });

  // Default permission: the team gets write on every new repository of the organization.
  await page.goto(`${base}/organization/${ORG}?tab=default-permissions`);
  await page.getByText('No default permissions').waitFor();
  await page.getByTestId('default-perm-kind').selectOption('team');
  await page.getByTestId('default-perm-name').fill(TEAM);
  await page.getByTestId('default-perm-role').selectOption('write');
  await page.getByTestId('default-perm-submit').click();
  await page.getByTestId(`default-perm-row-team-${TEAM}`).waitFor();
  const defaults = await tableRows(page.getByTestId('default-perm-table'));
  check(defaults.length === 1 && defaults[0].Kind === 'team' && defaults[0].Name === TEAM && defaults[0].Role === 'write',
        `default permissions: ${JSON.stringify(defaults)}`);
  await shot(page, 'default-permission-set');

  // Role binding: the new user pulls from the whole organization, chosen with the keyboard.
  await page.getByRole('tab', { name: 'Role bindings' }).click();
  await page.getByText('No role bindings').waitFor();
  await page.getByTestId('binding-name').fill(NEW_USER);
  check((await page.getByTestId('binding-kind').inputValue()) === 'user', 'a binding is for a user by default');
  check((await page.getByTestId('binding-role').inputValue()) === PULLER, `${PULLER} should be the first role`);
  await page.getByTestId('binding-name').press('Enter');
  await page.getByTestId(`binding-row-user-${NEW_USER}`).waitFor();
  const bindings = await tableRows(page.getByTestId('binding-table'));
  check(bindings.length === 1 && bindings[0].Role === PULLER && bindings[0].Kind === 'user' && bindings[0].Name === NEW_USER,
        `role bindings: ${JSON.stringify(bindings)}`);
  await shot(page, 'role-binding-added');
  // A fresh load, as a phone would open it: resizing a desktop page leaves its sidebar open.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await page.getByTestId(`binding-row-user-${NEW_USER}`).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `the role bindings tab is ${overflow}px wider than a phone screen`);
  await shot(page, 'phone-role-bindings');
  await page.setViewportSize({ width: 1280, height: 800 });

  // API token: shown once, works as a Bearer token, refused once deleted.
  await page.goto(`${base}/user?tab=tokens`);
  await page.getByTestId('token-name').fill(TOKEN_NAME);
  check(await page.getByLabel('repo:read: pull').isChecked(), 'repo:read should be the default scope');
  for (const other of ['repo:write', 'repo:admin', 'org:admin', 'super:user']) {
    check(!(await page.locator(`[id="scope-${other}"]`).isChecked()), `${other} should not be checked`);
  }
  await page.getByTestId('token-days').fill('30');
  await page.getByTestId('token-create').click();
  const secret = page.getByTestId('api-token').locator('input');
  await secret.waitFor();
  const token = (await secret.inputValue()).trim();
  check(token.length >= 20, `API token looks wrong: ${JSON.stringify(token)}`);
  const tokenRows = await tableRows(page.getByTestId('tokens-table'));
  check(tokenRows.length === 1, `one token expected, the table shows ${JSON.stringify(tokenRows)}`);
  const [row] = tokenRows;
  check(row.Name === TOKEN_NAME && row.Scopes === 'repo:read', `token row: ${JSON.stringify(row)}`);
  check(row.Expires && row.Expires !== 'never', `the token should expire: ${JSON.stringify(row)}`);
  await shot(page, 'token-created');
  const me = await whoamiWithToken(token);
  check(me.status === 200 && me.body.kind === 'token' && me.body.name === 'admin',
        `GET /api/v1/user with the token: ${me.status} ${JSON.stringify(me.body)}`);

  await page.reload();
  await page.getByTestId('tokens-table').waitFor();
  check((await page.getByTestId('api-token').count()) === 0, 'the token must not be shown again');
  check(!(await page.content()).includes(token), 'the token text must not be anywhere in the page');
  await page.getByRole('button', { name: `Delete token ${TOKEN_NAME}` }).click();
  const confirm = page.getByTestId('confirm-dialog');
  check((await visibleText(confirm)).includes(`Delete token ${TOKEN_NAME}?`), 'confirmation names the token');
  await confirm.getByTestId('confirm-button').click();
  await page.getByText('No API tokens').waitFor();
  await shot(page, 'token-deleted');
  const refused = await whoamiWithToken(token);
  check(refused.status === 401, `a deleted token should get 401, got ${refused.status} ${JSON.stringify(refused.body)}`);

  // One's own password: a wrong current one is refused; changed, the old one stops working and
  // this session goes on; then changed back, so the checks after this flow sign in as before.
  await page.goto(`${base}/user?tab=account`);
  const changePassword = async (current, fresh) => {
    await page.getByTestId('password-current').fill(current);
    await page.getByTestId('password-new').fill(fresh);
    await page.getByTestId('password-again').fill(fresh);
    await page.getByTestId('password-change').click();
  };
  const interim = `${args.password}-interim`;
  await changePassword('not-the-password', interim);
  await page.getByText('the current password is wrong').waitFor();
  await changePassword(args.password, interim);
  await page.getByText('Password changed. Your other web sessions have ended.').waitFor();
  await shot(page, 'password-changed');
  const basicStatus = async (password) => (await fetch(`${base}/api/v1/user`, {
    headers: { Authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
    signal: AbortSignal.timeout(TIMEOUT),
  })).status;
  check((await basicStatus(args.password)) === 401, 'the old password should stop working');
  check((await basicStatus(interim)) === 200, 'the new password should work');
  await changePassword(interim, args.password);
  await page.getByText('Password changed. Your other web sessions have ended.').waitFor();
  check((await basicStatus(args.password)) === 200, 'the password should be back');

  // Tag history: two pushes of one tag, then back to the first image.
  await page.goto(`${base}/repository/${REPO}`);
  const tagRow = page.getByTestId(`tag-row-${TAG}`);
  const digestLink = tagRow.getByRole('link', { name: /^sha256:/ });
  check((await digestLink.getAttribute('title')) === NEW, `${TAG} should point to the second push first`);
  await page.getByRole('tab', { name: 'Tag history' }).click();
  await page.getByTestId('history-tag').fill(TAG);
  await page.getByTestId('history-show').click();
  const history = page.getByTestId('history-table');
  const moves = await tableRows(history);
  check(moves.length === 2, `two moves expected, the history shows ${JSON.stringify(moves)}`);
  check(moves[0].From === short(OLD) && moves[0].To === short(NEW), `newest move: ${JSON.stringify(moves[0])}`);
  check(moves[1].From === 'none' && moves[1].To === short(OLD), `first move: ${JSON.stringify(moves[1])}`);
  check((await visibleText(history.locator('tbody tr').first())).includes('current'), 'the newest move is current');
  await shot(page, 'tag-history');
  await page.getByRole('button', { name: `Restore ${TAG} to ${short(OLD)}` }).click();
  const restored = page.getByText(`${TAG} now points to ${short(OLD)}`);
  await restored.waitFor();
  await history.locator('tbody tr').nth(2).waitFor();
  const after = await tableRows(history);
  check(after.length === 3 && after[0].From === short(NEW) && after[0].To === short(OLD),
        `the restore should be the newest move: ${JSON.stringify(after)}`);
  await shot(page, 'tag-restored');
  await page.getByRole('tab', { name: 'Tags' }).click();
  await tagRow.waitFor();
  const nowTitle = await digestLink.getAttribute('title');
  check(nowTitle === OLD, `${TAG} should show the older digest ${OLD}, shows ${nowTitle}`);
  await shot(page, 'tags-after-restore');

  // Visibility: public, and anonymous clients may pull.
  const before = await anonymousActions();
  check(!before?.includes('pull'), `anonymous pull of a private repository: ${JSON.stringify(before)}`);
  await page.getByRole('tab', { name: 'Settings' }).click();
  const visibility = page.getByRole('switch', { name: 'Public: anyone may pull without signing in' });
  check(!(await visibility.isChecked()), 'the repository starts private');
  // The input sits under PatternFly's drawn toggle: click what a user sees, the switch's label.
  await page.locator('label[for="repo-public-switch"]').click();
  await page.getByTestId('repository-title').locator('..').getByText('public', { exact: true }).waitFor();
  check(await visibility.isChecked(), 'the switch should stay on');
  await shot(page, 'repository-public');
  const now = await anonymousActions();
  check(now?.includes('pull'), `anonymous pull of a public repository: ${JSON.stringify(now)}`);

  // Audit log, filtered by the repository: both pushes and the restore.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expectTitle(page, 'Audit log');
  await page.getByTestId('audit-table').waitFor();
  await page.getByLabel('Repository', { exact: true }).fill(REPO);
  const filtered = page.waitForResponse(
    (r) => r.url().includes('/api/v1/audit') && new URL(r.url()).searchParams.get('repository') === REPO,
  );
  await page.getByTestId('audit-apply').click();
  check((await filtered).status() === 200, 'the filtered audit query failed');
  await page.getByTestId('audit-table').locator('tbody tr').first().waitFor();
  const events = await tableRows(page.getByTestId('audit-table'));
  check(events.length > 0 && events.every((e) => e.Repository === REPO),
        `every event should be about ${REPO}: ${JSON.stringify(events)}`);
  const pushes = events.filter((e) => e.Action === 'push' && e.Detail.includes(`reference=${TAG}`));
  check(pushes.some((e) => e.Detail.includes(OLD)) && pushes.some((e) => e.Detail.includes(NEW)),
        `both pushes of ${TAG} expected: ${JSON.stringify(events)}`);
  const moved = events.filter((e) => e.Detail.includes('change=tag_moved') && e.Detail.includes(OLD));
  check(moved.length === 1, `the restore should be logged as a tag move: ${JSON.stringify(events)}`);
  await shot(page, 'audit-by-repository');
});
if (passed) console.log('ui admin flow passed');

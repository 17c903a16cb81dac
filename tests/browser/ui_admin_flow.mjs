// Drives the pages ui_flow.mjs leaves out, in Debian's Chromium: sign-in with the keyboard
// alone, a team with a member added and removed, a user created on the Users page, a default
// permission for the team and a role binding for the user, an API token used then deleted, a
// tag's history and the restore of its older digest, the switch to public, the audit log
// filtered by repository; then the image lifecycle: an organization's quota and usage, its history
// window, immutable tag patterns (an immutable tag's deletion and expiry refused), tag expiry in
// the tags table, retention policies with a dry run then a real run, and garbage collection (a dry
// run, a collection, the usage it freed); last, an organization's signing policy: a key the server
// refuses, a trusted cosign key and enforcement, and a signed manifest's signature before and after
// its key is trusted; then vulnerability scanning: a scanned image's findings, filtered, its SBOM
// downloaded, its severity summary in the tags table, and a namespace's vulnerability policy
// (blocking, an allow list, removed). A screenshot is saved after every step. Exits non-zero on the
// first failure.
//
// node ui_admin_flow.mjs --base-url URL --password PW --artifacts DIR --setup FILE
// The setup (JSON) names what test_ui.py prepared through the API:
// {organization, member, repository, tag, old_digest, new_digest, new_user, new_password,
//  lifecycle: {organization, repository, images: {tag: {digest, bytes, blobs}}},
//  signing: {repository, digest, cosign_public_key},
//  scanning: {organization, repository, tag, digest}}; the tag was
// pushed twice, old_digest first; new_user does not exist yet; each lifecycle tag is an image of
// its own (bytes: its config and layers; blobs: how many), nothing else is in that organization,
// and garbage collection and retention run only when the flow asks. The signing repository is in
// `organization`, which has no signing policy; its image has one cosign signature (a signature tag)
// made by the key of cosign_public_key. The scanning image (scanned already, with the scanning
// organization to itself, which has no policies) is Debian 12 with one package, zlib1g
// 1:1.2.13.dfsg-1, which the vulnerability database's one record, DSA-9999-1 (alias
// CVE-2099-0001, high), says is fixed in 1:1.2.13.dfsg-2.

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

const SIGNED_REPO = setup.signing.repository;
const SIGNED_DIGEST = setup.signing.digest;
const COSIGN_KEY = setup.signing.cosign_public_key;

const SCAN_ORG = setup.scanning.organization;
const SCAN_REPO = setup.scanning.repository;
const SCAN_TAG = setup.scanning.tag;
const SCAN_DIGEST = setup.scanning.digest;

const LAB = setup.lifecycle.organization;
const LAB_REPO = setup.lifecycle.repository;
const IMAGES = setup.lifecycle.images;
const LAB_TAGS = Object.keys(IMAGES);

const short = (digest) => digest.slice(0, 'sha256:'.length + 12);
const sum = (values) => values.reduce((a, b) => a + b, 0);

/** Sizes as the UI writes them (ui/src/format.ts humanSize). */
function humanSize(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A datetime-local input's value for `date`, in local time (as the browser reads it). */
function localDateTime(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

async function apiGet(path) {
  const resp = await fetch(`${base}/api/v1${path}`, {
    headers: { Authorization: `Basic ${Buffer.from(`admin:${args.password}`).toString('base64')}` },
    signal: AbortSignal.timeout(TIMEOUT),
  });
  check(resp.status === 200, `GET ${path}: ${resp.status}`);
  return resp.json();
}

/** Pulls a manifest as admin; the status and, if refused, the first OCI error. */
async function pullManifest(repository, reference) {
  const resp = await fetch(`${base}/v2/${repository}/manifests/${reference}`, {
    headers: {
      Authorization: `Basic ${Buffer.from(`admin:${args.password}`).toString('base64')}`,
      Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json',
    },
    signal: AbortSignal.timeout(TIMEOUT),
  });
  const text = await resp.text();
  let error = null;
  if (resp.status !== 200) {
    try {
      error = JSON.parse(text).errors?.[0] ?? null;
    } catch {
      error = { code: 'NOT JSON', message: text.slice(0, 200) };
    }
  }
  return { status: resp.status, error };
}

/** Pulls until `accept` likes the answer (a policy may take a moment to reach the registry). */
async function pullUntil(repository, reference, accept, what) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const pulled = await pullManifest(repository, reference);
    if (accept(pulled)) return pulled;
    check(Date.now() < deadline, `${what}: the pull answered ${JSON.stringify(pulled)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

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

/** The terms of a description list and what each says. */
async function details(list) {
  await list.waitFor();
  return list.evaluate((dl) =>
    Object.fromEntries([...dl.querySelectorAll('dt')].map((dt) => [dt.innerText.trim(), dt.nextElementSibling?.innerText.trim()])),
  );
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

  // ---- Image lifecycle, on an organization of its own (LAB) whose images nothing else touches.
  const usedBefore = sum(LAB_TAGS.map((t) => IMAGES[t].bytes));
  const blobsBefore = sum(LAB_TAGS.map((t) => IMAGES[t].blobs));
  const quotaDetails = () => details(page.getByTestId('quota-details'));

  // Usage, with no quota yet; then a quota of 1 MiB warning from 3 KiB, which the usage crosses.
  await page.goto(`${base}/organization/${LAB}`);
  await page.getByRole('tab', { name: 'Lifecycle' }).click();
  const noLimit = await visibleText(page.getByTestId('quota-no-limit'));
  check(noLimit === `${humanSize(usedBefore)} used; no quota.`, `usage without a quota: ${noLimit}`);
  let quota = await quotaDetails();
  check(quota.Used === humanSize(usedBefore) && quota.Blobs === String(blobsBefore) && quota.Limit === 'none' &&
        quota.State === 'ok', `usage of ${LAB}: ${JSON.stringify(quota)}`);
  await page.getByTestId('quota-limit').fill('1 GB');
  await page.getByText('A size such as 500 MiB, 20 GiB or 1 TiB').waitFor();
  check(await page.getByTestId('quota-save').isDisabled(), 'a limit in decimal units should not be offered to the server');
  await page.getByTestId('quota-limit').fill('1 MiB');
  await page.getByTestId('quota-warning').fill('3 KiB');
  await page.getByTestId('quota-save').click();
  check((await visibleText(page.getByTestId('quota-saved'))).endsWith('Quota set: 1.0 MiB'), 'the quota should be confirmed');
  const bar = page.getByTestId('quota-usage').getByRole('progressbar');
  await bar.waitFor();
  const percent = Number(await bar.getAttribute('aria-valuenow'));
  check(Math.abs(percent - (usedBefore / (1024 * 1024)) * 100) < 0.01, `the bar should show ${usedBefore} of 1 MiB, shows ${percent}%`);
  check((await visibleText(page.getByTestId('quota-usage'))).includes(`${humanSize(usedBefore)} of 1.0 MiB`),
        `the bar's label: ${await page.getByTestId('quota-usage').innerText()}`);
  await page.getByTestId('quota-state').getByText('warning', { exact: true }).waitFor();
  quota = await quotaDetails();
  check(quota.Limit === '1.0 MiB' && quota['Warning at'] === '3.0 KiB' && quota.State === 'warning',
        `the quota as set: ${JSON.stringify(quota)}`);
  await shot(page, 'quota-set');

  // History window: the registry's default, then 0s, so what leaves its last tag is collectable.
  const windowText = page.getByTestId('history-window-current');
  check((await visibleText(windowText)).includes("kept for 2 weeks") && (await windowText.innerText()).includes("the registry's default"),
        `history window: ${await windowText.innerText()}`);
  await page.getByTestId('history-window-input').fill('0s');
  await page.getByTestId('history-window-save').click();
  check((await visibleText(page.getByTestId('history-window-saved'))).endsWith('History window set to 0 seconds'),
        'the history window should be confirmed');
  await windowText.getByText(`set for ${LAB}`).waitFor();
  check((await windowText.innerText()).includes('removed at the next garbage collection'),
        `history window of 0s: ${await windowText.innerText()}`);

  // Immutable tags of the whole organization.
  await page.getByTestId('immutable-patterns').fill('v*');
  await page.getByTestId('immutable-save').click();
  check((await visibleText(page.getByTestId('immutable-saved'))).endsWith('Immutable: v*'), 'the patterns should be confirmed');
  // The list shows the patterns once the save has been read back.
  await page.getByTestId('immutable-current').getByText('v*', { exact: true }).waitFor();

  // A retention policy of the organization: nothing is 30 days old, so its dry run removes nothing.
  await page.getByTestId('retention-older').fill('30 days');
  await page.getByText('A duration such as 30m, 12h, 30d or 2w').waitFor();
  check(await page.getByTestId('retention-save').isDisabled(), 'a duration in words should not be sent');
  await page.getByTestId('retention-older').fill('30d');
  await page.getByTestId('retention-exclude').fill('v*');
  await page.getByTestId('retention-save').click();
  await page.getByTestId('retention-saved').waitFor();
  const orgPolicy = page.getByTestId('retention-current');
  await orgPolicy.getByText('Every tag except v* is removed when pushed more than 30 days ago.', { exact: true }).waitFor();
  await page.getByTestId('retention-dry-run').click();
  check((await visibleText(page.getByTestId('retention-result-title'))) === 'Dry run: no tag would be removed',
        'nothing is 30 days old');
  await shot(page, 'organization-lifecycle');
  await page.getByTestId('retention-remove').click();
  await page.getByTestId('confirm-dialog').getByTestId('confirm-button').click();
  await orgPolicy.getByText('No retention policy: tags stay until someone deletes them.').waitFor();

  // The repository's own rules: an immutable pattern, then keep only the newest dev-* tag.
  await page.goto(`${base}/repository/${LAB_REPO}`);
  await page.getByRole('tab', { name: 'Lifecycle' }).click();
  await page.getByTestId('immutable-current').getByText('None: every tag can be moved and deleted.').waitFor();
  await page.getByTestId('immutable-patterns').fill('release-*');
  await page.getByTestId('immutable-save').click();
  check((await visibleText(page.getByTestId('immutable-saved'))).endsWith('Immutable: release-*'),
        'the repository\'s patterns should be confirmed');
  await page.getByTestId('immutable-current').getByText('release-*', { exact: true }).waitFor();
  await page.getByTestId('retention-keep').fill('one');
  await page.getByText('A number from 0 to 1000000').waitFor();
  check(await page.getByTestId('retention-save').isDisabled(), 'keep newest must be a number');
  await page.getByTestId('retention-keep').fill('1');
  await page.getByTestId('retention-include').fill('dev-*');
  await page.getByTestId('retention-save').click();
  await page.getByTestId('retention-saved').waitFor();
  const policyText = await visibleText(page.getByTestId('retention-current'));
  check(policyText === 'Tags matching dev-* are removed when beyond the newest 1.', `the repository's policy: ${policyText}`);
  await page.getByTestId('retention-dry-run').click();
  check((await visibleText(page.getByTestId('retention-result-title'))) === 'Dry run: 2 tags would be removed',
        `dry run: ${await page.getByTestId('retention-result').innerText()}`);
  const wouldGo = await tableRows(page.getByTestId('retention-removed'));
  const devTags = LAB_TAGS.filter((t) => t.startsWith('dev-'));
  check(wouldGo.length === 2 && wouldGo.every((r) => devTags.includes(r.Tag) && r.Reason === 'beyond the newest 1' &&
        r.Digest === short(IMAGES[r.Tag].digest)) && new Set(wouldGo.map((r) => r.Tag)).size === 2,
        `the dry run's list: ${JSON.stringify(wouldGo)}`);
  const doomed = wouldGo.map((r) => r.Tag).sort();
  await shot(page, 'retention-dry-run');

  // The dry run removed nothing. An immutable tag cannot be deleted, nor given an expiry.
  await page.getByRole('tab', { name: 'Tags' }).click();
  const labTags = page.getByTestId('tags-table');
  await page.getByTestId('tag-row-dev-3').waitFor();
  let rows = await tableRows(labTags);
  check(rows.map((r) => r.Tag).sort().join() === [...LAB_TAGS].sort().join(), `after the dry run: ${JSON.stringify(rows)}`);
  check(rows.every((r) => r.Expires === 'never'), `no tag expires yet: ${JSON.stringify(rows)}`);
  await page.getByRole('button', { name: 'Actions for v1.0' }).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  const refuseDelete = page.getByTestId('confirm-dialog');
  await refuseDelete.getByTestId('confirm-button').click();
  const deleteRefusal = await visibleText(refuseDelete.getByTestId('error-alert'));
  check(deleteRefusal.includes('tag v1.0 is immutable and cannot be deleted') && deleteRefusal.includes('"v*"'),
        `deleting an immutable tag: ${deleteRefusal}`);
  await shot(page, 'immutable-delete-refused');
  await refuseDelete.getByRole('button', { name: 'Cancel' }).click();
  await refuseDelete.waitFor({ state: 'hidden' });
  const expiryDialog = page.getByTestId('tag-expiry-dialog');
  const openExpiry = async (tag) => {
    await page.getByRole('button', { name: `Actions for ${tag}` }).click();
    await page.getByRole('menuitem', { name: 'Set expiry' }).click();
    await expiryDialog.waitFor();
  };
  await openExpiry('v1.0');
  await expiryDialog.getByTestId('tag-expiry-in').fill('1d');
  await expiryDialog.getByTestId('tag-expiry-save').click();
  const expiryRefusal = await visibleText(expiryDialog.getByTestId('error-alert'));
  check(expiryRefusal.includes('tag v1.0 is immutable and cannot be given an expiry'), `an immutable tag's expiry: ${expiryRefusal}`);
  await shot(page, 'immutable-expiry-refused');
  await expiryDialog.getByRole('button', { name: 'Cancel' }).click();
  await expiryDialog.waitFor({ state: 'hidden' });

  // Tag expiry: in 3 days, then never, then at a given time 10 days from now.
  const expiresOf = async (tag) => (await tableRows(labTags)).find((r) => r.Tag === tag)?.Expires;
  await openExpiry('stable');
  check((await visibleText(expiryDialog.getByTestId('tag-expiry-current'))).startsWith('The tag does not expire.'),
        'stable starts without an expiry');
  await expiryDialog.getByTestId('tag-expiry-in').fill('3x');
  check(await expiryDialog.getByTestId('tag-expiry-save').isDisabled(), '3x is no duration');
  await expiryDialog.getByTestId('tag-expiry-in').fill('3d');
  await expiryDialog.getByTestId('tag-expiry-save').click();
  await expiryDialog.waitFor({ state: 'hidden' });
  await page.getByTestId('tag-row-stable').getByText('in 3 days', { exact: true }).waitFor();
  check((await expiresOf('stable')) === 'in 3 days' && (await expiresOf('dev-1')) === 'never', 'stable expires in 3 days');
  await shot(page, 'tag-expiry-set');
  await openExpiry('stable');
  check((await visibleText(expiryDialog.getByTestId('tag-expiry-current'))).startsWith('The tag expires in 3 days'),
        'the dialog should tell the expiry set');
  await expiryDialog.getByTestId('tag-expiry-clear').click();
  await expiryDialog.waitFor({ state: 'hidden' });
  await page.getByTestId('tag-row-stable').locator('td[data-label="Expires"]').getByText('never', { exact: true }).waitFor();
  const at = new Date(Date.now() + 10 * 86400 * 1000);
  at.setSeconds(0, 0);
  await openExpiry('stable');
  await expiryDialog.getByText('at a given time').click();
  await expiryDialog.getByTestId('tag-expiry-at').fill(localDateTime(at));
  await expiryDialog.getByTestId('tag-expiry-save').click();
  await expiryDialog.waitFor({ state: 'hidden' });
  await page.getByTestId('tag-row-stable').getByText('in 10 days', { exact: true }).waitFor();
  const stable = (await apiGet(`/repositories/${LAB_REPO}/tags?q=stable`)).tags.find((t) => t.name === 'stable');
  check(stable?.expires_at === at.getTime() / 1000, `stable should expire at ${at.getTime() / 1000}: ${JSON.stringify(stable)}`);
  await shot(page, 'tag-expiry-at');

  // Run the repository's policy for real: the tags of the dry run go, the rest stay.
  await page.getByRole('tab', { name: 'Lifecycle' }).click();
  await page.getByTestId('retention-run').click();
  const confirmRun = page.getByTestId('confirm-dialog');
  check((await visibleText(confirmRun)).includes('Apply the retention policy now?'), 'running the policy asks first');
  await confirmRun.getByTestId('confirm-button').click();
  await confirmRun.waitFor({ state: 'hidden' });
  check((await visibleText(page.getByTestId('retention-result-title'))) === '2 tags removed', 'the run should remove 2 tags');
  const gone = (await tableRows(page.getByTestId('retention-removed'))).map((r) => r.Tag).sort();
  check(gone.join() === doomed.join(), `the run removed ${gone}, the dry run said ${doomed}`);
  await shot(page, 'retention-run');
  await page.getByRole('tab', { name: 'Tags' }).click();
  await page.getByTestId('tag-row-stable').waitFor();
  rows = await tableRows(labTags);
  const left = LAB_TAGS.filter((t) => !doomed.includes(t)).sort();
  check(rows.map((r) => r.Tag).sort().join() === left.join(), `tags after the run: ${JSON.stringify(rows)}`);

  // Garbage collection, from the sidebar: the two manifests that lost their tags, and their blobs.
  const freed = sum(doomed.map((t) => IMAGES[t].bytes));
  const freedBlobs = sum(doomed.map((t) => IMAGES[t].blobs));
  await page.getByRole('link', { name: 'Garbage collection' }).click();
  await expectTitle(page, 'Garbage collection');
  const gcStatus = () => details(page.getByTestId('gc-status-details'));
  let status = await gcStatus();
  check(status['Manifests deleted'] === '0' && status['Blobs deleted'] === '0' && status['Blob store space freed'] === '0 B',
        `nothing collected yet: ${JSON.stringify(status)}`);
  check(status['History window'].startsWith('2 weeks') && status['Blob grace'] === '3 seconds', `settings: ${JSON.stringify(status)}`);
  const runsBefore = Number(status.Runs.split(' ')[0]);
  await page.getByTestId('gc-dry-run').click();
  const gcTitle = page.getByTestId('gc-result-title');
  check((await visibleText(gcTitle)) === 'Dry run: a collection now would remove', `dry run: ${await gcTitle.innerText()}`);
  const expected = {
    Manifests: '2',
    'Blob links': String(freedBlobs),
    Blobs: String(freedBlobs),
    'Blob store space': humanSize(freed),
    'Database space': '0 B',
  };
  const sameFigures = (report) => Object.entries(expected).every(([k, v]) => report[k] === v);
  let report = await details(page.getByTestId('gc-result-details'));
  check(sameFigures(report), `the dry run's figures: ${JSON.stringify(report)}, expected ${JSON.stringify(expected)}`);
  await shot(page, 'gc-dry-run');
  await page.getByTestId('gc-collect').click();
  await gcTitle.getByText('Collected', { exact: true }).waitFor();
  report = await details(page.getByTestId('gc-result-details'));
  check(sameFigures(report), `the collection's figures: ${JSON.stringify(report)}, expected ${JSON.stringify(expected)}`);
  // the totals reload after the run: one more, with what it removed
  const runsAfter = `${runsBefore + 1} run${runsBefore + 1 === 1 ? '' : 's'}, no failures`;
  await page.getByTestId('gc-status-details').getByText(runsAfter, { exact: true }).waitFor();
  status = await gcStatus();
  check(status['Manifests deleted'] === '2' && status['Blobs deleted'] === String(freedBlobs) &&
        status['Blob store space freed'] === humanSize(freed),
        `totals after the collection: ${JSON.stringify(status)}`);
  await shot(page, 'gc-collected');
  await page.getByTestId('gc-dry-run').click();
  await gcTitle.getByText('Dry run: a collection now would remove nothing', { exact: true }).waitFor();

  // The organization's usage went down by what was collected, under the warning again; then its
  // history window goes back to the default.
  await page.goto(`${base}/organization/${LAB}?tab=lifecycle`);
  const usedAfter = usedBefore - freed;
  await page.getByTestId('quota-usage').getByText(`${humanSize(usedAfter)} of 1.0 MiB`).first().waitFor();
  quota = await quotaDetails();
  check(quota.Used === humanSize(usedAfter) && quota.Blobs === String(blobsBefore - freedBlobs) && quota.State === 'ok',
        `usage after the collection: ${JSON.stringify(quota)}`);
  await page.getByTestId('history-window-reset').click();
  await page.getByTestId('history-window-saved').getByText("History window back to the registry's default").waitFor();
  await windowText.getByText("the registry's default").waitFor();
  check((await windowText.innerText()).includes('kept for 2 weeks'), `history window: ${await windowText.innerText()}`);
  await shot(page, 'organization-after-gc');

  // ---- Signing. The image's signature is not verified while no policy trusts its key.
  const signaturesOfImage = async () => {
    await page.goto(`${base}/repository/${SIGNED_REPO}@${SIGNED_DIGEST}`);
    return tableRows(page.getByTestId('signatures-table'));
  };
  let signatures = await signaturesOfImage();
  check(signatures.length === 1 && signatures[0].Type === 'cosign' && signatures[0]['Key ID'] === 'unknown' &&
        signatures[0].Verified === 'Not verified' && signatures[0].Source === 'tag',
        `signatures before the key is trusted: ${JSON.stringify(signatures)}`);

  // A key the server refuses, with its reason; then removed before it is saved.
  await page.goto(`${base}/organization/${ORG}?tab=signing`);
  const enforce = page.getByTestId('signing-enforce');
  await page.getByTestId('signing-card').getByText('No trusted keys').waitFor();
  check(!(await enforce.isChecked()), 'a namespace without a policy does not enforce');
  await page.getByTestId('signing-key-type').selectOption('cosign');
  await page.getByTestId('signing-key-text').fill('not a key');
  await page.getByTestId('signing-key-add').click();
  await page.getByTestId('signing-save').click();
  const keyRefusal = await visibleText(page.getByTestId('signing-card').getByTestId('error-alert'));
  check(keyRefusal.includes('keys[0]'), `the server's refusal should name the key: ${keyRefusal}`);
  await page.getByTestId('signing-key-remove').click();
  await page.getByTestId('signing-card').getByText('No trusted keys').waitFor();

  // A trusted cosign key, saved and read back after a reload.
  await page.getByTestId('signing-key-text').fill(COSIGN_KEY);
  await page.getByTestId('signing-key-add').click();
  await page.getByTestId('signing-save').click();
  await page.getByTestId('signing-saved').getByText('Saved: signatures are checked, not required').waitFor();
  await page.reload();
  let keys = await tableRows(page.getByTestId('signing-keys'));
  check(keys.length === 1 && keys[0].Type === 'cosign' && keys[0]['Key ID'].startsWith('sha256:'),
        `trusted keys after a reload: ${JSON.stringify(keys)}`);
  const keyId = keys[0]['Key ID'];
  check(!(await enforce.isChecked()), 'the policy should not enforce yet');
  await shot(page, 'signing-key-trusted');

  // Enforced: only signed images are served from now on.
  await enforce.check({ force: true }); // PatternFly draws the switch over its hidden checkbox
  await page.getByTestId('signing-unsaved').waitFor();
  await page.getByTestId('signing-save').click();
  await page.getByTestId('signing-saved').getByText('Saved: only signed images are served').waitFor();
  await page.reload();
  await page.getByTestId('signing-keys').waitFor();
  check(await enforce.isChecked(), 'the saved policy should enforce');
  keys = await tableRows(page.getByTestId('signing-keys'));
  check(keys.length === 1 && keys[0]['Key ID'] === keyId, `trusted keys once enforced: ${JSON.stringify(keys)}`);
  await shot(page, 'signing-enforced');

  signatures = await signaturesOfImage();
  check(signatures.length === 1 && signatures[0]['Key ID'] === keyId && signatures[0].Verified === 'Verified',
        `signatures once the key is trusted: ${JSON.stringify(signatures)}`);
  await shot(page, 'signature-verified');

  // ---- Scanning. The image's report: status, packages, OS and a severity summary as the API says.
  const scanReport = await apiGet(`/repositories/${SCAN_REPO}/manifests/${SCAN_DIGEST}/vulnerabilities`);
  check(scanReport.status === 'scanned' && scanReport.os === 'Debian:12', `the report: ${JSON.stringify(scanReport)}`);
  await page.goto(`${base}/repository/${SCAN_REPO}@${SCAN_DIGEST}`);
  await page.getByRole('heading', { name: 'Vulnerabilities', exact: true }).waitFor();
  const scan = await details(page.getByTestId('vulnerability-details'));
  check(scan.Status === 'Scanned' && scan.Packages === String(scanReport.packages) && scan.OS === 'Debian:12' &&
        scan.Vulnerabilities === '1 high' && scan.Scanned,
        `the scan's details: ${JSON.stringify(scan)}`);
  const highCount = page.getByTestId('vulnerability-count-high');
  check((await visibleText(highCount)) === '1 high', 'the summary should count one high finding');
  const findingsTable = page.getByRole('grid', { name: 'Vulnerabilities', exact: true });
  let findings = await tableRows(findingsTable);
  check(findings.length === 1, `one finding expected: ${JSON.stringify(findings)}`);
  const [finding] = findings;
  check(finding.ID === 'DSA-9999-1\nCVE-2099-0001' && finding.Package === 'zlib1g' &&
        finding.Installed === '1:1.2.13.dfsg-1' && finding.Fixed === '1:1.2.13.dfsg-2' && finding.Severity === 'High' &&
        finding.Ecosystem === 'Debian:12',
        `the finding's row: ${JSON.stringify(finding)}`);
  await findingsTable.scrollIntoViewIfNeeded(); // the page scrolls inside its layout: the table in the shot
  await shot(page, 'vulnerabilities');

  // Filters: by text on the alias and the package, by severity; a filter matching nothing says so.
  const search = page.getByLabel('Filter vulnerabilities by id, alias or package');
  const severity = page.getByRole('combobox', { name: 'Severity', exact: true });
  const noMatch = page.getByText('No vulnerability matches', { exact: true });
  await search.fill('cve-2099');
  await page.getByTestId('vulnerability-shown').getByText('1 found', { exact: true }).waitFor();
  check((await tableRows(findingsTable)).length === 1, 'the alias should match the finding');
  await search.fill('openssl');
  await noMatch.waitFor();
  check((await visibleText(page.getByTestId('vulnerability-shown'))) === '0 of 1 shown', 'nothing is openssl');
  await noMatch.scrollIntoViewIfNeeded();
  await shot(page, 'vulnerabilities-filtered-out');
  await search.fill('zlib');
  await findingsTable.waitFor();
  await severity.selectOption({ label: 'Critical only' });
  await noMatch.waitFor();
  await severity.selectOption({ label: 'High and above' });
  await findingsTable.waitFor();
  findings = await tableRows(findingsTable);
  check(findings.length === 1 && findings[0].Package === 'zlib1g', `high and above, zlib: ${JSON.stringify(findings)}`);
  await findingsTable.scrollIntoViewIfNeeded();
  await shot(page, 'vulnerabilities-filtered');

  // The SBOM: saved under the repository's name and the short digest, an SPDX 2.3 document.
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: TIMEOUT }),
    page.getByRole('button', { name: 'Download SBOM' }).click(),
  ]);
  const expectedName = `${SCAN_REPO.replaceAll('/', '-')}-${SCAN_DIGEST.split(':')[1].slice(0, 12)}.spdx.json`;
  check(download.suggestedFilename() === expectedName,
        `the SBOM's file name: ${download.suggestedFilename()}, expected ${expectedName}`);
  const sbom = JSON.parse(readFileSync(await download.path(), 'utf8'));
  check(sbom.spdxVersion === 'SPDX-2.3', `the SBOM's spdxVersion: ${sbom.spdxVersion}`);
  check(JSON.stringify(sbom).includes('zlib1g'), 'the SBOM should list zlib1g');

  // The tags table sums up each tag's scan.
  await page.goto(`${base}/repository/${SCAN_REPO}`);
  const scanTag = page.getByTestId(`tag-row-${SCAN_TAG}`);
  await scanTag.locator('td[data-label="Vulnerabilities"]').getByText('1 high', { exact: true }).waitFor();
  await shot(page, 'tags-vulnerabilities');

  // The namespace's policy, from its organization's Vulnerabilities tab: none yet.
  await page.goto(`${base}/organization/${SCAN_ORG}`);
  await page.getByRole('tab', { name: 'Vulnerabilities' }).click();
  await page.waitForURL(`${base}/organization/${SCAN_ORG}?tab=vulnerabilities`);
  const policyCard = page.getByTestId('vuln-policy-card');
  const current = policyCard.getByTestId('vuln-policy-current');
  await current.getByText('Images are served whatever their vulnerabilities.', { exact: true }).waitFor();
  await policyCard.getByText('No allowed vulnerabilities').waitFor();
  check(!(await policyCard.getByRole('button', { name: 'Remove policy' }).isVisible()), 'no policy to remove yet');
  const db = await visibleText(policyCard.getByTestId('vuln-database'));
  check(db.startsWith('The vulnerability database holds 1 record'), `the database's status: ${db}`);
  const blockSeverity = policyCard.getByLabel('Block images with vulnerabilities of');
  check((await blockSeverity.inputValue()) === '', 'no severity is blocked yet');

  // Block high and worse: saved, still set after a reload, and the image is refused.
  await blockSeverity.selectOption({ label: 'High' });
  await policyCard.getByTestId('vuln-policy-unsaved').waitFor();
  await policyCard.getByRole('button', { name: 'Save policy' }).click();
  await policyCard.getByTestId('vuln-policy-saved')
    .getByText('Saved: images with high or worse vulnerabilities are not served').waitFor();
  await page.reload();
  await current.getByText('Images with high or worse vulnerabilities are not served.', { exact: true }).waitFor();
  check((await blockSeverity.inputValue()) === 'high', 'the saved policy should block high');
  await shot(page, 'vulnerability-policy-saved');
  const pullRefused = await pullUntil(SCAN_REPO, SCAN_DIGEST, (p) => p.status === 403, 'high findings should be refused');
  check(pullRefused.error?.code === 'DENIED' && pullRefused.error.message.includes('zlib1g'),
        `the refusal: ${JSON.stringify(pullRefused)}`);

  // The finding allowed by its alias: the image is served again.
  const allowInput = policyCard.getByLabel('Allow', { exact: true });
  await allowInput.fill('CVE-2099-0001');
  await allowInput.press('Enter');
  const allowed = await tableRows(policyCard.getByRole('grid', { name: 'Allowed vulnerabilities' }));
  check(allowed.length === 1 && allowed[0].ID === 'CVE-2099-0001', `the allow list: ${JSON.stringify(allowed)}`);
  await policyCard.getByRole('button', { name: 'Save policy' }).click();
  await policyCard.getByTestId('vuln-policy-saved').waitFor();
  await page.reload();
  await current.getByText('Images with high or worse vulnerabilities are not served, unless each such finding is on the allow list (1 id).', { exact: true }).waitFor();
  await policyCard.getByRole('button', { name: 'Remove CVE-2099-0001 from the allow list' }).waitFor();
  await policyCard.getByRole('button', { name: 'Save policy' }).scrollIntoViewIfNeeded();
  await shot(page, 'vulnerability-policy-allowed');
  await pullUntil(SCAN_REPO, SCAN_DIGEST, (p) => p.status === 200, 'an allowed finding should not block');

  // Removed: nothing blocked, nothing allowed.
  await policyCard.getByRole('button', { name: 'Remove policy' }).click();
  await page.getByTestId('confirm-dialog').getByRole('button', { name: 'Remove', exact: true }).click();
  await policyCard.getByTestId('vuln-policy-saved').getByText('Policy removed', { exact: false }).waitFor();
  await current.getByText('Images are served whatever their vulnerabilities.', { exact: true }).waitFor();
  await policyCard.getByText('No allowed vulnerabilities').waitFor();
  check((await blockSeverity.inputValue()) === '', 'the removed policy blocks nothing');
  await shot(page, 'vulnerability-policy-removed');
});
if (passed) console.log('ui admin flow passed');

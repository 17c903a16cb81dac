// Drives the web UI in Debian's Chromium through playwright-core (from ui/node_modules):
// sign-in (wrong password first), organization, repository, robot, permission, a skopeo push
// as the robot, the pushed tag in the tags table, the manifest view, the repository's notification
// rules (a webhook to the test's receiver, a test notification delivered to it, disabled and enabled
// again; a second rule deleted), the phone-width layout and sign-out. A screenshot is saved after
// every step. Exits non-zero on the first failure.
//
// node ui_flow.mjs --base-url URL --password PW --artifacts DIR --push-spec FILE --receiver URL
// The push spec (JSON) says how to run skopeo here: {argv, env, cwd, source}. The receiver is an
// HTTP server the test runs that answers every POST 200 and keeps what it got.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TIMEOUT, check, expectTitle, runFlow, visibleText } from './browser_kit.mjs';

const { values: args } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    password: { type: 'string' },
    artifacts: { type: 'string' },
    'push-spec': { type: 'string' },
    receiver: { type: 'string' },
  },
});
for (const required of ['base-url', 'password', 'artifacts', 'push-spec', 'receiver']) {
  if (!args[required]) throw new Error(`--${required} is required`);
}
const base = args['base-url'].replace(/\/$/, '');
const host = new URL(base).host;

const ORG = 'acme';
const REPO = `${ORG}/app`;
const ROBOT = `${ORG}+ci`;
const TAG = '1.0';
const RECEIVER = args.receiver;
const HOOK_TITLE = 'CI hook';

function skopeoPush(robot, token) {
  const spec = JSON.parse(readFileSync(args['push-spec'], 'utf8'));
  const argv = [
    ...spec.argv,
    'copy',
    '--retry-times=2',
    `--dest-creds=${robot}:${token}`,
    '--dest-tls-verify=false',
    spec.source,
    `docker://${host}/${REPO}:${TAG}`,
  ];
  const result = spawnSync(argv[0], argv.slice(1), { env: spec.env, cwd: spec.cwd, encoding: 'utf8', timeout: 120_000 });
  console.log(`$ skopeo copy ... docker://${host}/${REPO}:${TAG} -> exit ${result.status}`);
  if (result.status !== 0) {
    throw new Error(`skopeo copy failed (${result.status ?? result.error}):\n${result.stdout}\n${result.stderr}`);
  }
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
  // Signed out: any page leads to the sign-in form.
  await page.goto(`${base}/repositories`);
  await page.getByTestId('signin-username').waitFor();
  check(new URL(page.url()).pathname === '/signin', `expected /signin, at ${page.url()}`);
  await expectTitle(page, 'Sign in');
  await shot(page, 'signin');

  // A wrong password is refused with the server's message.
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByTestId('signin-submit').click();
  const refusal = await visibleText(page.getByTestId('error-alert'));
  check(/sign-in failed/i.test(refusal), `unexpected error alert: ${refusal}`);
  check(refusal.split('\n').filter((l) => l.trim()).length >= 2, `the alert should carry the server's message: ${refusal}`);
  await shot(page, 'signin-wrong-password');

  await page.getByLabel('Password').fill(args.password);
  await page.getByTestId('signin-submit').click();
  await page.waitForURL(`${base}/repositories`);
  await expectTitle(page, 'Repositories');
  check((await visibleText(page.getByTestId('current-user'))) === 'admin', 'masthead should name admin');
  await shot(page, 'repositories');

  // Organization.
  await page.getByRole('link', { name: 'Organizations' }).click();
  await page.getByLabel('New organization').fill(ORG);
  await page.getByTestId('org-create').click();
  await page.waitForURL(`${base}/organization/${ORG}`);
  check((await visibleText(page.getByTestId('organization-title'))) === ORG, 'organization page title');
  await shot(page, 'organization-created');

  // Repository in it, private.
  await page.getByTestId('repo-create').click();
  const dialog = page.getByTestId('create-repository-dialog');
  await dialog.getByLabel('Repository name').fill('app');
  await dialog.getByTestId('repo-create-submit').click();
  await page.waitForURL(`${base}/repository/${REPO}`);
  check((await visibleText(page.getByTestId('repository-title'))) === REPO, 'repository page title');
  await page.getByTestId('tags-empty').waitFor();
  await shot(page, 'repository-created');

  // Robot: its token is shown once.
  await page.goto(`${base}/organization/${ORG}?tab=robots`);
  await page.getByLabel('Robot name').fill('ci');
  await page.getByTestId('robot-create').click();
  const secret = page.getByTestId('robot-secret-dialog');
  await secret.waitFor();
  const token = (await secret.getByTestId('robot-token').locator('input').inputValue()).trim();
  check(token.length >= 20, `robot token looks wrong: ${JSON.stringify(token)}`);
  const login = await secret.getByTestId('robot-podman-login').locator('input').inputValue();
  check(login.includes(ROBOT) && login.includes(host), `podman login line: ${login}`);
  check((await secret.getByTestId('robot-k8s-secret').innerText()).includes('kubernetes.io/dockerconfigjson'),
        'Kubernetes Secret YAML missing');
  await shot(page, 'robot-created');
  await secret.getByTestId('robot-secret-close').click();
  await page.getByTestId(`robot-row-${ROBOT}`).waitFor();

  // Grant the robot write on the repository in its settings.
  await page.goto(`${base}/repository/${REPO}?tab=settings`);
  await page.getByTestId('perm-kind').selectOption('robot');
  await page.getByTestId('perm-name').fill(ROBOT);
  await page.getByTestId('perm-role').selectOption('write');
  await page.getByTestId('perm-submit').click();
  const row = page.getByTestId(`perm-row-robot-${ROBOT}`);
  check((await visibleText(row)).includes('write'), 'the robot should hold write');
  await shot(page, 'robot-granted-write');

  // Push as the robot, then the tag shows in the tags table.
  skopeoPush(ROBOT, token);
  await page.getByRole('tab', { name: 'Tags' }).click();
  await page.getByTestId('tags-reload').click();
  const tagRow = page.getByTestId(`tag-row-${TAG}`);
  await tagRow.waitFor();
  const rowText = await tagRow.innerText();
  check(rowText.includes('sha256:'), `digest missing in: ${rowText}`);
  check(rowText.includes('linux/amd64'), `platform missing in: ${rowText}`);
  check(/\d+(\.\d)? (B|KiB|MiB)/.test(rowText), `size missing in: ${rowText}`);
  check(rowText.includes(`podman pull ${host}/${REPO}:${TAG}`), `pull command missing in: ${rowText}`);
  const expires = (await tagRow.locator('td[data-label="Expires"]').innerText()).trim();
  check(expires === 'never', `a pushed tag should not expire, the Expires column says ${JSON.stringify(expires)}`);
  await expectTitle(page, REPO);
  await shot(page, 'tag-pushed');

  // The row's action menu is named after its tag, and opens from the keyboard.
  const actions = tagRow.getByRole('button', { name: `Actions for ${TAG}` });
  await actions.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('menuitem', { name: 'History' }).waitFor({ timeout: TIMEOUT });
  await page.keyboard.press('Escape');
  await page.getByRole('menuitem', { name: 'History' }).waitFor({ state: 'hidden', timeout: TIMEOUT });

  // The manifest behind it.
  await tagRow.getByRole('link', { name: /^sha256:/ }).click();
  const manifest = page.getByTestId('manifest-view');
  await manifest.waitFor();
  check((await manifest.innerText()).includes('Layers (2)'), 'manifest view should list two layers');
  await manifest.getByTestId('signatures-empty').getByText('No signatures').waitFor();
  await shot(page, 'manifest');

  // Notifications, from the repository's tab: none yet.
  await page.goto(`${base}/repository/${REPO}`);
  await page.getByRole('tab', { name: 'Notifications' }).click();
  await page.waitForURL(`${base}/repository/${REPO}?tab=notifications`);
  const notifications = page.getByTestId('notifications-panel');
  await notifications.getByTestId('notifications-empty').getByText('No notifications').waitFor();

  // A webhook for pushes: a URL that is not http(s) is refused in the form, before anything is sent.
  await notifications.getByRole('button', { name: 'Create notification' }).click();
  const ruleDialog = page.getByTestId('notification-dialog');
  await ruleDialog.waitFor();
  const events = await ruleDialog.getByLabel(/^Event\b/).locator('option').allTextContents();
  check(!events.includes('Test') && events.includes('Image pushed') && !events.includes('Quota warning'),
        `a repository's events: ${JSON.stringify(events)}`);
  await ruleDialog.getByLabel(/^Event\b/).selectOption('push');
  await ruleDialog.getByLabel(/^Method\b/).selectOption('webhook');
  await ruleDialog.getByLabel(/^URL\b/).fill('ftp://127.0.0.1/hook');
  await ruleDialog.getByTestId('notification-create-submit').click();
  await ruleDialog.getByText('The URL must start with http:// or https://').waitFor();
  await ruleDialog.getByLabel(/^URL\b/).fill(RECEIVER);
  await ruleDialog.getByLabel('Title', { exact: true }).fill(HOOK_TITLE);
  check(await ruleDialog.getByLabel('Secret', { exact: true }).isVisible(), 'a webhook may have a secret');
  check(!(await ruleDialog.getByLabel('Minimum severity').isVisible()), 'a severity is only for vulnerabilities');
  await shot(page, 'notification-form');
  await ruleDialog.getByTestId('notification-create-submit').click();
  await ruleDialog.waitFor({ state: 'hidden' });
  const rulesTable = notifications.getByTestId('notifications-table');
  const hookRow = rulesTable.getByTestId(/^notification-row-/).filter({ hasText: HOOK_TITLE });
  await hookRow.waitFor();
  // the rules' own rows: an expanded one holds its details and deliveries, in rows of their own
  const ruleRows = async () => (await tableRows(rulesTable)).filter((r) => r.Rule !== undefined);
  let rules = await ruleRows();
  check(rules.length === 1 && rules[0].Rule.startsWith(HOOK_TITLE) && rules[0].Rule.includes('Image pushed → Webhook') &&
        rules[0].Target === RECEIVER && rules[0].Status === 'Enabled' && rules[0]['Last delivery'] === 'none yet',
        `the new rule's row: ${JSON.stringify(rules)}`);

  // A test notification, delivered to the receiver; the list shows the delivery.
  await hookRow.getByRole('button', { name: `Send test notification: ${HOOK_TITLE}` }).click();
  const outcome = await visibleText(notifications.getByTestId('notification-test-result'));
  check(outcome.includes('Delivered (HTTP 200)') && outcome.includes(HOOK_TITLE), `the test's outcome: ${outcome}`);
  const deliveries = notifications.getByTestId('notification-deliveries');
  await deliveries.getByText('Test', { exact: true }).waitFor();
  const sent = await tableRows(deliveries);
  const tests = sent.filter((d) => d.Event === 'Test');
  check(tests.length === 1 && tests[0].State === 'Delivered' && tests[0]['Status code'] === '200' &&
        tests[0].Attempts === '1' && tests[0]['Last error'] === '—',
        `the deliveries: ${JSON.stringify(sent)}`);
  await hookRow.locator('td[data-label="Last delivery"]').getByText('Delivered', { exact: true }).waitFor();
  await deliveries.scrollIntoViewIfNeeded(); // the page scrolls inside its layout: the deliveries in the shot
  await shot(page, 'notification-test-delivered');

  // Disabled, then enabled again, from the row's menu.
  const ruleAction = async (row, name, item) => {
    await row.getByRole('button', { name: `Actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: item, exact: true }).click();
  };
  await ruleAction(hookRow, HOOK_TITLE, 'Disable');
  await hookRow.locator('td[data-label="Status"]').getByText('Disabled', { exact: true }).waitFor();
  await shot(page, 'notification-disabled');
  await ruleAction(hookRow, HOOK_TITLE, 'Enable');
  await hookRow.locator('td[data-label="Status"]').getByText('Enabled', { exact: true }).waitFor();

  // An email rule for deletions, then deleted after the confirmation.
  await notifications.getByRole('button', { name: 'Create notification' }).click();
  await ruleDialog.waitFor();
  await ruleDialog.getByLabel(/^Event\b/).selectOption('delete');
  await ruleDialog.getByLabel(/^Method\b/).selectOption('email');
  check(!(await ruleDialog.getByLabel('Secret', { exact: true }).isVisible()), 'email takes no secret');
  await ruleDialog.getByLabel(/^To\b/).fill('ops@example.test, dev@example.test');
  await ruleDialog.getByTestId('notification-create-submit').click();
  await ruleDialog.waitFor({ state: 'hidden' });
  const mailRow = rulesTable.getByTestId(/^notification-row-/).filter({ hasText: 'ops@example.test, dev@example.test' });
  await mailRow.waitFor();
  check((await visibleText(mailRow.locator('td[data-label="Rule"]'))) === 'Image or tag deleted → Email',
        `the email rule's name: ${await mailRow.innerText()}`);
  await mailRow.scrollIntoViewIfNeeded();
  await shot(page, 'notifications-two-rules');
  await ruleAction(mailRow, 'Image or tag deleted → Email', 'Delete');
  const confirm = page.getByTestId('confirm-dialog');
  await confirm.getByTestId('confirm-button').click();
  await confirm.waitFor({ state: 'hidden' });
  await mailRow.waitFor({ state: 'detached' });
  rules = await ruleRows();
  check(rules.length === 1 && rules[0].Target === RECEIVER, `one rule should be left: ${JSON.stringify(rules)}`);

  // The organization's own rules are apart from the repository's: none.
  await page.goto(`${base}/organization/${ORG}?tab=notifications`);
  await page.getByTestId('notifications-empty').getByText('No notifications').waitFor();
  await shot(page, 'organization-notifications');

  // Phone width: the sidebar folds behind the masthead toggle, content still readable.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/repository/${REPO}`);
  await page.getByTestId(`tag-row-${TAG}`).waitFor();
  const toggle = page.getByTestId('nav-toggle');
  await toggle.waitFor();
  check(!(await page.getByRole('link', { name: 'Audit log' }).isVisible()), 'sidebar should be folded on a phone');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `page is ${overflow}px wider than a phone screen`);
  await shot(page, 'phone-tags');
  await toggle.click();
  await page.getByRole('link', { name: 'Audit log' }).waitFor({ state: 'visible' });
  await page.waitForTimeout(500); // the sidebar slides in
  await shot(page, 'phone-navigation');
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByTestId('audit-table').waitFor();
  await page.getByRole('link', { name: 'Audit log' }).waitFor({ state: 'hidden' });
  await expectTitle(page, 'Audit log');
  await shot(page, 'phone-audit');

  // Sign out: back to the form, and the session is gone.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByTestId('sign-out').click();
  await page.waitForURL(/\/signin/);
  await page.goto(`${base}/user`);
  await page.waitForURL(/\/signin\?next=%2Fuser/);
  await shot(page, 'signed-out');
});
if (passed) console.log('ui flow passed');

// Moderation through the real UI: a new member's first post is held, then
// approved; two members flag it and it is hidden; a moderator restores it;
// the member is silenced for a day and sees why; the log shows the whole trail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, VIEWPORTS, screenshot, logIn } from './lib/harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const PASSWORD = 'a long enough password';

async function register(context, base, name) {
  const page = await context.newPage();
  await page.goto(`${base}/register`);
  await page.fill('#username', name);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`${base}/?joined=1`), page.click('form.account button[type=submit]')]);
  return page;
}

async function submit(page, form) {
  await Promise.all([page.waitForNavigation(), page.locator(form).locator('button[type=submit]').first().click()]);
}

test('a held first post is approved, flagged, hidden, restored, and its author silenced, all in the log', async () => {
  const base = server.base;
  const options = VIEWPORTS.desktop;

  // The admin asks for new members' first post to be approved, and two flags to hide a post.
  const adminContext = await browser.newContext(options);
  const admin = await adminContext.newPage();
  await logIn(admin, base, 'site_admin');
  await admin.goto(`${base}/admin`);
  await admin.fill('#flags_to_hide', '2');
  await admin.fill('#approve_first_posts', '1');
  await submit(admin, 'form[action="/admin/settings"]');
  assert.equal(await admin.inputValue('#flags_to_hide'), '2');

  // A newcomer's first reply waits, kindly marked; a guest doesn't see it.
  const newcomerContext = await browser.newContext(options);
  const newcomer = await register(newcomerContext, base, 'nervous_nora');
  await newcomer.goto(`${base}/t/1/back-pain-following-run`);
  await newcomer.fill('section.composer #body', 'Same for me: my shoulders tense up when I run up hills.');
  await Promise.all([newcomer.waitForNavigation(), newcomer.click('section.composer button[type=submit]:not([name])')]);
  const note = newcomer.locator('.held-note');
  assert.match(await note.textContent(), /Waiting for a moderator/);
  await screenshot(newcomer, 'moderation-01-held-post');
  const guest = await (await browser.newContext(options)).newPage();
  await guest.goto(`${base}/t/1/back-pain-following-run`);
  assert.equal(await guest.getByText('my shoulders tense up').count(), 0);

  // A moderator approves it from the queue.
  const modContext = await browser.newContext(options);
  const mod = await modContext.newPage();
  await logIn(mod, base, 'coach_claire');
  await mod.goto(`${base}/mod`);
  const card = mod.locator('section.review', { hasText: 'my shoulders tense up' });
  assert.match(await card.textContent(), /Waiting for approval/);
  await screenshot(mod, 'moderation-02-queue');
  await Promise.all([mod.waitForNavigation(), card.locator('form[action$="/approve"] button').click()]);
  await guest.reload();
  assert.equal(await guest.getByText('my shoulders tense up').count(), 1);
  const postId = await guest.locator('article.post', { hasText: 'my shoulders tense up' }).locator('[data-thanks]').getAttribute('data-thanks');

  // Two members flag it, and it is hidden until a moderator looks.
  for (const name of ['flagger_fay', 'flagger_finn']) {
    const context = await browser.newContext(options);
    const page = await register(context, base, name);
    await page.goto(`${base}/p/${postId}/flag`);
    await page.check('input[value=abuse]');
    await submit(page, 'form.flag-form');
    assert.match(await page.locator('h1').textContent(), /Thank you/);
    await context.close();
  }
  await guest.reload();
  assert.equal(await guest.getByText('my shoulders tense up').count(), 0);
  assert.equal(await guest.getByText('hidden while the moderators look').count(), 1);

  // The moderator disagrees and restores it.
  await mod.goto(`${base}/mod?kind=flagged`);
  const flagged = mod.locator('section.review', { hasText: 'my shoulders tense up' });
  assert.match(await flagged.textContent(), /Rude or abusive/);
  assert.doesNotMatch(await flagged.textContent(), /flagger_fay|flagger_finn/, 'nobody learns who flagged');
  await Promise.all([mod.waitForNavigation(), flagged.locator('form[action$="/restore"] button').click()]);
  await guest.reload();
  assert.equal(await guest.getByText('my shoulders tense up').count(), 1);

  // The moderator silences the member for a day, who sees what happened, why and until when.
  await mod.goto(`${base}/mod/users/nervous_nora`);
  await mod.selectOption('#kind', 'silence');
  await mod.fill('#period', '1d');
  await mod.fill('#reason', 'A day off to cool down, please.');
  await submit(mod, 'form[action$="/sanction"]');
  assert.match(await mod.locator('main').textContent(), /Silenced until/);
  await newcomer.goto(`${base}/notifications`);
  const told = await newcomer.locator('ol.notifications').textContent();
  assert.match(told, /A day off to cool down/);
  assert.match(told, /until/);
  await newcomer.goto(`${base}/t/1/back-pain-following-run`);
  assert.match(await newcomer.locator('section.composer').textContent(), /You can read, but not post/);

  // The log shows the whole trail.
  await mod.goto(`${base}/mod/log`);
  const log = await mod.locator('table.log').textContent();
  for (const action of ['change-settings', 'approve', 'auto-hide', 'restore', 'silence']) assert.match(log, new RegExp(action));
  await screenshot(mod, 'moderation-03-log');
  for (const context of [adminContext, newcomerContext, modContext]) await context.close();
});

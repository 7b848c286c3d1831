// Losing nothing: what a member writes survives a reload, a session that
// ended on another device and the trip through the login page; the length
// limit shows as a count before posting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, VIEWPORTS, screenshot, logIn, apiAs } from './lib/harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const THREAD = '/t/1/back-pain-following-run';

test('a half-written reply survives a reload, and goes once it is posted', async () => {
  const page = await (await browser.newContext(VIEWPORTS.phone)).newPage();
  await logIn(page, server.base, 'parkrun_pete');
  await page.goto(`${server.base}${THREAD}?page=1`);
  await page.fill('#body', 'Have you tried shaking your arms out at the walk breaks?');
  await page.reload();
  assert.equal(await page.inputValue('#body'), 'Have you tried shaking your arms out at the walk breaks?');
  assert.match(await page.locator('.draft-note').textContent(), /kept what you were writing/);
  await screenshot(page, 'drafts-01-restored-phone');

  await Promise.all([page.waitForURL(/#p\d+$/), page.click('form.compose button[type=submit]:not([name])')]);
  await page.goto(`${server.base}${THREAD}?page=1`);
  assert.equal(await page.inputValue('#body'), '', 'the posted draft is gone');
  assert.equal(await page.locator('.draft-note').count(), 0);
});

test('a reply sent after logging out everywhere else comes back after logging in, and is posted once', async () => {
  const page = await (await browser.newContext(VIEWPORTS.desktop)).newPage();
  await logIn(page, server.base, 'jogon_jen');
  await page.goto(`${server.base}${THREAD}?page=1`);
  await page.click('#p1 footer a:text-is("Reply")');
  const words = 'A tennis ball against the wall, and drop your shoulders. Get it checked if it is not settling.';
  await page.fill('#body', words);
  // On another device, Jen logs out everywhere.
  const jen = await apiAs(server.base, 'jogon_jen');
  await jen('DELETE', '/api/v1/sessions');

  await page.click('form.compose button[type=submit]:not([name])');
  await page.waitForSelector('form.account');
  assert.match(await page.locator('[role=status]').first().textContent(), /hasn't been posted yet/);
  await screenshot(page, 'drafts-02-logged-out');
  await page.fill('#username', 'jogon_jen');
  await page.fill('#password', 'jogette-demo');
  await page.click('form.account button[type=submit]');
  await page.waitForSelector('form.compose');
  assert.equal(await page.inputValue('#body'), words);
  assert.match(await page.locator('.context').textContent(), /#1/, 'still answering post #1');

  const before = (await (await fetch(`${server.base}/api/v1/threads/1`)).json()).replies;
  await Promise.all([page.waitForURL(/#p\d+$/), page.click('form.compose button[type=submit]:not([name])')]);
  const after = (await (await fetch(`${server.base}/api/v1/threads/1`)).json()).replies;
  assert.equal(after, before + 1);
  await page.goto(`${server.base}${THREAD}/reply?to=1`);
  assert.equal(await page.inputValue('#body'), '', 'nothing left over once posted');
});

test('the composer counts characters against the limit, and a long paste is never cut short', async () => {
  const page = await (await browser.newContext(VIEWPORTS.desktop)).newPage();
  await logIn(page, server.base, 'parkrun_pete');
  await page.goto(`${server.base}/new-thread?category=injuries`);
  assert.equal(await page.locator('#body-limit').textContent(), '0 of 32,000 characters');
  await page.fill('#body', 'x'.repeat(33_000));
  assert.equal((await page.inputValue('#body')).length, 33_000, 'the box takes the whole paste');
  assert.match(await page.locator('#body-limit').textContent(), /^1,000 characters over the limit of 32,000/);
  await page.fill('#title', 'A very long story about my knees');
  await screenshot(page, 'drafts-03-over-the-limit');
});

// A 2 × 2 red PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==', 'base64');

test('a picture picked in the composer is uploaded at once and its Markdown lands where the member is typing', async () => {
  const page = await (await browser.newContext(VIEWPORTS.phone)).newPage();
  await logIn(page, server.base, 'parkrun_pete');
  await page.goto(`${server.base}${THREAD}/reply`);
  assert.equal(await page.locator('[data-upload-button]').isHidden(), true, 'the script uploads as soon as a picture is chosen');
  await page.fill('#body', 'My stretch, before and after:');
  await page.setInputFiles('#picture', { name: 'calf-stretch.png', mimeType: 'image/png', buffer: PNG });
  await page.waitForFunction(() => document.querySelector('#body').value.includes('/uploads/') || document.querySelector('.upload-status.field-error'), null, { timeout: 15_000 });
  assert.equal(await page.locator('.upload-status.field-error').count(), 0, await page.locator('.upload-status').textContent());
  assert.match(await page.inputValue('#body'), /^My stretch, before and after:\n\n!\[calf stretch\]\(\/uploads\/\d+-[0-9a-f]{16}\.jpg\)\n$/);
  assert.match(await page.locator('.upload-status').textContent(), /Picture added/);
  await screenshot(page, 'drafts-04-picture-added');
  await Promise.all([page.waitForURL(/#p\d+$/), page.click('form.compose button[type=submit]:not([name])')]);
  const img = page.locator('article.post .body img').last();
  assert.match(await img.getAttribute('src'), /^\/uploads\//);
  assert.equal(await img.evaluate((el) => el.complete && el.naturalWidth), 2, 'the picture loads under the page\'s policy');
});

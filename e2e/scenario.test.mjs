// The core scenario through the real UI, on a phone and a desktop, with
// JavaScript on and off: register, start a thread, reply to a post, quote,
// mention, thank, edit, and see the safety card while composing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, VIEWPORTS, screenshot, logIn } from './lib/harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

for (const [device, options] of Object.entries(VIEWPORTS)) {
  for (const js of [true, false]) {
    const label = `${device}-${js ? 'js' : 'nojs'}`;
    test(`the back pain conversation works on a ${device} with JavaScript ${js ? 'on' : 'off'}`, async () => {
      const base = server.base;
      const poster = await browser.newContext({ ...options, javaScriptEnabled: js });
      const helper = await browser.newContext({ ...options, javaScriptEnabled: js });
      const page = await poster.newPage();
      const name = `runner_${label.replace('-', '_')}`;

      // Register.
      await page.goto(`${base}/register`);
      await page.fill('#username', name);
      await page.fill('#password', 'a long enough password');
      await Promise.all([page.waitForURL(`${base}/?joined=1`), page.click('form.account button[type=submit]')]);
      assert.equal(await page.locator(`header.site a[href="/u/${name}"]`).count(), 1);
      assert.match(await page.locator('.welcome h2').textContent(), new RegExp(`Welcome, ${name}: you're in!`));
      await screenshot(page, `${label}-01-home`);

      // Start a thread; with JS the safety card appears while typing, without it on preview.
      await page.goto(`${base}/new-thread?category=injuries`);
      await page.fill('#title', `Back pain following run (${label})`);
      const body = 'A week after my run my upper back still aches between my shoulder blades and it is not settling. Should I see a physio?';
      if (js) {
        await page.locator('#body').pressSequentially(body, { delay: 2 });
        await page.waitForSelector('.safety-slot details.safety');
      } else {
        await page.fill('#body', body);
        await page.click('button[name=preview]');
        await page.waitForSelector('.preview');
      }
      assert.equal((await page.locator('.safety-slot summary').textContent()).trim(), 'See a GP or physiotherapist');
      await screenshot(page, `${label}-02-compose-safety`);
      await Promise.all([page.waitForURL(/\/t\/\d+\//), page.click('form.compose button[type=submit]:not([name])')]);
      const threadUrl = page.url();

      // A helper replies to that first post.
      const helperPage = await helper.newPage();
      await logIn(helperPage, base, 'jogon_jen');
      await helperPage.goto(threadUrl);
      await helperPage.click('#p1 footer a:text-is("Reply")');
      await helperPage.fill('#body', 'Is it your back or your shoulders?');
      await Promise.all([helperPage.waitForURL(/#p2$/), helperPage.click('form.compose button[type=submit]:not([name])')]);
      assert.match(await helperPage.locator('#p2 .reply-to').textContent(), /In reply to/);

      // The poster quotes the helper, mentions them, and thanks them.
      await page.goto(threadUrl);
      await page.click('#p2 a.quote');
      const prefilled = await page.inputValue('#body');
      assert.match(prefilled, /^> \*\*@jogon_jen\*\* \[wrote\]/);
      await page.fill('#body', `${prefilled}\n\nThanks @jogon_jen, I think it is my shoulders.`);
      await Promise.all([page.waitForURL(/#p3$/), page.click('form.compose button[type=submit]:not([name])')]);
      assert.equal(await page.locator('#p3 .body blockquote').count(), 1);
      assert.equal(await page.locator('#p3 .body > p a[href="/u/jogon_jen"]').count(), 1);
      await Promise.all([page.waitForURL(/#p2$/), page.click('#p2 form[action$="/thanks"] button')]);
      assert.match(await page.locator('#p2 .thanks').textContent(), /1 thank/);

      // The poster edits their reply.
      await page.click('#p3 footer a:text-is("Edit")');
      await page.fill('#body', 'Thanks @jogon_jen, it was my shoulders. Relaxing them helped.');
      await Promise.all([page.waitForURL(/#p3$/), page.click('form.compose button[type=submit]:not([name])')]);
      assert.match(await page.locator('#p3 .body').textContent(), /Relaxing them helped/);
      assert.equal(await page.locator('#p3 .edited').count(), 1);
      await screenshot(page, `${label}-03-thread`);

      // Search finds the thread, with the words highlighted.
      await page.click('header.site a[href="/search"]');
      await page.fill('#q', 'shoulder blades physio');
      await Promise.all([page.waitForURL(/\/search\?/), page.click('form.search button[type=submit]')]);
      const result = page.locator(`ol.results a.title:text-is("Back pain following run (${label})")`);
      assert.equal(await result.count(), 1);
      assert.ok(await page.locator('ol.results mark').count() > 0);
      await screenshot(page, `${label}-04-search`);

      await poster.close();
      await helper.close();
    });
  }
}

test('a reply arrives live in another browser, and thanks update in place', async () => {
  const base = server.base;
  const reader = await browser.newContext(VIEWPORTS.desktop);
  const writer = await browser.newContext(VIEWPORTS.phone);
  const readerPage = await reader.newPage();
  const writerPage = await writer.newPage();
  await logIn(readerPage, base, 'runningnearbeirut');
  await logIn(writerPage, base, 'slow_and_steady_sam');
  await readerPage.goto(`${base}/t/2/hello-from-a-total-beginner-and-a-bit-scared`);
  // Give the page's EventSource a moment to connect before anything happens.
  await readerPage.waitForSelector('.live-bar[data-connected]', { state: 'attached' });

  await writerPage.goto(`${base}/t/2/hello-from-a-total-beginner-and-a-bit-scared`);
  await writerPage.fill('#body', 'Welcome! Slow and steady wins it.');
  await Promise.all([writerPage.waitForURL(/#p\d+$/), writerPage.click('form.compose button[type=submit]:not([name])')]);
  const bar = readerPage.locator('.live-bar a');
  await bar.waitFor({ timeout: 2000 });
  assert.match(await bar.textContent(), /1 new reply/);
  // The bar is a status region, so screen readers announce the reply politely.
  assert.equal(await readerPage.locator('.live-bar').getAttribute('role'), 'status');
  await screenshot(readerPage, 'desktop-js-04-live-reply');

  // Thanks from the writer update the reader's count without a reload.
  const before = await readerPage.locator('#p1 .thanks').textContent();
  await writerPage.goto(`${base}/t/2/hello-from-a-total-beginner-and-a-bit-scared#p1`);
  const thankButton = writerPage.locator('#p1 form[action$="/thanks"] button');
  await Promise.all([writerPage.waitForURL(/#p1$/), thankButton.click()]);
  await readerPage.waitForFunction((old) => document.querySelector('#p1 .thanks').textContent !== old, before, { timeout: 2000 });

  await bar.click();
  await readerPage.waitForURL(/#p\d+$/);
  assert.match(await readerPage.locator('article.post:target .body').textContent(), /Slow and steady wins it/);
  await reader.close();
  await writer.close();
});

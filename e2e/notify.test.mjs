// Being told: a reply from another member raises the bell live, without a
// reload; the notifications, unread, new and settings pages work by keyboard
// and mouse, and look right on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, VIEWPORTS, screenshot, logIn } from './lib/harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function unread(page) {
  return page.locator('header .bell [data-unread]').evaluate((el) => (el.hidden ? 0 : Number(el.firstChild.nodeValue)));
}

test('a reply from a second browser raises the first member\'s bell live, and they catch up', async () => {
  const base = server.base;
  const posterContext = await browser.newContext(VIEWPORTS.desktop);
  const poster = await posterContext.newPage();
  await logIn(poster, base, 'runningnearbeirut');
  // A page that follows nothing else still hears of the member's own notifications.
  await poster.goto(`${base}/settings`);
  const before = await unread(poster);

  const helperContext = await browser.newContext(VIEWPORTS.desktop);
  const helper = await helperContext.newPage();
  await logIn(helper, base, 'parkrun_pete');
  await helper.goto(`${base}/t/1/back-pain-following-run?page=1`);
  await helper.click('#p1 footer a:text-is("Reply")');
  await helper.fill('#body', 'A tennis ball against a wall worked for me too. Glad the physio is booked.');
  await Promise.all([helper.waitForURL(/#p\d+$/), helper.click('form.compose button[type=submit]:not([name])')]);

  await poster.waitForFunction((n) => {
    const badge = document.querySelector('header .bell [data-unread]');
    return badge && !badge.hidden && Number(badge.firstChild.nodeValue) === n;
  }, before + 1, { timeout: 15_000 });
  assert.equal(await unread(poster), before + 1, 'the count rose without a reload');

  // The notification says who answered, and leads to the post.
  await poster.goto(`${base}/notifications`);
  const first = poster.locator('ol.notifications li').first();
  assert.match(await first.textContent(), /parkrun_pete replied to you/);
  assert.equal(await first.getAttribute('class'), 'unread');
  await screenshot(poster, 'notify-01-notifications');
  // Mark it read with the keyboard.
  await first.locator('button:has-text("Mark read")').focus();
  await Promise.all([poster.waitForURL(/\/notifications#n\d+$/), poster.keyboard.press('Enter')]);
  assert.equal(await poster.locator('ol.notifications li').first().getAttribute('class'), '');

  // The thread shows in /unread for the others who follow it; the poster
  // opening it lands on the new reply.
  const jen = await (await browser.newContext(VIEWPORTS.desktop)).newPage();
  await logIn(jen, base, 'jogon_jen');
  await jen.goto(`${base}/unread`);
  assert.ok(await jen.locator('ol.threads a.title:text-is("Back pain following run")').count() === 1, 'Jen wrote there, so she tracks it');
  // Jen wrote post 2 in the demo; everything after it is new to her, and her link lands on post 3.
  assert.match(await jen.locator('ol.threads .unread-count').first().textContent(), /^\d+ new posts in Back pain following run$/);
  await screenshot(jen, 'notify-02-unread');
  await Promise.all([jen.waitForURL(/\?page=1#p3$/), jen.click('ol.threads .unread-count')]);
  await jen.goto(`${base}/new`);
  await screenshot(jen, 'notify-03-new');

  // Settings: choose a daily digest and watching by default.
  await poster.goto(`${base}/settings`);
  await poster.check('#digest-daily');
  await poster.check('#watch-watching');
  await Promise.all([poster.waitForURL(/done=saved/), poster.click('form[action="/settings/preferences"] button[type=submit]')]);
  assert.equal(await poster.isChecked('#digest-daily'), true);
  assert.match(await poster.locator('main .status-note').textContent(), /Saved/);
  await screenshot(poster, 'notify-04-settings');
  await posterContext.close();
  await helperContext.close();
});

test('the catching-up pages fit a phone', async () => {
  const context = await browser.newContext(VIEWPORTS.phone);
  const page = await context.newPage();
  await logIn(page, server.base, 'jogon_jen');
  for (const path of ['/notifications', '/unread', '/new', '/settings']) {
    await page.goto(server.base + path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`);
  }
  await screenshot(page, 'notify-05-settings-phone');
  await context.close();
});

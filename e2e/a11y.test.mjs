// axe-core with the WCAG 2.2 AA rules and best practice on every page type,
// logged in and out, in light and dark themes, on a phone and a desktop: zero
// violations. Each page type is photographed on both into the artifacts.
// Also: a skip link that works and visible keyboard focus.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launch, logIn, holdAPost, logPain, VIEWPORTS, screenshot } from './lib/harness.mjs';
import { GUEST_PAGES, MEMBER_PAGES, HELD_PAGE, RUNNER, RUNNER_PAGES } from './lib/pages.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');


let server, browser;
let held;
before(async () => { server = await startServer(); browser = await launch(); held = await holdAPost(server.base); await logPain(server.base, RUNNER); });
after(async () => { await browser?.close(); await server?.stop(); });

async function violations(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, {
    resultTypes: ['violations'],
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

const shotName = (who, viewport, path) => `pages-${who}-${viewport}-${path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'home'}`;

for (const viewport of ['phone', 'desktop']) {
  for (const colorScheme of ['light', 'dark']) {
    test(`every page has no axe violations, logged out, ${colorScheme} theme, ${viewport}`, async () => {
      const context = await browser.newContext({ ...VIEWPORTS[viewport], colorScheme, bypassCSP: true });
      const page = await context.newPage();
      const found = [];
      for (const path of GUEST_PAGES) {
        await page.goto(server.base + path);
        if (colorScheme === 'light') await screenshot(page, shotName('guest', viewport, path));
        for (const v of await violations(page)) found.push(`${path}: ${v}`);
      }
      await context.close();
      assert.deepEqual(found, []);
    });

    test(`every page has no axe violations, logged in as an admin, ${colorScheme} theme, ${viewport}`, async () => {
      const context = await browser.newContext({ ...VIEWPORTS[viewport], colorScheme, bypassCSP: true });
      const page = await context.newPage();
      await logIn(page, server.base, 'site_admin');
      const found = [];
      for (const path of MEMBER_PAGES) {
        await page.goto(server.base + path);
        if (colorScheme === 'light') await screenshot(page, shotName('admin', viewport, path));
        for (const v of await violations(page)) found.push(`${path}: ${v}`);
      }
      await context.close();
      assert.deepEqual(found, []);
    });
  }
}

test('a runner\'s own pages (run log, pain chart, editing and sharing a run) have no axe violations', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({ colorScheme, bypassCSP: true });
    const page = await context.newPage();
    await logIn(page, server.base, RUNNER);
    const found = [];
    for (const path of RUNNER_PAGES) {
      await page.goto(server.base + path);
      for (const v of await violations(page)) found.push(`${path}: ${v}`);
    }
    assert.equal(await page.goto(server.base + '/u/' + RUNNER).then(() => page.locator('#pain-chart-title').count()), 1, 'the pain chart is there to check');
    await context.close();
    assert.deepEqual(found, []);
  }
});

test('a held post, as its author sees it, has no axe violations', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({ colorScheme, bypassCSP: true });
    const page = await context.newPage();
    await logIn(page, server.base, held.username, held.password);
    await page.goto(server.base + HELD_PAGE);
    assert.equal(await page.locator('.held-note').count(), 1);
    assert.deepEqual(await violations(page), []);
    await context.close();
  }
});

test('a keyboard user can skip to the content and sees where focus is', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.base + '/t/1/back-pain-following-run');
  await page.keyboard.press('Tab');
  const skip = page.locator('a.skip');
  assert.equal(await skip.evaluate((el) => el === document.activeElement), true, 'the first Tab reaches the skip link');
  const box = await skip.boundingBox();
  assert.ok(box && box.x >= 0 && box.y >= 0, 'the focused skip link is on screen');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'focus is visible');
  await context.close();
});

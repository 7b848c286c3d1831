// A thread page with 20 posts weighs at most 60 KB compressed, everything
// included, and its JavaScript at most 15 KB compressed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, apiMember, VIEWPORTS, screenshot } from './lib/harness.mjs';

const PAGE_BUDGET = 60 * 1024;
const JS_BUDGET = 15 * 1024;

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('a 20-post thread page stays within the page-weight budget', async () => {
  const ann = await apiMember(server.base, 'weigh_ann');
  const bob = await apiMember(server.base, 'weigh_bob');
  const thread = await ann('POST', '/api/v1/threads', {
    category: 'week-by-week',
    title: 'W5R3 report: the twenty minute run',
    body: 'Did it! Twenty minutes without stopping. My calves ached in the last five minutes but I slowed right down and kept going. **Thank you** all for the encouragement.',
  });
  let replyTo = thread.first_post.id;
  for (let n = 2; n <= 20; n++) {
    const who = n % 2 ? ann : bob;
    const post = await who('POST', `/api/v1/threads/${thread.id}/posts`, {
      body: `Reply ${n}: well done! I found the *second half* easier once I stopped looking at my watch. Slow and steady, and shoulders down. See [the NHS page](https://www.nhs.uk/live-well/exercise/running-and-aerobic-exercises/get-running-with-couch-to-5k/) for the plan.`,
      reply_to: replyTo,
    });
    replyTo = post.id;
  }

  const context = await browser.newContext({ ...VIEWPORTS.phone });
  const page = await context.newPage();
  const responses = [];
  page.on('response', (r) => responses.push(r));
  await page.goto(server.base + thread.url, { waitUntil: 'load' });
  // The live-update stream stays open by design; once it is connected the page is complete.
  await page.waitForSelector('.live-bar[data-connected]', { state: 'attached' });
  assert.equal(await page.locator('article.post').count(), 20);
  let total = 0, js = 0;
  const lines = [];
  for (const r of responses) {
    const streaming = (r.headers()['content-type'] || '').startsWith('text/event-stream');
    // An open event stream has no finished body to measure; count its headers.
    const sizes = streaming ? { responseBodySize: 0, responseHeadersSize: 200 } : await r.request().sizes();
    const bytes = sizes.responseBodySize + sizes.responseHeadersSize;
    total += bytes;
    if ((r.headers()['content-type'] || '').includes('javascript')) js += sizes.responseBodySize;
    lines.push(`${bytes}\t${r.headers()['content-encoding'] || 'identity'}\t${r.url()}`);
  }
  console.log(`page weight ${total} bytes (budget ${PAGE_BUDGET}), JavaScript ${js} bytes (budget ${JS_BUDGET})\n${lines.join('\n')}`);
  await screenshot(page, 'phone-20-post-thread');
  await context.close();
  assert.ok(responses.every((r) => r.status() < 400), 'every resource loads');
  assert.ok(total <= PAGE_BUDGET, `page weight ${total} > ${PAGE_BUDGET}`);
  assert.ok(js <= JS_BUDGET, `JavaScript ${js} > ${JS_BUDGET}`);
});

test('the guided run, with its script and service worker, stays within the same budgets', async () => {
  const context = await browser.newContext({ ...VIEWPORTS.phone });
  const page = await context.newPage();
  const responses = [];
  page.on('response', (r) => responses.push(r));
  // The service worker's own fetches are the page's cost too.
  context.on('serviceworker', (worker) => worker.on('response', (r) => responses.push(r)));
  await page.goto(`${server.base}/run?plan=couch-to-5k&run=w3r1`, { waitUntil: 'load' });
  await page.evaluate(() => navigator.serviceWorker.ready);
  let total = 0, js = 0;
  for (const r of responses) {
    const sizes = await r.request().sizes();
    total += sizes.responseBodySize + sizes.responseHeadersSize;
    if ((r.headers()['content-type'] || '').includes('javascript')) js += sizes.responseBodySize;
  }
  console.log(`guided run: ${total} bytes, JavaScript ${js} bytes`);
  await context.close();
  assert.ok(total <= PAGE_BUDGET, `page weight ${total} > ${PAGE_BUDGET}`);
  assert.ok(js <= JS_BUDGET, `JavaScript ${js} > ${JS_BUDGET}`);
});

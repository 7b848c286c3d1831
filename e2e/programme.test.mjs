// The guided run, driven with a fake clock: each cue is said at its second,
// pause and resume hold the time, a reload carries on where the run stood,
// and the end offers to log it. Then offline: the page reloads from the
// service worker, a run logged without a connection goes once it is back,
// and never twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, logIn, apiAs, screenshot, VIEWPORTS } from './lib/harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

// Records what would be spoken and when, and each vibration, instead of
// making sounds.
function recordSpeech() {
  window.__spoken = [];
  window.__vibrations = 0;
  const fake = { speak(u) { window.__spoken.push({ text: u.text, at: Date.now() }); }, cancel() {} };
  Object.defineProperty(window, 'speechSynthesis', { value: fake, configurable: true });
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  navigator.vibrate = () => { window.__vibrations += 1; return true; };
}

const START = new Date('2026-12-04T07:00:00Z');

test('the guided run says each cue at its second, pauses, resumes after a reload, and offers to log the run', async () => {
  const context = await browser.newContext(VIEWPORTS.phone);
  const page = await context.newPage();
  await logIn(page, server.base, 'nervous_nina');
  await context.addInitScript(recordSpeech);
  await page.clock.install({ time: START });
  await page.goto(`${server.base}/run?plan=couch-to-5k&run=w1r1`);
  const cues = await page.$$eval('ol.cues li', (items) => items.map((li) => ({ at: +li.dataset.at, say: li.querySelector('.say').textContent })));
  const segments = await page.$$eval('table.segments tbody tr', (rows) => rows.map((r) => ({ kind: r.dataset.kind, start: +r.dataset.start, seconds: +r.dataset.seconds })));
  // The segment sequence: warm-up, eight runs and walks, cool-down.
  assert.deepEqual(segments.map((s) => s.kind), ['warm-up', ...Array(8).fill(['run', 'walk']).flat(), 'cool-down']);
  assert.deepEqual(segments.slice(0, 3).map((s) => [s.start, s.seconds]), [[0, 300], [300, 60], [360, 90]]);
  const total = segments.at(-1).start + segments.at(-1).seconds;
  assert.equal(total, 1800);

  await page.click('.run-start');
  const started = await page.evaluate(() => JSON.parse(localStorage.getItem('jogette.run.couch-to-5k/w1r1')).started);
  await page.clock.runFor(400_000);
  assert.equal(await page.textContent('.now-label'), 'Walk', 'at 6:40, the first walk');
  // Pause for a minute: nothing moves, nothing is said.
  await page.click('.run-pause');
  const spokenBefore = await page.evaluate(() => window.__spoken.length);
  const timerBefore = await page.textContent('.timer');
  await page.clock.runFor(60_000);
  assert.equal(await page.textContent('.timer'), timerBefore);
  assert.equal(await page.evaluate(() => window.__spoken.length), spokenBefore);
  assert.match(await page.textContent('.now-label'), /paused/);
  await page.click('.run-pause');
  await page.clock.runFor(500_000);

  // A reload mid-run carries on from where the run stood, without saying
  // everything it missed.
  const beforeReload = await page.evaluate(() => window.__spoken);
  const vibratedBefore = await page.evaluate(() => window.__vibrations);
  await page.reload();
  await page.clock.runFor(1_000);
  assert.equal(await page.locator('.run-start').isHidden(), true, 'the run is still going');
  assert.equal(await page.textContent('.elapsed-clock'), '15:01');
  assert.ok((await page.evaluate(() => window.__spoken.length)) <= 1, 'at most what is due now is said after a reload');
  await page.clock.runFor(total * 1000);
  const afterReload = await page.evaluate(() => window.__spoken);

  // Each cue was said once, within a tick of its second (the paused minute aside).
  const said = [...beforeReload, ...afterReload].map((s) => {
    const seconds = (s.at - started) / 1000;
    return { text: s.text, at: seconds > 460 ? seconds - 60 : seconds };
  });
  assert.deepEqual(said.map((s) => s.text), cues.map((c) => c.say));
  for (const [i, s] of said.entries()) assert.ok(s.at >= cues[i].at && s.at < cues[i].at + 1, `${cues[i].say} at ${s.at}, not ${cues[i].at}`);
  assert.equal(vibratedBefore + await page.evaluate(() => window.__vibrations), 19, 'a vibration at each change of segment and at the end');

  // The end: well done, and the log form with the time filled in.
  assert.equal(await page.textContent('.now-label'), 'Finished. Well done!');
  assert.equal(await page.textContent('#log'), 'Well done! Log this run');
  assert.equal(await page.inputValue('form.run-log input[name=duration_min]'), '30:00');
  await screenshot(page, 'guided-run-finished-phone');
  await Promise.all([page.waitForURL(/\/runs\?logged=/), page.click('form.run-log button[type=submit]')]);
  assert.match(await page.textContent('.logged'), /W1R1/);
  await context.close();
});

test('cues can be turned off and stay off', async () => {
  const context = await browser.newContext(VIEWPORTS.desktop);
  await context.addInitScript(recordSpeech);
  const page = await context.newPage();
  await page.clock.install({ time: START });
  await page.goto(`${server.base}/run?plan=couch-to-5k&run=w5r3`);
  await page.uncheck('.run-cues');
  await page.click('.run-start');
  await page.clock.runFor(400_000);
  assert.equal(await page.evaluate(() => window.__spoken.length), 0);
  await page.reload();
  assert.equal(await page.isChecked('.run-cues'), false);
  await screenshot(page, 'guided-run-desktop');
  await context.close();
});

test('offline, the guided run reloads from the service worker and a run logged there goes once the connection is back, once', async () => {
  const context = await browser.newContext(VIEWPORTS.phone);
  const page = await context.newPage();
  await logIn(page, server.base, 'canal_kate');
  const api = await apiAs(server.base, 'canal_kate');
  const before = (await api('GET', '/api/v1/runs')).total;
  await page.goto(`${server.base}/run`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  // The worker keeps this page once it is running.
  await page.waitForFunction(async () => (await caches.keys()).length > 0 && !!(await caches.match(location.href)));

  await context.setOffline(true);
  await page.reload();
  assert.match(await page.textContent('h1'), /^W2R2/, 'the page came from the offline copy');
  await page.check('#run-felt-hard');
  await page.click('form.run-log button[type=submit]');
  assert.match(await page.textContent('.offline-note'), /saved on this phone/);
  assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('jogette.runs.pending')).length), 1);
  assert.equal((await api('GET', '/api/v1/runs')).total, before, 'nothing reached the server while offline');

  // Back online: it is logged, once, and the queue empties.
  await context.setOffline(false);
  await page.waitForFunction(() => (JSON.parse(localStorage.getItem('jogette.runs.pending') || '[]')).length === 0);
  const runs = await api('GET', '/api/v1/runs');
  assert.equal(runs.total, before + 1);
  assert.equal(runs.items[0].plan_run, 'w2r2');
  assert.equal(runs.items[0].felt, 'hard');
  // The same entry sent again (a second tab, a flaky network) changes nothing.
  await page.evaluate(async () => {
    const form = document.querySelector('form.run-log');
    const body = new URLSearchParams(new FormData(form));
    body.set('client_id', 'resend-check');
    for (let i = 0; i < 2; i++) await fetch('/runs', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  });
  assert.equal((await api('GET', '/api/v1/runs')).total, before + 2, 'two sends of one client id log one run');
  await context.close();
});

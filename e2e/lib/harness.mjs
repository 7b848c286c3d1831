// Starts a real `jogette serve --demo` on a free port over a fresh SQLite file,
// and headless Chromium with the flags this machine needs.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.JOGETTE_BIN || join(root, 'target', 'debug', 'jogette');
export const ARTIFACTS = process.env.JOGETTE_ARTIFACTS || join(root, 'artifacts');
export const DEMO_PASSWORD = 'jogette-demo';

export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'jogette-e2e-'));
  const child = spawn(BIN, ['serve', '--demo', '--db', `sqlite://${join(dir, 'forum.db')}`, '--listen', '127.0.0.1:0'], {
    env: { ...process.env, JOGETTE_RATE_LIMITS: 'off' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('jogette did not start within 30 s')), 30_000);
    const lines = createInterface({ input: child.stderr });
    lines.on('line', (line) => {
      if (process.env.JOGETTE_E2E_LOG && /ERROR|WARN|status=5/.test(line)) console.error(line);
      const m = line.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => reject(new Error(`jogette exited with ${code}`)));
  });
  // The demo loads before the listener answers requests; wait until it is ready.
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${base}/readyz`).catch(() => null);
    if (r && r.ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export const VIEWPORTS = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  desktop: { viewport: { width: 1280, height: 900 } },
};

export async function screenshot(page, name) {
  mkdirSync(join(ARTIFACTS, 'screenshots'), { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'screenshots', `${name}.png`), fullPage: true });
}

/// Logs in through the real form.
export async function logIn(page, base, username, password = DEMO_PASSWORD) {
  await page.goto(`${base}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  try {
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15_000 }), page.click('form.account button[type=submit]')]);
  } catch (e) {
    const said = await page.locator('main').textContent().catch(() => '');
    throw new Error(`logging in as ${username} stayed on ${page.url()}: ${said.replace(/\s+/g, ' ').trim().slice(0, 300)}`);
  }
}

/// A member made through the JSON API, for set-up that isn't under test.
export async function apiMember(base, username, password = 'a long enough password') {
  await fetch(`${base}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const r = await fetch(`${base}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const { token } = await r.json();
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body && JSON.stringify(body) });
    return res.status === 204 ? null : res.json();
  };
}

/// The API as a demo member (the demo's members share one password).
export async function apiAs(base, username, password = DEMO_PASSWORD) {
  const r = await fetch(`${base}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const { token } = await r.json();
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body && JSON.stringify(body) });
    return res.status === 204 ? null : res.json();
  };
}

/// A new member's first post, held for a moderator (the community asks for
/// one post to be approved): the review queue and the thread then show it.
/// Returns the member's name and password.
export async function holdAPost(base) {
  const admin = await apiAs(base, 'site_admin');
  await admin('PUT', '/api/v1/settings/moderation', { flags_to_hide: 3, approve_first_posts: 1 });
  const username = 'newbie_nell', password = 'a long enough password';
  const newbie = await apiMember(base, username, password);
  await newbie('POST', '/api/v1/threads/1/posts', { body: 'Hello everyone, my back aches too after my first runs.' });
  return { username, password };
}

/// Pain in the runner's log over the last week, so their pages show the
/// pain chart and the composer offers a summary.
export async function logPain(base, username) {
  const runner = await apiAs(base, username);
  const day = (ago) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
  for (const [ago, level] of [[6, 3], [3, 4], [1, 4]]) {
    await runner('POST', '/api/v1/runs', { plan_run: 'w1r3', date: day(ago), pain: [{ area: 'shin', level }, { area: 'calf', level: level - 2 }] });
  }
}

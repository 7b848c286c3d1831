// The Nu HTML checker (vnu-jar, run with the machine's Java) finds no errors
// on any page type, as served (not as scripts change it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { startServer, launch, logIn, holdAPost, logPain } from './lib/harness.mjs';
import { GUEST_PAGES, MEMBER_PAGES, HELD_PAGE, RUNNER, RUNNER_PAGES } from './lib/pages.mjs';

const require = createRequire(import.meta.url);
const VNU = require.resolve('vnu-jar/build/dist/vnu.jar');

let server, browser;
let held;
before(async () => { server = await startServer(); browser = await launch(); held = await holdAPost(server.base); await logPain(server.base, RUNNER); });
after(async () => { await browser?.close(); await server?.stop(); });

test('every page type is valid HTML, logged out and logged in', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jogette-vnu-'));
  const files = new Map();
  const guest = await browser.newContext();
  const member = await browser.newContext();
  await logIn(await member.newPage(), server.base, 'site_admin');
  const runner = await browser.newContext();
  await logIn(await runner.newPage(), server.base, RUNNER);
  for (const [who, context, pages] of [['guest', guest, GUEST_PAGES], ['member', member, MEMBER_PAGES], ['runner', runner, RUNNER_PAGES]]) {
    for (const path of pages) {
      const response = await context.request.get(server.base + path);
      const file = join(dir, `${who}${path.replace(/[^a-z0-9]+/gi, '_')}.html`);
      writeFileSync(file, await response.text());
      files.set(file, `${who} ${path}`);
    }
  }
  const author = await browser.newContext();
  await logIn(await author.newPage(), server.base, held.username, held.password);
  const response = await author.request.get(server.base + HELD_PAGE);
  const file = join(dir, 'held_post.html');
  writeFileSync(file, await response.text());
  files.set(file, `held post ${HELD_PAGE}`);
  await author.close();
  await runner.close();
  await guest.close();
  await member.close();
  let report;
  try {
    execFileSync('java', ['-jar', VNU, '--errors-only', '--format', 'json', ...files.keys()], { stdio: ['ignore', 'pipe', 'pipe'] });
    report = { messages: [] };
  } catch (e) {
    // vnu exits non-zero when it finds errors and writes its JSON report to stderr.
    report = JSON.parse(e.stderr.toString());
  }
  rmSync(dir, { recursive: true, force: true });
  const errors = report.messages
    .filter((m) => m.type === 'error')
    .map((m) => `${files.get(decodeURIComponent(m.url.replace('file:', ''))) ?? m.url}:${m.lastLine}: ${m.message}`);
  assert.deepEqual(errors, []);
});

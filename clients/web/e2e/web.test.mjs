// End-to-end: the real StreamHub (built, with the bundled model) + the built page in Debian's headless Chromium,
// driven by playwright-core. The microphone is Chromium's fake capture device fed from a WAV made at test time
// (espeak-ng speech when installed, else a synthetic voiced signal). Screenshots go to clients/web/test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPrerequisites, launch, results, startHub, stopHub } from './hub.mjs';

const LABELS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'];
let server;
let baseUrl;
let wavPath;
let logPath;

function synthVoiceWav(path, seconds = 6, rate = 16000) {
  const n = seconds * rate;
  const data = Buffer.alloc(n * 2);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const syllable = Math.sin(Math.PI * ((t * 3) % 1)); // 3 syllables a second
    const f0 = 140 + 40 * Math.sin(2 * Math.PI * 0.5 * t);
    phase += (2 * Math.PI * f0) / rate;
    let v = 0;
    for (let h = 1; h <= 12; h++) v += Math.sin(h * phase) / h;
    data.writeInt16LE(Math.round(0.25 * v * syllable * 32767 * 0.8), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0); header.writeUInt32LE(36 + data.length, 4); header.write('WAVE', 8);
  header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24); header.writeUInt32LE(rate * 2, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34);
  header.write('data', 36); header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}

function makeSpeech(path) {
  const text = 'I have been waiting for an hour and nobody has called me back. This is really not acceptable. I want to speak to someone now.';
  const espeak = spawnSync('espeak-ng', ['-s', '150', '-w', path, text]);
  if (espeak.status === 0 && existsSync(path)) return 'espeak-ng';
  synthVoiceWav(path);
  return 'synthetic';
}

before(async () => {
  mkdirSync(results, { recursive: true });
  checkPrerequisites();
  wavPath = join(results, 'speech.wav');
  console.log(`test audio: ${makeSpeech(wavPath)}`);

  // A fresh emotion log per run; no AudioSocket listener (its port may be taken by a running hub).
  logPath = join(results, `calllog-${process.pid}.db`);
  ({ process: server, url: baseUrl } = await startHub(logPath));
});

after(async () => {
  await stopHub(server, logPath);
});

test('live microphone: updates render with a label, confidence and the rolling chart', async () => {
  const browser = await launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wavPath}`]);
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    page.on('console', (m) => { if (m.type() === 'error') console.log('page error:', m.text()); });
    await page.goto(baseUrl);
    await page.locator('[data-testid=connection-state][data-state=connected]').waitFor({ timeout: 20000 });
    await page.getByTestId('mic-start').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=update-count]').textContent) >= 8, null, { timeout: 30000 });
    const current = (await page.getByTestId('current-emotion').textContent()).trim();
    assert.ok([...LABELS, 'no speech'].includes(current), `current emotion shows '${current}'`);
    const speech = await page.getByTestId('speech-indicator').textContent();
    assert.match(speech, /speech/);
    assert.equal(await page.locator('[data-testid=live-chart] canvas').count(), 1);
    assert.equal(await page.getByTestId('message').isHidden(), true, 'no error message is shown');
    await page.screenshot({ path: join(results, 'live.png'), fullPage: true });
    await page.getByTestId('mic-stop').click();
    await page.getByTestId('mic-start').isEnabled();
    await page.setViewportSize({ width: 390, height: 900 });
    await page.screenshot({ path: join(results, 'live-phone.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});

test('upload: a WAV gets a timeline and a summary', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
    await page.goto(baseUrl);
    // Every state the progress bar and its line pass through, recorded as they change.
    await page.evaluate(() => {
      const bar = document.querySelector('[data-testid=upload-progress]');
      const line = document.querySelector('[data-testid=upload-status]');
      window.uploadStates = [];
      const record = () => window.uploadStates.push(`${bar.dataset.phase}|${line.textContent}`);
      new MutationObserver(record).observe(bar, { attributes: true });
      new MutationObserver(record).observe(line, { childList: true, characterData: true, subtree: true });
    });
    await page.getByTestId('upload-file').setInputFiles(wavPath);
    await page.getByTestId('upload-go').click();
    await page.getByTestId('dominant').waitFor({ timeout: 30000 });
    const states = await page.evaluate(() => window.uploadStates);
    assert.ok(states.some((s) => /^sending\|Sending [\d.]+ of [\d.]+ MB/.test(s)), `bytes sent were shown: ${states.join(' / ')}`);
    assert.ok(states.some((s) => /^analysing\|Analysing: [\d.]+ of [\d.]+ s of audio/.test(s)), `analysis progress was shown: ${states.join(' / ')}`);
    assert.equal(await page.getByTestId('upload-progress').evaluate((el) => [el.dataset.phase, el.value, el.hidden].join()), 'done,1,false');
    assert.match(await page.getByTestId('upload-status').textContent(), /^Analysed [\d.]+ s of audio\.$/);
    const dominant = (await page.getByTestId('dominant').textContent()).trim();
    assert.ok([...LABELS, 'no speech'].includes(dominant), `dominant shows '${dominant}'`);
    assert.equal(await page.locator('[data-testid=summary] tbody tr').count(), 7);
    assert.equal(await page.locator('[data-testid=upload-chart] canvas').count(), 1);
    await page.screenshot({ path: join(results, 'upload.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});

test('upload: a file that is not audio gets a clear message', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(baseUrl);
    await page.getByTestId('upload-file').setInputFiles({ name: 'notes.wav', mimeType: 'audio/wav', buffer: Buffer.from('not audio at all') });
    await page.getByTestId('upload-go').click();
    await page.getByTestId('message').filter({ hasText: 'RIFF' }).waitFor({ timeout: 15000 });
    assert.equal(await page.getByTestId('upload-progress').isHidden(), true, 'a failed job leaves no progress bar behind');
  } finally {
    await browser.close();
  }
});

test('a denied microphone says so', async () => {
  const browser = await launch(['--use-fake-device-for-media-stream']);
  try {
    const context = await browser.newContext();
    await context.clearPermissions();
    const page = await context.newPage();
    await page.goto(baseUrl);
    await page.locator('[data-testid=connection-state][data-state=connected]').waitFor({ timeout: 20000 });
    await page.getByTestId('mic-start').click();
    const text = await page.getByTestId('message').filter({ hasText: /denied|No microphone|could not be opened/ }).textContent({ timeout: 15000 });
    assert.ok(text.length > 10);
    await page.screenshot({ path: join(results, 'denied.png') });
  } finally {
    await browser.close();
  }
});

test('replay: a chosen file plays through the hub and the live view updates', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    await page.goto(baseUrl);
    await page.locator('[data-testid=connection-state][data-state=connected]').waitFor({ timeout: 20000 });
    await page.getByTestId('replay-file').setInputFiles(wavPath);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=update-count]').textContent) >= 6, null, { timeout: 30000 });
    const current = (await page.getByTestId('current-emotion').textContent()).trim();
    assert.ok([...LABELS, 'no speech'].includes(current), `current emotion shows '${current}'`);
    await page.screenshot({ path: join(results, 'replay.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});

test('console: a microphone session is a live card with one speaker lane, then a call with its ribbon in the log', async () => {
  const browser = await launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wavPath}`]);
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 1300 } });
    const calls = await context.newPage();
    await calls.goto(`${baseUrl}/calls.html`);
    await calls.locator('[data-testid=connection-state][data-state=connected]').waitFor({ timeout: 20000 });

    const live = await context.newPage();
    await live.goto(baseUrl);
    await live.locator('[data-testid=connection-state][data-state=connected]').waitFor({ timeout: 20000 });
    await live.getByTestId('mic-start').click();

    const card = calls.locator('[data-testid=live-card]').filter({ hasText: 'mic' }).first();
    await card.waitFor({ timeout: 20000 });
    const lane = card.locator('[data-testid=lane][data-role=speaker]');
    await lane.locator('[data-testid=lane-emotion]').filter({ hasText: /neutral|happy|sad|angry|fearful|disgust|surprised|no speech/ }).waitFor({ timeout: 20000 });
    const callId = await card.getAttribute('data-call');
    await live.waitForFunction(() => Number(document.querySelector('[data-testid=update-count]').textContent) >= 12, null, { timeout: 30000 });
    await calls.screenshot({ path: join(results, 'console-mic-live.png'), fullPage: true });

    await live.getByTestId('mic-stop').click();
    // The card goes once the session has ended; its call page shows the one track from the log.
    await card.waitFor({ state: 'detached', timeout: 15000 });
    await calls.goto(`${baseUrl}/calls.html?view=call&id=${encodeURIComponent(callId)}`);
    await calls.getByTestId('call-info').filter({ hasText: 'ended' }).waitFor({ timeout: 15000 });
    // The page writes the call's line first and its tracks after their timelines arrive: wait for them, then count.
    await calls.locator('[data-testid=track]').first().waitFor({ timeout: 15000 });
    assert.equal(await calls.locator('[data-testid=track]').count(), 1);
    assert.equal(await calls.locator('[data-testid=track][data-role=speaker] canvas').count(), 1);
    assert.ok(Number(await calls.locator('[data-testid=track] .ribbon-plot').getAttribute('aria-valuemax')) >= 11, 'the ribbon holds the session\'s updates');
  } finally {
    await browser.close();
  }
});

test('a server with API keys: the page asks for a key, and works once it is given', async () => {
  const key = 'e2e-web-key-000000000001';
  const log = join(results, `calllog-auth-${process.pid}.db`);
  const clientKey = 'e2e-web-key-000000000002';
  const hub = await startHub(log, ['--Auth:ApiKeys:0:Name', 'web', '--Auth:ApiKeys:0:Key', key,
    '--Auth:ApiKeys:0:Roles:0', 'client', '--Auth:ApiKeys:0:Roles:1', 'supervisor',
    '--Auth:ApiKeys:1:Name', 'other', '--Auth:ApiKeys:1:Key', clientKey, '--Auth:ApiKeys:1:Roles:0', 'client']);
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    await page.goto(hub.url);
    await page.locator('[data-testid=connection-state][data-state=disconnected]').waitFor({ timeout: 20000 });
    assert.match(await page.getByTestId('message').textContent(), /needs an access key/);
    await page.screenshot({ path: join(results, 'auth-needs-key.png'), fullPage: true });

    await page.locator('#access-key input').fill(key);
    await page.locator('#access-key button').click();
    await page.locator('[data-testid=connection-state][data-state=connected]').waitFor({ timeout: 20000 });
    // The REST call carries the key too: an upload is analysed.
    await page.getByTestId('upload-file').setInputFiles(wavPath);
    await page.getByTestId('upload-go').click();
    await page.getByTestId('dominant').waitFor({ timeout: 30000 });

    // The console, with the stored key, finds that upload in the log.
    // The log writes in batches, so the upload's row may land a moment after its result: search again until it is there.
    const searchUntil = Date.now() + 30000;
    for (;;) {
      await page.goto(new URL('/calls.html?view=search', hub.url).href);
      await page.locator('[data-testid=connection-state][data-state=connected]').waitFor({ timeout: 20000 });
      try {
        await page.locator('[data-testid=search-row]').first().waitFor({ timeout: 3000 });
        break;
      } catch (e) {
        if (Date.now() > searchUntil) throw e;
      }
    }
    assert.match(await page.getByTestId('search-results').locator('tbody').textContent(), /upload/);
    // The key holds the supervisor role, not admin: it reads the rules but may not change them, and is told why.
    await page.goto(new URL('/calls.html?view=rules', hub.url).href);
    await page.locator('[data-testid=rule-row][data-rule=angry-sustained]').waitFor({ timeout: 20000 });
    const form = page.getByTestId('rule-form');
    await form.locator('[name=name]').fill('not-allowed');
    await form.locator('[name=threshold]').fill('0.5');
    await form.locator('[name=sustainedSeconds]').fill('2');
    await page.getByTestId('rule-save').click();
    await page.getByTestId('rule-error').filter({ hasText: 'admin role' }).waitFor({ timeout: 10000 });
    assert.equal(await page.locator('[data-testid=rule-row][data-rule=not-allowed]').count(), 0);

    // Another caller with only the client role uploads a file of its own: the supervisor's search lists both calls,
    // the client's only its own, and the rules tell it which role it lacks.
    const form2 = new FormData();
    form2.append('file', new Blob([readFileSync(wavPath)], { type: 'audio/wav' }), 'other.wav');
    const uploaded = await fetch(new URL('/api/analyze', hub.url), { method: 'POST', body: form2, headers: { Authorization: `Bearer ${clientKey}` } });
    assert.equal(uploaded.status, 200, await uploaded.text());
    // (the log writes in batches: wait until it holds the upload before the page asks)
    for (let i = 0; i < 50; i++) {
      const calls = await (await fetch(new URL('/api/calls?source=upload', hub.url), { headers: { Authorization: `Bearer ${key}` } })).json();
      if (calls.total === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.goto(new URL('/calls.html?view=search&source=upload', hub.url).href);
    await page.getByTestId('search-total').filter({ hasText: '2 calls match' }).waitFor({ timeout: 15000 });
    const client = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    await client.goto(new URL('/calls.html?view=search', hub.url).href);
    await client.locator('#access-key input').fill(clientKey);
    await client.locator('#access-key button').click();
    await client.getByTestId('search-total').filter({ hasText: '1 call match' }).waitFor({ timeout: 15000 });
    const own = await client.getByTestId('search-row').getAttribute('data-call');
    await client.goto(new URL(`/calls.html?view=call&id=${encodeURIComponent(own)}`, hub.url).href);
    await client.locator('[data-testid=track] canvas').waitFor({ timeout: 15000 });
    await client.goto(new URL('/calls.html?view=rules', hub.url).href);
    await client.locator('[data-testid=rules] tbody').filter({ hasText: 'supervisor role' }).waitFor({ timeout: 15000 });
  } finally {
    await browser.close();
    await stopHub(hub.process, log);
  }
});

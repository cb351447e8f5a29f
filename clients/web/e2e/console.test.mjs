// End-to-end for the supervisor's console (calls.html): the real StreamHub with its Twilio and AudioSocket bridges, two
// phone calls placed from here while the console is open in Debian's headless Chromium, then every view checked in the
// DOM — live cards with both lanes, the call page's two ribbons, search narrowing, trends, and an alert rule edited on
// the page firing on the next call. Screenshots at 1280 and 390 px in clients/web/test-results/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPrerequisites, freePort, launch, results, startHub, stopHub } from './hub.mjs';
import { audioSocketCall, speech, twilioCall } from './phone.mjs';

const EMOTION = /neutral|happy|sad|angry|fearful|disgust|surprised|no speech/;
const SECONDS = 14;
let hub;
let log;
let audioSocketPort;
let browser;
let page;
const twilioSid = `CAe2e${Date.now().toString(16)}`;
const socketUuid = randomUUID();
let voices;

before(async () => {
  checkPrerequisites();
  mkdirSync(results, { recursive: true });
  log = join(results, `calllog-console-${process.pid}.db`);
  audioSocketPort = await freePort();
  hub = await startHub(log, ['--PhoneBridge:AudioSocketPort', String(audioSocketPort)]);
  const scratch = join(results, `voice-${process.pid}.wav`);
  voices = {
    caller: speech('I have been waiting for an hour and nobody called me back. This is not acceptable. I want this fixed today.', SECONDS, 'en+m3', scratch),
    agent: speech('I am sorry about the wait. Let me look at your account right now and see what happened with the callback.', SECONDS, 'en+f3', scratch),
    socket: speech('Hello, I am calling about my last invoice. The amount looks higher than usual and I would like to understand why.', SECONDS, 'en+m1', scratch),
  };
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') console.log('page error:', m.text()); });
  page.on('pageerror', (e) => console.log('page exception:', e.message));
});

after(async () => {
  await browser?.close();
  await stopHub(hub?.process, log);
});

/** Screenshots of the whole page at 1280 and at 390 px, and no sideways scrolling at 390 px. */
async function screenshots(name) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(results, `${name}-1280.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(250);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: join(results, `${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.ok(overflow <= 390, `${name}: the page is ${overflow} px wide at a 390 px viewport`);
}

const url = (search) => `${hub.url}/calls.html${search}`;
const ribbonPoints = (locator) => locator.locator('.ribbon-plot').getAttribute('aria-valuemax').then(Number);

test('live: a Twilio call shows caller and agent lanes, an AudioSocket call its caller lane, while they run', async () => {
  await page.goto(url('?view=live'));
  await page.locator('[data-testid=connection-state][data-state=connected]').waitFor({ timeout: 20000 });
  const calls = Promise.all([
    twilioCall(hub.url, twilioSid, { agent: 'ana', queue: 'billing' }, voices.caller, voices.agent),
    audioSocketCall(audioSocketPort, socketUuid, voices.socket),
  ]);
  try {
    const twilio = page.locator(`[data-testid=live-card][data-call="${twilioSid}"]`);
    const socket = page.locator(`[data-testid=live-card][data-call="${socketUuid}"]`);
    await twilio.waitFor({ timeout: 15000 });
    await socket.waitFor({ timeout: 15000 });
    // Both lanes name an emotion (or no speech) with a confidence, and their ribbons fill as updates arrive.
    for (const role of ['caller', 'agent']) {
      await twilio.locator(`[data-testid=lane][data-role=${role}] [data-testid=lane-emotion]`).filter({ hasText: EMOTION }).waitFor({ timeout: 15000 });
    }
    await socket.locator('[data-testid=lane][data-role=caller] [data-testid=lane-emotion]').filter({ hasText: EMOTION }).waitFor({ timeout: 15000 });
    await page.waitForFunction((sid) => [...document.querySelectorAll(`[data-call="${sid}"] .ribbon-plot`)].every((p) => Number(p.getAttribute('aria-valuemax')) >= 6), twilioSid, { timeout: 15000 });
    assert.deepEqual(await twilio.locator('[data-testid=lane]').evaluateAll((ls) => ls.map((l) => l.dataset.role)), ['caller', 'agent']);
    assert.equal(await socket.locator('[data-testid=lane]').count(), 1);
    assert.match(await twilio.textContent(), /agent ana · queue billing/);
    assert.match(await twilio.getByTestId('alert-badge').textContent(), /no alerts|⚠ \d+ alerts?/);
    assert.equal(await page.locator('.legend li').count(), 8, 'the legend names seven emotions and no speech');
    await screenshots('console-live');
  } finally {
    await calls;
  }
  // Ended calls leave the live view without a reload.
  await page.getByTestId('live-empty').waitFor({ state: 'visible', timeout: 15000 });
  assert.equal(await page.locator('[data-testid=live-card]').count(), 0);
});

test('a call: two ribbons with hover and keyboard readouts, smoothing, the summary and a CSV export', async () => {
  await page.goto(url(`?view=call&id=${twilioSid}`));
  await page.getByTestId('call-info').filter({ hasText: 'ended' }).waitFor({ timeout: 15000 });
  const tracks = page.locator('[data-testid=track]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=track] canvas').length === 2);
  assert.deepEqual(await tracks.evaluateAll((ts) => ts.map((t) => t.dataset.role)), ['caller', 'agent']);
  for (const i of [0, 1]) assert.ok(await ribbonPoints(tracks.nth(i)) >= 2 * (SECONDS - 2), `track ${i} holds its updates`);
  assert.match(await page.getByTestId('call-info').textContent(), /twilio · ended .* agent ana · queue billing · label agent=ana;queue=billing · dominant (neutral|happy|sad|angry|fearful|disgust|surprised|no speech) · negative \d+ % · \d+ alert/);
  const summary = await page.getByTestId('call-summary').locator('tbody th').allTextContents();
  assert.deepEqual(summary, ['caller', 'agent', 'whole call']);

  // Hover: the tooltip gives every emotion's exact value (or says no speech) at that moment.
  const plot = tracks.nth(0).locator('.ribbon-plot');
  const box = await plot.boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  const tip = tracks.nth(0).getByTestId('ribbon-tip');
  await tip.waitFor({ state: 'visible' });
  assert.match(await tip.textContent(), /\d+\.\d s(neutral [\d.]+ %|no speech)|\d+\.\d s.*neutral [\d.]+ %/);

  // Keyboard: the ribbon is a slider; Home, then → moves the readout half a second on.
  await plot.focus();
  await page.keyboard.press('Home');
  const readout = tracks.nth(0).getByTestId('ribbon-readout');
  assert.match(await readout.textContent(), /^0\.5 s: /);
  await page.keyboard.press('ArrowRight');
  assert.match(await readout.textContent(), /^1\.0 s: /);
  await page.keyboard.press('End');
  assert.match(await readout.textContent(), new RegExp(`^${(await ribbonPoints(tracks.nth(0))) / 2 + 0.5}\\.?\\d* s: `));
  await page.getByTestId('smoothing').selectOption('9');
  await readout.filter({ hasText: 'average of up to 9 updates' }).waitFor({ timeout: 5000 });

  const [download] = await Promise.all([page.waitForEvent('download'), tracks.nth(1).getByTestId('export-csv').click()]);
  assert.equal(download.suggestedFilename(), `${twilioSid}-agent.csv`);
  const csv = readFileSync(await download.path(), 'utf8').split('\n');
  assert.match(csv[0], /^seq,audio_time_s,speech,/);
  assert.ok(csv.filter((l) => l.trim()).length >= 2 * (SECONDS - 2), 'the export holds the track\'s updates');
  await screenshots('console-call');
});

test('search: a filter narrows the list, lives in the URL, and columns sort', async () => {
  await page.goto(url('?view=search'));
  await page.getByTestId('search-total').filter({ hasText: '2 calls match' }).waitFor({ timeout: 10000 });
  assert.equal(await page.getByTestId('search-row').count(), 2);
  await page.getByTestId('search-form').locator('[name=source]').selectOption('twilio');
  await page.getByTestId('search-form').getByRole('button', { name: 'Search' }).click();
  await page.getByTestId('search-total').filter({ hasText: '1 call match' }).waitFor({ timeout: 10000 });
  assert.deepEqual(await page.getByTestId('search-row').evaluateAll((rs) => rs.map((r) => r.dataset.call)), [twilioSid]);
  assert.match(page.url(), /[?&]source=twilio/);

  // The URL alone restores the view (a shared link), and another filter narrows differently.
  const shared = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await shared.goto(page.url());
  await shared.getByTestId('search-total').filter({ hasText: '1 call match' }).waitFor({ timeout: 10000 });
  assert.equal(await shared.getByTestId('search-form').locator('[name=source]').inputValue(), 'twilio');
  await shared.goto(url('?view=search&source=audiosocket'));
  await shared.getByTestId('search-total').filter({ hasText: '1 call match' }).waitFor({ timeout: 10000 });
  assert.deepEqual(await shared.getByTestId('search-row').evaluateAll((rs) => rs.map((r) => r.dataset.call)), [socketUuid]);
  await shared.goto(url('?view=search&queue=nobody'));
  await shared.getByTestId('search-total').filter({ hasText: 'No calls match' }).waitFor({ timeout: 10000 });
  await shared.close();

  await page.getByTestId('search-clear').click();
  await page.getByTestId('search-total').filter({ hasText: '2 calls match' }).waitFor({ timeout: 10000 });
  await page.getByRole('button', { name: /^negative/ }).click();
  await page.waitForURL(/sort=-negativeShare/);
  await page.locator('th[aria-sort=descending]').filter({ hasText: 'negative' }).waitFor();
  const shares = await page.locator('[data-testid=search-row] td.col-negative').allTextContents();
  const values = shares.map((s) => Number(s.replace(/[^\d]/g, '')));
  assert.deepEqual(values, [...values].sort((a, b) => b - a), `negative share descending: ${shares}`);
  await screenshots('console-search');
});

test('trends: the two calls by queue, per hour', async () => {
  await page.goto(url('?view=trends&groupBy=queue&bucket=hour'));
  await page.getByTestId('trends-calls').filter({ hasText: /^2$/ }).waitFor({ timeout: 10000 });
  const billing = page.locator('[data-testid=trend-group][data-group=billing]');
  assert.match(await billing.getByTestId('trend-summary').textContent(), /^1 call · negative \d+ % · \d+ alerts?$/);
  assert.match(await page.locator('[data-testid=trend-group][data-group=""] h3').textContent(), /^no queue 1 call/);
  // 24 hourly bars per row, the current hour holding the call.
  const bars = billing.locator('[data-kind=calls] .bar');
  assert.equal(await bars.count(), 24);
  assert.equal(await billing.locator('[data-kind=calls] .bar:not(.zero)').count(), 1);
  await page.getByTestId('trends-form').locator('[name=groupBy]').selectOption('agent');
  await page.locator('[data-testid=trend-group][data-group=ana]').waitFor({ timeout: 10000 });
  assert.match(page.url(), /groupBy=agent/);
  await screenshots('console-trends');
});

test('alert rules: a bad value is refused naming the field; a rule set on the page fires on the next call', async () => {
  await page.goto(url('?view=rules'));
  await page.locator('[data-testid=rule-row][data-rule=angry-sustained]').waitFor({ timeout: 10000 });
  const form = page.getByTestId('rule-form');
  await form.locator('[name=name]').fill('e2e-neutral');
  await form.locator('[name=emotion]').selectOption('neutral');
  await form.locator('[name=threshold]').fill('1.5');
  await form.locator('[name=sustainedSeconds]').fill('1');
  await form.locator('[name=scopeQueue]').fill('rules-e2e');
  await page.getByTestId('rule-save').click();
  await page.getByTestId('rule-error').filter({ hasText: /^threshold must be between 0 and 1/ }).waitFor({ timeout: 10000 });
  assert.equal(await form.locator('[name=threshold]').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('[data-testid=rule-row][data-rule=e2e-neutral]').count(), 0);

  await form.locator('[name=threshold]').fill('0.1');
  await page.getByTestId('rule-save').click();
  const row = page.locator('[data-testid=rule-row][data-rule=e2e-neutral]');
  await row.waitFor({ timeout: 10000 });
  assert.match(await row.textContent(), /neutral\s*≥ 0\.1\s*1 s\s*queue rules-e2e/);
  assert.equal(await page.getByTestId('rule-error').isHidden(), true);
  await screenshots('console-rules');

  // The next call in that queue raises it (no restart); an AudioSocket call at the same time, outside the scope, does not.
  await page.goto(url('?view=live'));
  await page.locator('[data-testid=connection-state][data-state=connected]').waitFor({ timeout: 20000 });
  const nextSid = `${twilioSid}b`;
  const otherUuid = randomUUID();
  const calls = Promise.all([
    twilioCall(hub.url, nextSid, { agent: 'ben', queue: 'rules-e2e' }, voices.caller, voices.agent),
    audioSocketCall(audioSocketPort, otherUuid, voices.socket),
  ]);
  try {
    const card = page.locator(`[data-testid=live-card][data-call="${nextSid}"]`);
    await card.locator('[data-testid=alert-badge]:not([data-alerts="0"])').waitFor({ timeout: 20000 });
    await page.getByTestId('alerts').locator('li').filter({ hasText: 'e2e-neutral' }).first().waitFor({ timeout: 5000 });
    await card.locator('[data-testid=ribbon-alert]').first().waitFor({ timeout: 5000 });
    // Worst first: no card without alerts comes before one with alerts.
    const order = await page.locator('[data-testid=live-card]').evaluateAll((cs) => cs.map((c) => Number(c.dataset.alerts)));
    assert.ok(order.every((n, i) => i === 0 || n === 0 || order[i - 1] > 0), `alert counts in card order: ${order}`);
    await screenshots('console-live-alert');
  } finally {
    await calls;
  }
  await page.goto(url(`?view=call&id=${nextSid}`));
  await page.getByTestId('call-info').filter({ hasText: 'ended' }).waitFor({ timeout: 15000 });
  await page.getByTestId('call-alert').filter({ hasText: 'e2e-neutral' }).first().waitFor({ timeout: 10000 });
  assert.ok(await page.locator('[data-testid=track] [data-testid=ribbon-alert]').count() >= 1, 'the ribbon marks the alert');
  await page.goto(url(`?view=call&id=${otherUuid}`));
  await page.getByTestId('call-info').filter({ hasText: 'ended' }).waitFor({ timeout: 15000 });
  await page.locator('[data-testid=track]').first().waitFor({ timeout: 15000 }); // tracks and alerts render after the line
  assert.equal(await page.getByTestId('call-alert').filter({ hasText: 'e2e-neutral' }).count(), 0, 'a call outside the rule\'s queue raises nothing');
});

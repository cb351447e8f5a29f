import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmotionHubClient, LABELS, expandCompactUpdate } from '../src/index';

// The real StreamHub (Release build, bundled model) on loopback: a compact stream's updates reach `events.update` as the
// same EmotionUpdates a default stream of the same audio gets. (MessagePack only: audio chunks are binary, which this
// client streams over MessagePack, its default.)
const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const dll = join(repo, 'src', 'StreamHub', 'bin', 'Release', 'net10.0', 'VoiceEmotion.StreamHub.dll');
let hub;
let url;
let dir;

beforeAll(async () => {
  if (!existsSync(dll)) throw new Error(`build the StreamHub first (dotnet build -c Release): ${dll} is missing`);
  dir = mkdtempSync(join(tmpdir(), 've-js-'));
  hub = spawn('dotnet', [dll, '--urls', 'http://127.0.0.1:0', '--CallLog:SqlitePath', join(dir, 'log.db'), '--PhoneBridge:AudioSocketPort', '-1'],
    { cwd: join(repo, 'src', 'StreamHub'), stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise((ok, fail) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`StreamHub did not start:\n${output}`)), 60000);
    const onData = (chunk) => {
      output += chunk.toString();
      const m = output.match(/Now listening on: (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    };
    hub.stdout.on('data', onData);
    hub.stderr.on('data', onData);
  });
}, 90000);

afterAll(async () => {
  if (hub && hub.exitCode === null) {
    const exited = new Promise((r) => hub.once('exit', r));
    hub.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** 3 s of a voiced, gliding harmonic tone as pcm16le 16 kHz, in 100 ms chunks. */
function voice() {
  const rate = 16000, n = 3 * rate, bytes = new Uint8Array(n * 2), view = new DataView(bytes.buffer);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const f0 = 140 + 30 * Math.sin((2 * Math.PI * i) / rate);
    phase += (2 * Math.PI * f0) / rate;
    let s = 0;
    for (let h = 1; h <= 8; h++) s += Math.sin(h * phase) / h;
    view.setInt16(i * 2, Math.round(s * 6000 * (0.6 + 0.4 * Math.sin((2 * Math.PI * 3 * i) / rate))), true);
  }
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 3200) chunks.push(bytes.subarray(i, i + 3200));
  return chunks;
}

async function run(protocol, compact) {
  const updates = [];
  const raw = [];
  const client = new EmotionHubClient({ update: (u) => updates.push(u), summary() {}, error() {}, state() {} },
    { url: `${url}/hubs/emotion`, protocol, reconnectDelays: false });
  await client.connect();
  client.hubConnection.on('EmotionUpdateCompact', (c) => raw.push(c));
  const stream = await client.startStream('js-test', null, { compact });
  for (const chunk of voice()) stream.send(chunk);
  await stream.end();
  await client.hubConnection.stop();
  return { updates, raw };
}

describe('compact updates against the real hub', () => {
  for (const protocol of ['messagepack']) {
    it(`${protocol}: expanded arrays equal the default maps`, async () => {
      const plain = await run(protocol, false);
      const compact = await run(protocol, true);
      expect(plain.raw).toHaveLength(0);
      expect(plain.updates).toHaveLength(6);
      expect(compact.raw).toHaveLength(6);
      expect(compact.raw[0]).toHaveLength(13);
      expect(typeof compact.raw[0][0]).toBe('string');
      expect(compact.raw[0][6]).toHaveLength(7);
      expect(compact.updates).toHaveLength(6);
      expect(plain.updates.some((u) => u.speech)).toBe(true);
      compact.updates.forEach((u, i) => {
        const p = plain.updates[i];
        expect({ ...u, sessionId: '' }).toEqual({ ...p, sessionId: '' });
        expect(u.sessionId).toBe(compact.raw[i][0]);
      });
    }, 60000);
  }

  it('expands by the session labels, top −1 as null', () => {
    const u = expandCompactUpdate(['s', 2, 1.5, 3, false, 0.1, [0, 0, 0, 0, 0, 0, 0], -1, 0, 0, 0, -40, 0], LABELS);
    expect(u.top).toBeNull();
    expect(Object.keys(u.probabilities)).toEqual([...LABELS]);
    expect(u.loudnessDb).toBe(-40);
  });
});

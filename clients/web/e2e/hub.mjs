// The real StreamHub (built, with the bundled model) on a free loopback port with its own emotion log, and Debian's
// headless Chromium through playwright-core: shared by the e2e test files.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..', '..');
/** Screenshots, logs and test audio (gitignored: clients/web/test-results/). */
export const results = join(here, '..', 'test-results');
const browserPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dll = join(repo, 'src', 'StreamHub', 'bin', 'Release', 'net10.0', 'VoiceEmotion.StreamHub.dll');

export function checkPrerequisites() {
  assert.ok(existsSync(browserPath), `Chromium not found at ${browserPath}: install Debian's chromium (scripts/test.sh does)`);
  assert.ok(existsSync(dll), `build the StreamHub first (dotnet build -c Release): ${dll} is missing`);
  assert.ok(existsSync(join(repo, 'src', 'StreamHub', 'wwwroot', 'index.html')), 'build the web client first (npm run build)');
}

/** A loopback TCP port that was free a moment ago. */
export async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** The StreamHub with its own log file (and any extra settings, which override the defaults here); resolves once it
 * listens. Without an AudioSocket port in <extra> the listener is off (a running hub may hold the default port). */
export async function startHub(log, extra = []) {
  const child = spawn('dotnet', [dll, '--urls', 'http://127.0.0.1:0', '--CallLog:SqlitePath', log, '--PhoneBridge:AudioSocketPort', '-1', ...extra],
    { cwd: join(repo, 'src', 'StreamHub'), stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('StreamHub did not start within 60 s')), 60000);
    let output = '';
    const onData = (chunk) => {
      output += chunk.toString();
      const match = output.match(/Now listening on: (http:\/\/[^\s]+)/);
      if (match) { clearTimeout(timer); resolvePromise(match[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`StreamHub exited with ${code}:\n${output}`)));
  });
  return { process: child, url };
}

export async function stopHub(child, log) {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${log}${suffix}`, { force: true });
}

export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required', ...extraArgs],
  });
}

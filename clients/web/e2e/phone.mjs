// Places real phone calls on a running StreamHub, as the bridges document them (docs/PROTOCOL.md): a Twilio Media
// Stream (WebSocket, JSON messages with base64 mu-law, inbound = caller and outbound = agent) and an Asterisk
// AudioSocket call (TCP frames: kind, 16-bit big-endian length, payload). Audio is paced at real time, 20 ms frames,
// so the call is live on the console while it plays. The audio is made here: espeak-ng speech, else a synthetic voice.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

const RATE = 8000;
const FRAME = 160; // 20 ms at 8 kHz

/** 16-bit mono samples of a PCM WAV file and its sample rate. */
function readWav(path) {
  const b = readFileSync(path);
  let rate = 16000;
  for (let at = 12; at + 8 <= b.length;) {
    const id = b.toString('ascii', at, at + 4), size = b.readUInt32LE(at + 4);
    if (id === 'fmt ') rate = b.readUInt32LE(at + 12);
    if (id === 'data') return { rate, samples: new Int16Array(b.buffer.slice(b.byteOffset + at + 8, b.byteOffset + at + 8 + (Math.min(size, b.length - at - 8) & ~1))) };
    at += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

/** Linear-interpolation resampling to 8 kHz (enough for a test's phone audio). */
function to8k({ rate, samples }) {
  const n = Math.floor((samples.length * RATE) / rate);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const x = (i * rate) / RATE, k = Math.floor(x), f = x - k;
    out[i] = Math.round(samples[k] * (1 - f) + (samples[Math.min(k + 1, samples.length - 1)] ?? 0) * f);
  }
  return out;
}

function syntheticVoice(seconds, f0Base) {
  const out = new Int16Array(Math.round(seconds * RATE));
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / RATE;
    const syllable = Math.max(0, Math.sin(Math.PI * ((t * 3) % 1))) * (t % 4 < 3.2 ? 1 : 0); // pauses too
    phase += (2 * Math.PI * (f0Base + 30 * Math.sin(2 * Math.PI * 0.4 * t))) / RATE;
    let v = 0;
    for (let h = 1; h <= 10; h++) v += Math.sin(h * phase) / h;
    out[i] = Math.round(v * syllable * 7000);
  }
  return out;
}

/** <seconds> of 8 kHz speech: espeak-ng saying <text> (repeated to fill), else a synthetic voice. */
export function speech(text, seconds, voice, scratch) {
  const made = spawnSync('espeak-ng', ['-v', voice, '-s', '150', '-w', scratch, text]);
  let one;
  if (made.status === 0 && existsSync(scratch)) { one = to8k(readWav(scratch)); rmSync(scratch, { force: true }); }
  else one = syntheticVoice(4, voice.includes('f') ? 210 : 120);
  const out = new Int16Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) out[i] = one[i % one.length];
  return out;
}

/** G.711 mu-law of one 16-bit sample. */
export function mulaw(sample) {
  let sign = 0;
  if (sample < 0) { sign = 0x80; sample = -sample; }
  sample = Math.min(sample, 32635) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (sample & mask) === 0 && exponent > 0; exponent--, mask >>= 1);
  const mantissa = (sample >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** A Twilio call with a caller and an agent track; resolves when the hub has closed the stream (1000) after `stop`. */
export async function twilioCall(baseUrl, callSid, customParameters, caller, agent) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/phone/twilio`);
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const send = (m) => ws.send(JSON.stringify(m));
  const streamSid = `MZ${callSid}`;
  send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  send({ event: 'start', sequenceNumber: '1', streamSid, start: { accountSid: 'ACe2e', streamSid, callSid, tracks: ['inbound', 'outbound'], customParameters,
    mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } });
  const began = Date.now();
  const frames = Math.floor(Math.min(caller.length, agent.length) / FRAME);
  let seq = 2;
  for (let f = 0; f < frames; f++) {
    for (const [track, audio] of [['inbound', caller], ['outbound', agent]]) {
      const payload = Buffer.alloc(FRAME);
      for (let i = 0; i < FRAME; i++) payload[i] = mulaw(audio[f * FRAME + i]);
      send({ event: 'media', sequenceNumber: String(seq++), streamSid, media: { track, chunk: String(f), timestamp: String(f * 20), payload: payload.toString('base64') } });
    }
    const ahead = began + (f + 1) * 20 - Date.now();
    if (ahead > 40) await sleep(ahead);
  }
  send({ event: 'stop', sequenceNumber: String(seq), streamSid, stop: { accountSid: 'ACe2e', callSid } });
  const { code, reason } = await closed;
  if (code !== 1000) throw new Error(`the Twilio stream closed with ${code}: ${reason}`);
}

function frame(kind, payload) {
  const head = Buffer.alloc(3);
  head[0] = kind;
  head.writeUInt16BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** An AudioSocket call: the UUID, the audio as 8 kHz signed linear (little-endian) in 20 ms frames, a hangup;
 * resolves when the hub closes the connection after finishing the call's session. */
export async function audioSocketCall(port, uuid, audio) {
  const socket = connect(port, '127.0.0.1');
  const closed = new Promise((resolve, reject) => { socket.on('close', resolve); socket.on('error', reject); });
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  let answer = Buffer.alloc(0);
  socket.on('data', (d) => (answer = Buffer.concat([answer, d])));
  socket.write(frame(0x01, Buffer.from(uuid.replace(/-/g, ''), 'hex')));
  const began = Date.now();
  const frames = Math.floor(audio.length / FRAME);
  for (let f = 0; f < frames; f++) {
    const pcm = Buffer.alloc(FRAME * 2);
    for (let i = 0; i < FRAME; i++) pcm.writeInt16LE(audio[f * FRAME + i], i * 2);
    socket.write(frame(0x10, pcm));
    const ahead = began + (f + 1) * 20 - Date.now();
    if (ahead > 40) await sleep(ahead);
  }
  socket.write(frame(0x00, Buffer.alloc(0)));
  await closed;
  if (answer.length > 0 && answer[0] === 0xff) throw new Error(`the AudioSocket listener answered an error frame: ${answer.toString('hex')}`);
}

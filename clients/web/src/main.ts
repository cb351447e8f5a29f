import { Capture, EmotionHubClient, type AudioStream, type ConnectionState } from '@voiceemotion/client';
import { COLOURS, LABELS, type EmotionUpdate, type Label, type SessionSummary } from './emotions';
import { Ribbon, smoothingControl } from './ui/ribbon';
import { accessKey, bindAccessKeyField, connectionProblem } from './auth';
import { analyseFile, progressFraction, progressText, type UploadProgress } from './upload';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const message = $('message');

function show(text: string | null) {
  message.hidden = !text;
  message.textContent = text ?? '';
}

// The same ribbon as the console's call page: the last 60 s live, the whole file after an upload.
const live = new Ribbon($('live-chart'), { title: 'Last 60 s', windowSeconds: 60 });
const timeline = new Ribbon($('upload-chart'), { title: 'Whole file' });
smoothingControl($('live-smoothing'), (n) => live.setSmoothing(n));
smoothingControl($('upload-smoothing'), (n) => timeline.setSmoothing(n));
let updates = 0;
let stream: AudioStream | null = null;
let capture: Capture | null = null;

const hub = new EmotionHubClient({
  update: (u) => { if (u.sessionId === stream?.sessionId) render(u); },
  summary: () => undefined,
  error: (e) => show(`The server ended the stream: ${e.message} (${e.code})`),
  state: (s: ConnectionState, detail?: string) => {
    const el = $('connection-state');
    el.dataset.state = s;
    el.textContent = s === 'connected' ? 'connected' : s === 'reconnecting' ? 'reconnecting…' : s === 'connecting' ? 'connecting…' : 'disconnected';
    if (s === 'reconnecting' && capture) { void stopLive(); show('Connection lost: reconnecting. Start again once connected.'); }
    if (s === 'disconnected' && detail) show(detail);
    if (s === 'connected' && detail) show(detail);
  },
}, { accessToken: accessKey, describeError: connectionProblem });

function render(u: EmotionUpdate) {
  updates++;
  $('update-count').textContent = String(updates);
  $('audio-time').textContent = u.audioTime.toFixed(1);
  const speech = $('speech');
  speech.dataset.speech = String(u.speech);
  speech.textContent = u.speech ? `speech (${Math.round(u.voicedFraction * 100)} % voiced)` : 'no speech';
  const label = u.top as Label | null;
  $('current-emotion').textContent = label ?? 'no speech';
  $('current-confidence').textContent = label ? `${Math.round(u.confidence * 100)} %` : '';
  $('current-swatch').style.background = label ? COLOURS[label] : '#ccc';
  for (const [id, value] of [['arousal', u.arousal], ['valence', u.valence]] as const) {
    ($(id) as HTMLMeterElement).value = value;
    $(`${id}-value`).textContent = value.toFixed(2);
  }
  live.add(u);
}

async function startLive(open: (onChunk: (c: Uint8Array) => void) => Promise<Capture>, source: string) {
  show(null);
  try {
    // Open the audio first (a denied microphone must not leave an empty session behind); chunks captured while the
    // session is being set up wait and are sent first, so nothing is lost.
    const waiting: Uint8Array[] = [];
    let target: AudioStream | null = null;
    capture = await open((chunk) => (target ? target.send(chunk) : waiting.push(chunk)));
    stream = await hub.startStream(source);
    updates = 0;
    live.clear();
    waiting.forEach((chunk) => stream!.send(chunk));
    target = stream;
    $<HTMLButtonElement>('mic-start').disabled = true;
    $<HTMLButtonElement>('mic-stop').disabled = false;
  } catch (e) {
    if (capture) await capture.stop().catch(() => undefined);
    capture = null;
    if (stream) await stream.end().catch(() => undefined);
    stream = null;
    show((e as Error).message);
  }
}

async function stopLive() {
  const c = capture, s = stream;
  capture = null;
  if (c) await c.stop().catch(() => undefined);
  if (s) await s.end().catch((e: Error) => show(e.message));
  $<HTMLButtonElement>('mic-start').disabled = false;
  $<HTMLButtonElement>('mic-stop').disabled = true;
}

$('mic-start').addEventListener('click', () => void startLive((onChunk) => Capture.microphone(onChunk), 'mic'));
$('mic-stop').addEventListener('click', () => void stopLive());
$<HTMLInputElement>('replay-file').addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void startLive((onChunk) => Capture.file(file, onChunk, () => void stopLive()), 'replay');
});

const uploadInput = $<HTMLInputElement>('upload-file');
const uploadButton = $<HTMLButtonElement>('upload-go');
uploadInput.addEventListener('change', () => { uploadButton.disabled = !uploadInput.files?.length; });
const uploadProgress = $<HTMLProgressElement>('upload-progress');
const uploadStatus = $('upload-status');

function showUploadProgress(p: UploadProgress | null, text?: string) {
  uploadProgress.hidden = p === null && !text;
  const fraction = p ? progressFraction(p) : 1;
  if (fraction === null) uploadProgress.removeAttribute('value');
  else uploadProgress.value = fraction;
  uploadProgress.dataset.phase = p?.phase ?? 'done';
  uploadStatus.textContent = text ?? (p ? progressText(p) : '');
}

uploadButton.addEventListener('click', async () => {
  const file = uploadInput.files?.[0];
  if (!file) return;
  show(null);
  uploadButton.disabled = true;
  $('summary').textContent = '';
  showUploadProgress({ phase: 'sending', sent: 0, total: file.size });
  try {
    const body = await analyseFile(file, (p) => showUploadProgress(p));
    timeline.setData(body.updates);
    showUploadProgress(null, `Analysed ${body.summary.durationSeconds.toFixed(1)} s of audio.`);
    renderSummary(body.summary, file.name);
  } catch (e) {
    showUploadProgress(null, '');
    uploadProgress.hidden = true;
    show(`Could not analyse “${file.name}”: ${(e as Error).message}`);
  } finally {
    uploadButton.disabled = false;
  }
});

function renderSummary(s: SessionSummary, name: string) {
  const rows = LABELS.map((l) => {
    const share = s.share[l] ?? 0;
    return `<tr><th scope="row"><span class="bar" style="background:${COLOURS[l]};width:${Math.max(2, share * 120)}px"></span>${l}</th><td>${Math.round(share * 100)} %</td><td>${(s.meanProbabilities[l] ?? 0).toFixed(2)}</td></tr>`;
  }).join('');
  $('summary').innerHTML = `<p><strong data-testid="dominant">${s.dominant ?? 'no speech'}</strong> dominates “${escapeHtml(name)}”: ${s.durationSeconds.toFixed(1)} s, ${s.speechSeconds.toFixed(1)} s of speech, ${s.updates} updates.</p>
    <table><caption class="small">Share of speech time per emotion</caption><thead><tr><th>emotion</th><th>share</th><th>mean probability</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function escapeHtml(text: string) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

void hub.connect().catch(() => undefined);

bindAccessKeyField(document.getElementById('access-key') as HTMLFormElement | null);

import { EmotionHubClient } from '@voiceemotion/client';
import { COLOURS, LABELS, type EmotionUpdate, type Label, type SessionSummary } from './emotions';
import { probabilityChart } from './ui/charts';
import { accessKey, authFetch, bindAccessKeyField, connectionProblem } from './auth';

// The supervisor's page: live sessions from every door with their current emotion, the alert stream, recent sessions
// from the emotion log, and one session's timeline (live while it runs, from the log once it has ended).

interface LiveSession { sessionId: string; source: string | null; label: string | null; callId: string | null; track: string | null; startedAt: string; audioSeconds: number }
interface Alert { alertId: string; sessionId: string; rule: string; label: string; startTime: number; sustainedSeconds: number; meanProbability: number; callId: string | null; source: string | null; raisedAt: string }
interface SessionRecord { sessionId: string; source: string; label: string | null; callId: string | null; track: string | null; startedAt: string; endedAt: string | null; summary: SessionSummary | null }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const current = new Map<string, EmotionUpdate>();
const watched = new Set<string>();
let selected: string | null = null;
let selectedSeries: EmotionUpdate[] = [];
const chart = probabilityChart($('detail-chart'), 'Timeline');

// The package's hub client owns the connection (protocol, token, reconnect); this page listens on it directly.
const hub = new EmotionHubClient(
  { update: () => undefined, summary: () => undefined, error: () => undefined, state: () => undefined },
  { accessToken: accessKey, reconnectDelays: [0, 2000, 10000, 30000], describeError: connectionProblem },
);
const connection = hub.hubConnection;

function setState(state: string) {
  const el = $('connection-state');
  el.dataset.state = state;
  el.textContent = state === 'connected' ? 'connected' : state === 'reconnecting' ? 'reconnecting…' : state;
}

connection.on('EmotionUpdate', (u: EmotionUpdate) => {
  current.set(u.sessionId, u);
  if (u.sessionId === selected) { selectedSeries.push(u); drawSelected(); }
});
// The log writes in batches (every 250 ms by default): look again a little after a session ends.
connection.on('SessionSummary', (summary: SessionSummary) => {
  setTimeout(() => {
    void refreshRecent();
    if (summary.sessionId === selected) void open(summary.sessionId, false);
  }, 700);
});
connection.on('Alert', (a: Alert) => addAlert(a, true));
connection.onreconnecting(() => setState('reconnecting'));
connection.onreconnected(async () => { setState('connected'); watched.clear(); await subscribe(); });
connection.onclose(() => setState('disconnected'));

function text(value: string | null | undefined) {
  return (value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function emotionCell(u: EmotionUpdate | undefined) {
  if (!u) return '—';
  if (!u.speech || !u.top) return 'no speech';
  const l = u.top as Label;
  return `<span class="swatch small-swatch" style="background:${COLOURS[l]}"></span>${l} ${Math.round(u.confidence * 100)} %`;
}

function addAlert(a: Alert, fresh: boolean) {
  const list = $('alerts');
  if (list.querySelector(`[data-alert="${a.alertId}"]`)) return;
  const item = document.createElement('li');
  item.dataset.alert = a.alertId;
  item.innerHTML = `<strong>${text(a.rule)}</strong>: ${text(a.label)} ${Math.round(a.meanProbability * 100)} % for ${a.sustainedSeconds.toFixed(1)} s
    — ${text(a.source)} ${text(a.callId ?? a.sessionId.slice(0, 8))} <button type="button" data-open="${a.sessionId}">open</button>`;
  if (fresh) list.prepend(item); else list.append(item);
}

async function refreshLive() {
  if (!hub.connected) return;
  const sessions = await connection.invoke<LiveSession[]>('ListSessions');
  for (const s of sessions.slice(0, 50)) {
    if (!watched.has(s.sessionId)) { watched.add(s.sessionId); await connection.invoke('Watch', s.sessionId).catch(() => watched.delete(s.sessionId)); }
  }
  const body = $('live-sessions').querySelector('tbody')!;
  body.innerHTML = sessions.map((s) => `<tr data-session="${s.sessionId}"><td>${text(s.source)}</td><td>${text(s.callId ?? s.label ?? s.sessionId.slice(0, 8))}</td>
    <td>${text(s.track)}</td><td>${s.audioSeconds.toFixed(1)} s</td><td data-testid="live-emotion">${emotionCell(current.get(s.sessionId))}</td>
    <td><button type="button" data-open="${s.sessionId}">open</button></td></tr>`).join('');
  $('live-empty').hidden = sessions.length > 0;
}

async function refreshRecent() {
  const response = await authFetch('/api/sessions?limit=20');
  if (!response.ok) return;
  const page: { total: number; items: SessionRecord[] } = await response.json();
  $('recent-sessions').querySelector('tbody')!.innerHTML = page.items.map((s) => `<tr data-session="${s.sessionId}">
    <td>${new Date(s.startedAt).toLocaleTimeString()}</td><td>${text(s.source)}</td><td>${text(s.callId ?? s.label ?? s.sessionId.slice(0, 8))}</td>
    <td>${s.summary ? s.summary.durationSeconds.toFixed(1) + ' s' : 'live'}</td><td>${text(s.summary?.dominant ?? (s.summary ? 'no speech' : '—'))}</td>
    <td>${s.summary ? Math.round((s.summary.share['angry'] ?? 0) * 100) + ' %' : ''}</td>
    <td><button type="button" data-open="${s.sessionId}">open</button></td></tr>`).join('');
}

async function open(sessionId: string, scroll = true) {
  selected = sessionId;
  $('detail').hidden = false;
  const response = await authFetch(`/api/sessions/${sessionId}`);
  const record: { session: SessionRecord; alerts: Alert[] } | null = response.ok ? await response.json() : null;
  const timeline = await authFetch(`/api/sessions/${sessionId}/timeline`);
  selectedSeries = timeline.ok ? await timeline.json() : [];
  const s = record?.session;
  $('detail-info').textContent = s
    ? `${s.source} ${s.callId ?? s.label ?? ''} ${s.track ?? ''} — ${s.summary ? `ended: ${s.summary.durationSeconds.toFixed(1)} s, dominant ${s.summary.dominant ?? 'no speech'}` : 'live'}; ${record!.alerts.length} alert(s)`
    : `session ${sessionId.slice(0, 8)} (live)`;
  drawSelected();
  if (scroll) $('detail').scrollIntoView({ behavior: 'smooth' });
}

function drawSelected() {
  const rows = [...selectedSeries].sort((a, b) => a.seq - b.seq);
  chart.setData([rows.map((u) => u.audioTime), ...LABELS.map((l) => rows.map((u) => (u.speech ? u.probabilities[l] ?? 0 : null)))] as never);
}

document.addEventListener('click', (event) => {
  const target = (event.target as HTMLElement).closest<HTMLElement>('[data-open]');
  if (target?.dataset.open) void open(target.dataset.open);
});

async function subscribe() {
  const recent = await connection.invoke<Alert[]>('SubscribeAlerts');
  recent.slice().reverse().forEach((a) => addAlert(a, false));
}

async function start() {
  try {
    setState('connecting');
    await connection.start();
    setState('connected');
    await subscribe();
  } catch (e) {
    setState('disconnected');
    const m = $('message');
    m.hidden = false;
    m.textContent = connectionProblem((e as Error).message);
  }
  await refreshRecent();
  await refreshLive();
  setInterval(() => void refreshLive(), 1000);
  setInterval(() => void refreshRecent(), 5000);
}

void start();

bindAccessKeyField(document.getElementById('access-key') as HTMLFormElement | null);

// Live view: every live call as a card, caller and agent lanes side by side, worst first; ListSessions every second
// for new and ended calls, Watch for each lane's updates and alerts as they happen.
import { EmotionHubClient, type AlertMessage, type ConnectionState, type EmotionUpdate, type LiveSessionInfo } from '@voiceemotion/client';
import { accessKey, connectionProblem } from '../auth';
import { COLOURS, escapeHtml, legendHtml, type Label } from '../emotions';
import { Ribbon } from '../ui/ribbon';
import { $, callHref, percent, seconds, showMessage, type View } from './common';
import { compareBadness, groupCalls, type LiveCall } from './live-calls';

interface Lane { element: HTMLElement; ribbon: Ribbon; info: LiveSessionInfo }
const lanes = new Map<string, Lane>();
const cards = new Map<string, HTMLElement>();
const watched = new Set<string>();
let timer = 0;
let started = false;

const hub = new EmotionHubClient({
  update: (u: EmotionUpdate) => onUpdate(u),
  summary: () => undefined,
  error: () => undefined,
  alert: (a: AlertMessage) => onAlert(a, true),
  state: (s: ConnectionState, detail?: string) => {
    const el = $('connection-state');
    el.dataset.state = s;
    el.textContent = s === 'connected' ? 'connected' : s === 'reconnecting' ? 'reconnecting…' : s === 'connecting' ? 'connecting…' : 'disconnected';
    if (s === 'disconnected' && detail) showMessage(detail);
    if (s === 'connected' && detail) { watched.clear(); void subscribe(); }
  },
}, { accessToken: accessKey, reconnectDelays: [0, 2000, 10000, 30000], describeError: connectionProblem });

function onUpdate(u: EmotionUpdate) {
  const lane = lanes.get(u.sessionId);
  if (!lane) return;
  lane.ribbon.add(u);
  lane.info = { ...lane.info, emotion: u.speech ? u.top : null, confidence: u.speech ? u.confidence : 0, speech: u.speech };
  renderLaneNow(lane);
}

function onAlert(a: AlertMessage, fresh: boolean) {
  const list = $('alerts');
  if (!list.querySelector(`[data-alert="${a.alertId}"]`)) {
    const item = document.createElement('li');
    item.dataset.alert = a.alertId;
    item.innerHTML = `<strong>${escapeHtml(a.rule)}</strong>: ${escapeHtml(a.label)} ${Math.round(a.meanProbability * 100)} % for ${a.sustainedSeconds.toFixed(1)} s
      — ${escapeHtml(a.source)} <a href="${callHref(a.callId ?? a.sessionId)}">${escapeHtml((a.callId ?? a.sessionId).slice(0, 12))}</a> <span class="small">${new Date(a.raisedAt).toLocaleTimeString()}</span>`;
    if (fresh) list.prepend(item); else list.append(item);
    $('alerts-empty').hidden = true;
  }
  const lane = lanes.get(a.sessionId);
  // The marker shows at once; the card's count follows from ListSessions within a second.
  if (fresh && lane) lane.ribbon.addAlert(a);
}

function renderLaneNow(lane: Lane) {
  const { info } = lane;
  const now = lane.element.querySelector<HTMLElement>('[data-testid=lane-emotion]')!;
  const label = info.speech && info.emotion ? (info.emotion as Label) : null;
  now.innerHTML = label
    ? `<span class="swatch small-swatch" style="background:${COLOURS[label]}" aria-hidden="true"></span>${label} <span class="small">${Math.round(info.confidence * 100)} %</span>`
    : `<span class="swatch small-swatch no-speech" aria-hidden="true"></span>${info.emotion === null && info.audioSeconds === 0 ? 'waiting' : 'no speech'}`;
  lane.element.querySelector('[data-testid=lane-negative]')!.textContent = `negative ${percent(info.negativeShare)} · ${seconds(info.audioSeconds)}`;
}

function laneFor(s: LiveSessionInfo): Lane {
  let lane = lanes.get(s.sessionId);
  if (!lane) {
    const element = document.createElement('div');
    element.className = 'lane';
    element.dataset.testid = 'lane';
    element.dataset.role = s.role;
    element.dataset.session = s.sessionId;
    element.innerHTML = `<div class="lane-head"><strong class="lane-role">${escapeHtml(s.role)}</strong><span data-testid="lane-emotion"></span><span class="small" data-testid="lane-negative"></span></div>`;
    const ribbon = new Ribbon(element, { title: `${s.role} of ${s.callId ?? s.sessionId}`, compact: true, height: 54, windowSeconds: 30 });
    lane = { element, ribbon, info: s };
    lanes.set(s.sessionId, lane);
  }
  // The hub's figures are authoritative, except the current emotion, which Watch updates sooner.
  const heard = lane.element.dataset.heard === 'true';
  lane.info = heard ? { ...s, emotion: lane.info.emotion, confidence: lane.info.confidence, speech: lane.info.speech } : s;
  renderLaneNow(lane);
  return lane;
}

function cardFor(call: LiveCall): HTMLElement {
  let card = cards.get(call.key);
  if (!card) {
    card = document.createElement('article');
    card.className = 'call-card';
    card.dataset.testid = 'live-card';
    card.dataset.call = call.key;
    card.innerHTML = `<div class="call-head"><h3></h3><span class="badge" data-testid="alert-badge"></span></div><p class="small call-meta"></p><div class="lanes"></div>
      <p class="small"><a href="${callHref(call.key)}">open the call</a></p>`;
    cards.set(call.key, card);
  }
  const alerts = call.lanes.reduce((n, s) => n + s.alerts, 0);
  const negative = Math.max(0, ...call.lanes.map((s) => s.negativeShare));
  card.querySelector('h3')!.textContent = `${call.source ?? 'hub'} · ${call.key.length > 14 ? call.key.slice(0, 14) + '…' : call.key}`;
  const badge = card.querySelector<HTMLElement>('[data-testid=alert-badge]')!;
  badge.textContent = alerts === 0 ? 'no alerts' : alerts === 1 ? '⚠ 1 alert' : `⚠ ${alerts} alerts`;
  badge.dataset.alerts = String(alerts);
  card.dataset.alerts = String(alerts);
  card.querySelector('.call-meta')!.textContent = [call.agent && `agent ${call.agent}`, call.queue && `queue ${call.queue}`, call.label && `label ${call.label}`,
    `negative ${percent(negative)}`, `since ${new Date(call.startedAt).toLocaleTimeString()}`].filter(Boolean).join(' · ');
  const holder = card.querySelector('.lanes')!;
  const wanted = call.lanes.map((s) => laneFor(s).element);
  wanted.forEach((el, i) => { if (holder.children[i] !== el) holder.insertBefore(el, holder.children[i] ?? null); });
  while (holder.children.length > wanted.length) holder.lastElementChild!.remove();
  return card;
}

async function refresh() {
  if (!hub.connected) return;
  let sessions: LiveSessionInfo[];
  try { sessions = await hub.listSessions(); } catch (e) { showMessage(connectionProblem((e as Error).message)); return; }
  for (const s of sessions.slice(0, 200)) {
    if (watched.has(s.sessionId)) continue;
    watched.add(s.sessionId);
    hub.watch(s.sessionId).then(() => { const l = lanes.get(s.sessionId); if (l) l.element.dataset.heard = 'true'; }).catch(() => watched.delete(s.sessionId));
  }
  const calls = groupCalls(sessions).sort(compareBadness);
  const holder = $('live-cards');
  const elements = calls.map(cardFor);
  elements.forEach((el, i) => { if (holder.children[i] !== el) holder.insertBefore(el, holder.children[i] ?? null); });
  const live = new Set(calls.map((c) => c.key));
  for (const [key, el] of cards) if (!live.has(key)) { el.remove(); cards.delete(key); }
  const liveSessions = new Set(sessions.map((s) => s.sessionId));
  for (const id of [...lanes.keys()]) if (!liveSessions.has(id)) { lanes.delete(id); watched.delete(id); }
  $('live-empty').hidden = calls.length > 0;
}

async function subscribe() {
  try {
    const recent = await hub.subscribeAlerts();
    recent.slice().reverse().forEach((a) => onAlert(a, false));
  } catch { /* a client without the supervisor role: its own sessions' alerts still arrive through Watch */ }
}

/** Connects the console's hub (the header shows its state on every view) and subscribes to alerts. */
export async function connectHub(): Promise<void> {
  if (started) return;
  started = true;
  $('live-legend').innerHTML = legendHtml();
  try { await hub.connect(); await subscribe(); } catch { started = false; }
}

export const liveView = {
  async show() {
    await connectHub();
    await refresh();
    clearInterval(timer);
    timer = window.setInterval(() => void refresh(), 1000);
  },
  hide() { clearInterval(timer); },
} satisfies View;

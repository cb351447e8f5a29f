// A call: one ribbon per track (caller, agent or speaker) with its alerts marked, a shared smoothing control, the
// summary per track, the call's alerts and each track's export (CSV / JSON, fetched with the access key).
import { ApiRequestError, authFetch, deleteCall, getCall, getJson, type AlertMessage, type CallDetails, type EmotionUpdate } from '@voiceemotion/client';
import { accessKey } from '../auth';
import { COLOURS, LABELS, escapeHtml } from '../emotions';
import { Ribbon, smoothingControl } from '../ui/ribbon';
import { $, percent, problem, rest, seconds, showMessage, time, type View } from './common';

let ribbons: Ribbon[] = [];
let smoothing = 1;
let shown: string | null = null;
let timer = 0;

$('call-controls').replaceChildren();
smoothingControl($('call-controls'), (n) => { smoothing = n; ribbons.forEach((r) => r.setSmoothing(n)); });
const deleteButton = document.createElement('button');
deleteButton.type = 'button';
deleteButton.className = 'secondary danger';
deleteButton.textContent = 'Delete this call';
deleteButton.dataset.testid = 'call-delete';
$('call-controls').append(deleteButton);
deleteButton.addEventListener('click', async () => {
  if (!shown || !confirm(`Delete call ${shown} with its timelines and alerts?`)) return;
  try {
    await deleteCall(shown, rest);
    showMessage(`Call ${shown} deleted.`);
    $('call-tracks').replaceChildren();
  } catch (e) { showMessage(problem(e, 'admin')); }
});

async function download(sessionId: string, format: 'csv' | 'json', name: string) {
  const response = await authFetch(`/api/sessions/${encodeURIComponent(sessionId)}/export?format=${format}`, {}, accessKey);
  if (!response.ok) { showMessage(`The export failed: the server answered ${response.status}`); return; }
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name}.${format}`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function renderSummary(details: CallDetails) {
  const { call } = details;
  const head = `<tr><th scope="col">track</th><th scope="col">speech</th><th scope="col">dominant</th>${LABELS.map((l) => `<th scope="col"><span class="swatch small-swatch" style="background:${COLOURS[l]}" aria-hidden="true"></span>${l}</th>`).join('')}</tr>`;
  const row = (name: string, speech: number, dominant: string | null, share: Record<string, number> | null) =>
    `<tr><th scope="row">${escapeHtml(name)}</th><td>${seconds(speech)}</td><td>${escapeHtml(dominant ?? (share ? 'no speech' : '—'))}</td>${LABELS.map((l) => `<td>${share ? percent(share[l] ?? 0) : '—'}</td>`).join('')}</tr>`;
  const rows = call.tracks.map((t) => row(t.role, t.summary?.speechSeconds ?? 0, t.summary?.dominant ?? null, t.summary?.share ?? null)).join('');
  $('call-summary').innerHTML = `<table class="list"><caption class="small">Share of speech time per emotion</caption><thead>${head}</thead><tbody>${rows}${call.tracks.length > 1 ? row('whole call', call.speechSeconds, call.dominant, call.status === 'live' ? null : call.share) : ''}</tbody></table>`;
  const alerts = details.alerts;
  const roleOf = new Map(call.tracks.map((t) => [t.sessionId, t.role]));
  $('call-alerts').innerHTML = alerts.length === 0 ? '<li class="small">No alerts.</li>' : alerts.map((a: AlertMessage) =>
    `<li data-testid="call-alert"><strong>${escapeHtml(a.rule)}</strong>: ${escapeHtml(a.label)} ${Math.round(a.meanProbability * 100)} % for ${a.sustainedSeconds.toFixed(1)} s from ${a.startTime.toFixed(1)} s on the ${escapeHtml(roleOf.get(a.sessionId) ?? 'call')} track <span class="small">(${new Date(a.raisedAt).toLocaleTimeString()})</span></li>`).join('');
}

async function load(callId: string, first: boolean) {
  let details: CallDetails;
  try {
    details = await getCall(callId, rest);
  } catch (e) {
    $('call-info').textContent = e instanceof ApiRequestError && e.status === 404 ? `No call ${callId} (or not one you may see).` : problem(e);
    $('call-tracks').replaceChildren();
    return;
  }
  if (shown !== callId) return;
  const { call } = details;
  $('call-title').textContent = `Call ${call.callId}`;
  $('call-info').innerHTML = `${escapeHtml(call.source)} · ${call.status === 'live' ? '<strong>live</strong>' : escapeHtml(call.status)} · started ${time(call.startedAt)}${call.endedAt ? ` · ${seconds((Date.parse(call.endedAt) - Date.parse(call.startedAt)) / 1000)}` : ''}`
    + [call.agent && `agent ${call.agent}`, call.queue && `queue ${call.queue}`, call.label && `label ${call.label}`].filter(Boolean).map((t) => ` · ${escapeHtml(t as string)}`).join('')
    + ` · dominant ${escapeHtml(call.dominant ?? (call.status === 'live' ? '—' : 'no speech'))} · negative ${percent(call.negativeShare)} · ${call.alerts} alert(s)`;
  const timelines = await Promise.all(call.tracks.map((t) => getJson<EmotionUpdate[]>(`/api/sessions/${encodeURIComponent(t.sessionId)}/timeline`, rest).catch(() => [])));
  if (shown !== callId) return;
  if (first || ribbons.length !== call.tracks.length) {
    const host = $('call-tracks');
    host.replaceChildren();
    ribbons = call.tracks.map((t) => {
      const box = document.createElement('section');
      box.className = 'track';
      box.dataset.testid = 'track';
      box.dataset.role = t.role;
      host.append(box);
      const ribbon = new Ribbon(box, { title: `${t.role}${t.track ? ` (${t.track})` : ''}` });
      ribbon.setSmoothing(smoothing);
      const exports = document.createElement('p');
      exports.className = 'exports';
      exports.innerHTML = `Export the ${escapeHtml(t.role)} track: <button type="button" class="secondary" data-format="csv" data-testid="export-csv">CSV</button> <button type="button" class="secondary" data-format="json" data-testid="export-json">JSON</button>`;
      exports.querySelectorAll<HTMLButtonElement>('button').forEach((b) => b.addEventListener('click', () => void download(t.sessionId, b.dataset.format as 'csv' | 'json', `${call.callId}-${t.role}`)));
      box.append(exports);
      return ribbon;
    });
  }
  call.tracks.forEach((t, i) => ribbons[i].setData(timelines[i], details.alerts.filter((a) => a.sessionId === t.sessionId)));
  renderSummary(details);
  clearTimeout(timer);
  // A live call is followed until it ends; the log writes in batches, so a last look shortly after the end.
  if (call.status === 'live') timer = window.setTimeout(() => void load(callId, false), 2000);
}

export const callView = {
  async show(params: URLSearchParams) {
    const id = params.get('id');
    if (!id) { $('call-info').textContent = 'No call chosen: pick one in Search or Live.'; return; }
    const first = shown !== id;
    shown = id;
    await load(id, first);
  },
  hide() { clearTimeout(timer); shown = null; },
} satisfies View;

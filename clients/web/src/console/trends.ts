// Trends: per hour or day of the chosen range and per queue, agent, source or label — calls, negative share and alerts,
// as three rows of bars (each named in words) with a table of the same figures.
import { getStats, type StatsBucketSize, type StatsGroupBy } from '@voiceemotion/client';
import { escapeHtml } from '../emotions';
import { $, percent, problem, rest, type View } from './common';
import { fillBuckets, type GroupSeries } from './trends-data';

const form = $<HTMLFormElement>('trends-form');
const RANGES: Record<string, number> = { '24h': 24 * 3_600_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

form.addEventListener('change', () => {
  const data = new FormData(form);
  const params = new URLSearchParams({ view: 'trends', range: String(data.get('range')), bucket: String(data.get('bucket')), groupBy: String(data.get('groupBy')) });
  (window as unknown as { consoleNavigate(s: string): void }).consoleNavigate(`?${params}`);
});

function bucketLabel(start: number, bucket: StatsBucketSize): string {
  const d = new Date(start);
  return bucket === 'hour' ? d.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' }) : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

function bars(kind: string, values: number[], labels: string[], text: (v: number) => string, max: number): string {
  return `<div class="bar-row" data-kind="${kind}"><span class="bar-name">${kind}</span><div class="bars">${values.map((v, i) =>
    `<span class="bar${v > 0 ? '' : ' zero'}" style="height:${max > 0 ? Math.max(v > 0 ? 4 : 0, (v / max) * 100) : 0}%" title="${escapeHtml(labels[i])}: ${text(v)}"></span>`).join('')}</div></div>`;
}

function groupHtml(g: GroupSeries, groupBy: StatsGroupBy, labels: string[], maxCalls: number, maxAlerts: number): string {
  const name = g.group === null ? `no ${groupBy}` : `${groupBy} ${g.group}`;
  const calls = g.buckets.map((b) => b.calls), negative = g.buckets.map((b) => b.negativeShare), alerts = g.buckets.map((b) => b.alerts);
  const rows = g.buckets.map((b, i) => (b.calls || b.alerts ? `<tr><th scope="row">${escapeHtml(labels[i])}</th><td>${b.calls}</td><td>${b.speechSeconds.toFixed(0)} s</td><td>${percent(b.negativeShare)}</td><td>${b.alerts}</td></tr>` : '')).join('');
  return `<section class="trend" data-testid="trend-group" data-group="${escapeHtml(g.group ?? '')}">
    <h3>${escapeHtml(name)} <span class="small" data-testid="trend-summary">${g.calls} call${g.calls === 1 ? '' : 's'} · negative ${percent(g.negativeShare)} · ${g.alerts} alert${g.alerts === 1 ? '' : 's'}</span></h3>
    ${bars('calls', calls, labels, (v) => `${v} calls`, maxCalls)}
    ${bars('negative share', negative, labels, (v) => percent(v), 1)}
    ${bars('alerts', alerts, labels, (v) => `${v} alerts`, maxAlerts)}
    <p class="axis small"><span>${escapeHtml(labels[0] ?? '')}</span><span>${escapeHtml(labels[labels.length - 1] ?? '')}</span></p>
    <details><summary>as a table</summary><div class="table-wrap"><table class="list"><thead><tr><th>${'from'}</th><th>calls</th><th>speech</th><th>negative</th><th>alerts</th></tr></thead><tbody>${rows}</tbody></table></div></details>
  </section>`;
}

export const trendsView = {
  async show(params: URLSearchParams) {
    const range = params.get('range') && params.get('range')! in RANGES ? params.get('range')! : '24h';
    const bucket: StatsBucketSize = params.get('bucket') === 'day' ? 'day' : 'hour';
    const groupBy = (['queue', 'agent', 'source', 'label'].includes(params.get('groupBy') ?? '') ? params.get('groupBy') : 'queue') as StatsGroupBy;
    (form.elements.namedItem('range') as HTMLSelectElement).value = range;
    (form.elements.namedItem('bucket') as HTMLSelectElement).value = bucket;
    (form.elements.namedItem('groupBy') as HTMLSelectElement).value = groupBy;
    // The range ends at the end of the current bucket, so this hour (or day) is a whole bar.
    const size = bucket === 'hour' ? 3_600_000 : 86_400_000;
    const to = Math.ceil((Date.now() + 1) / size) * size;
    try {
      const result = await getStats({ from: new Date(to - Math.max(RANGES[range], size)).toISOString(), to: new Date(to).toISOString(), bucket, groupBy }, rest);
      const { starts, groups } = fillBuckets(result);
      const labels = starts.map((s) => bucketLabel(s, bucket));
      const maxCalls = Math.max(0, ...groups.flatMap((g) => g.buckets.map((b) => b.calls)));
      const maxAlerts = Math.max(0, ...groups.flatMap((g) => g.buckets.map((b) => b.alerts)));
      const calls = groups.reduce((n, g) => n + g.calls, 0), alerts = groups.reduce((n, g) => n + g.alerts, 0);
      $('trends-total').innerHTML = `<strong data-testid="trends-calls">${calls}</strong> call${calls === 1 ? '' : 's'} and <strong data-testid="trends-alerts">${alerts}</strong> alert${alerts === 1 ? '' : 's'} in the ${range === '24h' ? 'last 24 hours' : range === '7d' ? 'last 7 days' : 'last 30 days'}, per ${bucket}, by ${groupBy}.`;
      $('trends-groups').innerHTML = groups.length === 0 ? '<p class="small">No calls in this range.</p>' : groups.map((g) => groupHtml(g, groupBy, labels, maxCalls, maxAlerts)).join('');
    } catch (e) {
      $('trends-total').textContent = problem(e);
      $('trends-groups').replaceChildren();
    }
  },
} satisfies View;

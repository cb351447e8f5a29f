// Search: filters above, the calls below in sortable columns, a page at a time; the URL holds filter, sort and page.
import { LABELS } from '@voiceemotion/client';
import { listCalls, type CallRecord } from '@voiceemotion/client';
import { escapeHtml } from '../emotions';
import { $, callHref, percent, problem, rest, seconds, time, type View } from './common';
import { filterFromParams, filterToParams, isoToLocalInput, localInputToIso, PAGE_SIZE, toCallQuery, toggleSort, type SearchFilter } from './search-filter';

const form = $<HTMLFormElement>('search-form');
const columns: { key: string; title: string; sort?: string; cell: (c: CallRecord) => string }[] = [
  { key: 'startedAt', title: 'started', sort: 'startedAt', cell: (c) => `<a href="${callHref(c.callId)}">${escapeHtml(time(c.startedAt))}</a>` },
  { key: 'source', title: 'source', sort: 'source', cell: (c) => escapeHtml(c.source) },
  { key: 'tracks', title: 'tracks', cell: (c) => escapeHtml(c.tracks.map((t) => t.role).join(' + ')) },
  { key: 'agent', title: 'agent', sort: 'agent', cell: (c) => escapeHtml(c.agent ?? '') },
  { key: 'queue', title: 'queue', sort: 'queue', cell: (c) => escapeHtml(c.queue ?? '') },
  { key: 'label', title: 'label', sort: 'label', cell: (c) => escapeHtml(c.label ?? '') },
  { key: 'speech', title: 'speech', sort: 'speechSeconds', cell: (c) => seconds(c.speechSeconds) },
  { key: 'dominant', title: 'dominant', cell: (c) => escapeHtml(c.dominant ?? (c.status === 'live' ? 'live' : 'no speech')) },
  { key: 'angry', title: 'angry', sort: 'angryShare', cell: (c) => percent(c.angryShare) },
  { key: 'negative', title: 'negative', sort: 'negativeShare', cell: (c) => percent(c.negativeShare) },
  { key: 'alerts', title: 'alerts', sort: 'alerts', cell: (c) => (c.alerts ? `⚠ ${c.alerts}` : '0') },
];
let filter: SearchFilter = filterFromParams(new URLSearchParams());
let total = 0;

form.querySelector<HTMLSelectElement>('[name=dominant]')!.insertAdjacentHTML('beforeend', LABELS.map((l) => `<option>${l}</option>`).join(''));

function go(f: SearchFilter) {
  const params = filterToParams(f);
  params.set('view', 'search');
  (window as unknown as { consoleNavigate(s: string): void }).consoleNavigate(`?${params}`);
}

function fromForm(): SearchFilter {
  const data = new FormData(form);
  const text = (k: string) => String(data.get(k) ?? '').trim();
  const share = (k: string) => { const v = text(k); return v === '' ? undefined : Number(v) / 100; };
  const params = new URLSearchParams();
  for (const k of ['source', 'label', 'agent', 'queue', 'dominant']) params.set(k, text(k));
  params.set('from', localInputToIso(text('from')) ?? '');
  params.set('to', localInputToIso(text('to')) ?? '');
  for (const k of ['minAngryShare', 'minNegativeShare']) { const v = share(k); if (v !== undefined) params.set(k, String(v)); }
  params.set('sort', filter.sort);
  return filterFromParams(params); // a new filter starts at the first page
}

function toForm(f: SearchFilter) {
  const set = (k: string, v: string) => { (form.elements.namedItem(k) as HTMLInputElement).value = v; };
  for (const k of ['source', 'label', 'agent', 'queue', 'dominant'] as const) set(k, f[k] ?? '');
  set('from', isoToLocalInput(f.from));
  set('to', isoToLocalInput(f.to));
  set('minAngryShare', f.minAngryShare === undefined ? '' : String(Math.round(f.minAngryShare * 100)));
  set('minNegativeShare', f.minNegativeShare === undefined ? '' : String(Math.round(f.minNegativeShare * 100)));
}

form.addEventListener('submit', (e) => { e.preventDefault(); go(fromForm()); });
form.addEventListener('reset', () => setTimeout(() => go({ sort: filter.sort, offset: 0 })));
$('search-prev').addEventListener('click', () => go({ ...filter, offset: Math.max(0, filter.offset - PAGE_SIZE) }));
$('search-next').addEventListener('click', () => go({ ...filter, offset: filter.offset + PAGE_SIZE }));

function renderHead() {
  const active = filter.sort.replace(/^-/, '');
  const direction = filter.sort.startsWith('-') ? 'descending' : 'ascending';
  $('search-results').querySelector('thead tr')!.innerHTML = columns.map((c) => {
    if (!c.sort) return `<th scope="col" class="col-${c.key}">${c.title}</th>`;
    const sorted = c.sort === active;
    return `<th scope="col" class="col-${c.key}"${sorted ? ` aria-sort="${direction}"` : ''}><button type="button" class="sort" data-sort="${c.sort}">${c.title}${sorted ? (direction === 'descending' ? ' ▼' : ' ▲') : ''}</button></th>`;
  }).join('');
  $('search-results').querySelectorAll<HTMLButtonElement>('button.sort').forEach((b) => b.addEventListener('click', () => go({ ...filter, sort: toggleSort(filter.sort, b.dataset.sort!), offset: 0 })));
}

export const searchView = {
  async show(params: URLSearchParams) {
    filter = filterFromParams(params);
    toForm(filter);
    renderHead();
    const body = $('search-results').querySelector('tbody')!;
    try {
      const page = await listCalls(toCallQuery(filter), rest);
      total = page.total;
      body.innerHTML = page.items.map((c) => `<tr data-call="${escapeHtml(c.callId)}" data-testid="search-row">${columns.map((col) => `<td class="col-${col.key}">${col.cell(c)}</td>`).join('')}</tr>`).join('');
      $('search-total').textContent = total === 0 ? 'No calls match.' : `${total} call${total === 1 ? '' : 's'} match; showing ${filter.offset + 1}–${filter.offset + page.items.length}.`;
    } catch (e) {
      body.innerHTML = '';
      total = 0;
      $('search-total').textContent = problem(e);
    }
    $<HTMLButtonElement>('search-prev').disabled = filter.offset === 0;
    $<HTMLButtonElement>('search-next').disabled = filter.offset + PAGE_SIZE >= total;
    $('search-page').textContent = total > PAGE_SIZE ? `page ${Math.floor(filter.offset / PAGE_SIZE) + 1} of ${Math.ceil(total / PAGE_SIZE)}` : '';
  },
} satisfies View;

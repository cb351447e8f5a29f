// The search view's filter and its URL: every filter, the sort and the page live in the query string, so a view can
// be shared or bookmarked; values that make no sense are dropped rather than sent.
import type { CallQuery } from '@voiceemotion/client';
import { LABELS } from '../emotions';

export interface SearchFilter {
  from?: string;
  to?: string;
  source?: string;
  label?: string;
  agent?: string;
  queue?: string;
  dominant?: string;
  /** 0–1. */
  minAngryShare?: number;
  /** 0–1. */
  minNegativeShare?: number;
  sort: string;
  offset: number;
}

export const PAGE_SIZE = 20;
export const DEFAULT_SORT = '-startedAt';
export const SORTABLE = ['startedAt', 'source', 'agent', 'queue', 'label', 'speechSeconds', 'angryShare', 'negativeShare', 'alerts'] as const;
const TEXT_FIELDS = ['from', 'to', 'source', 'label', 'agent', 'queue'] as const;
const TEXT_COLUMNS = new Set(['source', 'agent', 'queue', 'label']);

function share(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const v = Number(text);
  return Number.isFinite(v) && v >= 0 && v <= 1 ? v : undefined;
}

export function filterFromParams(params: URLSearchParams): SearchFilter {
  const f: SearchFilter = { sort: DEFAULT_SORT, offset: 0 };
  for (const k of TEXT_FIELDS) {
    const v = params.get(k)?.trim();
    if (v) f[k] = v;
  }
  const dominant = params.get('dominant');
  if (dominant && (LABELS as readonly string[]).includes(dominant)) f.dominant = dominant;
  f.minAngryShare = share(params.get('minAngryShare'));
  f.minNegativeShare = share(params.get('minNegativeShare'));
  if (f.minAngryShare === undefined) delete f.minAngryShare;
  if (f.minNegativeShare === undefined) delete f.minNegativeShare;
  const sort = params.get('sort');
  if (sort && (SORTABLE as readonly string[]).includes(sort.replace(/^-/, ''))) f.sort = sort;
  const offset = Number(params.get('offset'));
  if (Number.isInteger(offset) && offset > 0) f.offset = offset;
  return f;
}

/** The query string of a filter, leaving out what is the default. */
export function filterToParams(f: SearchFilter): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of TEXT_FIELDS) if (f[k]) p.set(k, f[k]!);
  if (f.dominant) p.set('dominant', f.dominant);
  if (f.minAngryShare !== undefined) p.set('minAngryShare', String(f.minAngryShare));
  if (f.minNegativeShare !== undefined) p.set('minNegativeShare', String(f.minNegativeShare));
  if (f.sort !== DEFAULT_SORT) p.set('sort', f.sort);
  if (f.offset > 0) p.set('offset', String(f.offset));
  return p;
}

export function toCallQuery(f: SearchFilter): CallQuery {
  const { offset, sort, ...filters } = f;
  return { ...filters, sort, offset, limit: PAGE_SIZE };
}

/** The sort after choosing a column: the same column flips direction; a new one starts descending for figures (the
 * most first) and ascending for names. */
export function toggleSort(current: string, column: string): string {
  const active = current.replace(/^-/, '');
  if (active === column) return current.startsWith('-') ? column : `-${column}`;
  return TEXT_COLUMNS.has(column) ? column : `-${column}`;
}

/** A datetime-local input's value (local time) as ISO 8601 UTC, or undefined when empty or invalid. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** ISO 8601 as a datetime-local input's value (local time, minutes). */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

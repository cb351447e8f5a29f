// What every console view shares: REST options with the page's access key, the message line, formatting.
import { ApiRequestError, type RestOptions } from '@voiceemotion/client';
import { accessKey } from '../auth';
import { failureMessage } from '../upload';

export const rest: RestOptions = { accessToken: accessKey, describeFailure: failureMessage };

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export function showMessage(text: string | null): void {
  const m = $('message');
  m.hidden = !text;
  m.textContent = text ?? '';
}

/** A failure's message, naming the role a 403 lacks. */
export function problem(e: unknown, role?: string): string {
  if (e instanceof ApiRequestError && e.status === 403 && role) return `${e.message} (it needs the ${role} role)`;
  return (e as Error).message;
}

export function percent(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${Math.round(v * 100)} %`;
}

export function seconds(v: number): string {
  return v >= 120 ? `${Math.floor(v / 60)} min ${Math.round(v % 60)} s` : `${v.toFixed(1)} s`;
}

export function time(iso: string): string {
  return new Date(iso).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A link to one call's page. */
export function callHref(callId: string): string {
  return `?view=call&id=${encodeURIComponent(callId)}`;
}

/** A view: shown for its URL, hidden when another is shown. */
export interface View {
  show(params: URLSearchParams): void | Promise<void>;
  hide?(): void;
}

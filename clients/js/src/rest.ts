// REST helpers: a file analysed as a background job (POST /api/analyze?mode=job, then GET /api/jobs/{id}) — the upload
// goes through XMLHttpRequest because fetch reports no upload progress — and fetch with the access token.
import type { AlertRuleInput, AlertRuleRecord, AnalyzeResult, ApiError, CallDetails, CallPage, CallQuery, JobStatus, StatsQuery, StatsResult } from './types';

/** Where an upload is: sending bytes, then analysing seconds of audio. */
export type UploadProgress =
  | { phase: 'sending'; sent: number; total: number }
  | { phase: 'analysing'; seconds: number; totalSeconds: number | null };

export interface RestOptions {
  /** The server's origin or base path (default: same origin). */
  baseUrl?: string;
  /** An API key or JWT, sent as a bearer credential when non-empty. */
  accessToken?: () => string;
  /** The message for a failed request (default: the server's own words, else the status). */
  describeFailure?: (status: number, body: unknown) => string;
  /** How often to poll a job, ms (default 500). */
  pollMs?: number;
}

/** A failed request: the server's stable `code` (ApiError.error) when it gave one, and the HTTP status. */
export class ApiRequestError extends Error {
  constructor(message: string, readonly status: number, readonly code: string | null) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** Share of the whole task done, 0–1: sending counts for the first tenth, analysis for the rest (null: unknown). */
export function progressFraction(p: UploadProgress): number | null {
  if (p.phase === 'sending') return p.total > 0 ? 0.1 * Math.min(1, p.sent / p.total) : null;
  return p.totalSeconds ? 0.1 + 0.9 * Math.min(1, p.seconds / p.totalSeconds) : null;
}

/** One line saying where the upload is. */
export function progressText(p: UploadProgress): string {
  if (p.phase === 'sending') return `Sending ${megabytes(p.sent)} of ${megabytes(p.total)} MB…`;
  const total = p.totalSeconds === null ? '' : ` of ${p.totalSeconds.toFixed(1)}`;
  return `Analysing: ${p.seconds.toFixed(1)}${total} s of audio…`;
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** The server's message for a failed request when it gave one, else the status. */
export function serverMessage(status: number, body: unknown): string {
  const message = (body as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && message) return message;
  return `the server answered ${status}`;
}

function codeOf(body: unknown): string | null {
  const code = (body as Partial<ApiError> | null)?.error;
  return typeof code === 'string' ? code : null;
}

/** fetch with the access token as a bearer credential (when one is set). */
export function authFetch(input: string, init: RequestInit = {}, accessToken?: () => string): Promise<Response> {
  const key = accessToken?.() ?? '';
  if (!key) return fetch(input, init);
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${key}`);
  return fetch(input, { ...init, headers });
}

/** GET a JSON resource of the REST API; throws ApiRequestError with the server's code and message. */
export async function getJson<T>(path: string, options: RestOptions = {}): Promise<T> {
  const response = await authFetch((options.baseUrl ?? '') + path, {}, options.accessToken);
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiRequestError((options.describeFailure ?? serverMessage)(response.status, body), response.status, codeOf(body));
  return body as T;
}

/** Uploads the file as a job, follows it to the end and returns its result; throws ApiRequestError with the server's message. */
export async function analyseFile(file: Blob & { name?: string }, onProgress: (p: UploadProgress) => void, options: RestOptions = {}): Promise<AnalyzeResult> {
  const describe = options.describeFailure ?? serverMessage;
  const form = new FormData();
  form.append('file', file, file.name ?? 'audio.wav');
  const created = await send((options.baseUrl ?? '') + '/api/analyze?mode=job', form, options.accessToken, (sent, total) => onProgress({ phase: 'sending', sent, total }));
  if (created.status !== 202) throw new ApiRequestError(describe(created.status, created.body), created.status, codeOf(created.body));
  const id = (created.body as JobStatus).jobId;
  for (;;) {
    const job = await getJson<JobStatus>(`/api/jobs/${encodeURIComponent(id)}`, options);
    onProgress({ phase: 'analysing', seconds: job.progress.secondsAnalysed, totalSeconds: job.progress.totalSeconds });
    if (job.state === 'done' && job.result) return job.result;
    if (job.state === 'failed') throw new ApiRequestError(job.error?.message ?? 'the analysis failed', 200, job.error?.error ?? null);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

function send(url: string, form: FormData, accessToken: (() => string) | undefined, onSent: (sent: number, total: number) => void): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    const key = accessToken?.() ?? '';
    if (key) xhr.setRequestHeader('Authorization', `Bearer ${key}`);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onSent(e.loaded, e.total); };
    xhr.onload = () => {
      let body: unknown = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON: the status says enough */ }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error('the upload could not be sent (network error)'));
    xhr.send(form);
  });
}

/** `?a=1&b=x` from the defined, non-empty fields of a query object (in their order); '' when there are none. */
export function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Sends a JSON body (POST/PUT) or none (DELETE); returns the parsed answer (null for 204); throws ApiRequestError. */
export async function sendJson<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body: unknown, options: RestOptions = {}): Promise<T | null> {
  const init: RequestInit = { method };
  if (body !== undefined) init.body = JSON.stringify(body), init.headers = { 'Content-Type': 'application/json' };
  const response = await authFetch((options.baseUrl ?? '') + path, init, options.accessToken);
  const answer = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiRequestError((options.describeFailure ?? serverMessage)(response.status, answer), response.status, codeOf(answer));
  return answer as T | null;
}

/** `GET /api/calls`: one page of calls matching the filters. */
export function listCalls(query: CallQuery = {}, options: RestOptions = {}): Promise<CallPage> {
  return getJson<CallPage>(`/api/calls${queryString(query)}`, options);
}

/** `GET /api/calls/{callId}`: the call with its tracks and every track's alerts. */
export function getCall(callId: string, options: RestOptions = {}): Promise<CallDetails> {
  return getJson<CallDetails>(`/api/calls/${encodeURIComponent(callId)}`, options);
}

/** `GET /api/stats`: calls, speech, shares and alerts per hour or day and group (empty buckets left out). */
export function getStats(query: StatsQuery = {}, options: RestOptions = {}): Promise<StatsResult> {
  return getJson<StatsResult>(`/api/stats${queryString(query)}`, options);
}

/** `GET /api/alert-rules` (supervisor): the rules in force, by name. */
export function listAlertRules(options: RestOptions = {}): Promise<AlertRuleRecord[]> {
  return getJson<AlertRuleRecord[]>('/api/alert-rules', options);
}

/** Creates (POST) or replaces (PUT) a rule (admin); a 400 `bad_rule` names the field in its message. */
export async function saveAlertRule(rule: AlertRuleInput, replace: boolean, options: RestOptions = {}): Promise<AlertRuleRecord> {
  const path = replace ? `/api/alert-rules/${encodeURIComponent(rule.name)}` : '/api/alert-rules';
  return (await sendJson<AlertRuleRecord>(replace ? 'PUT' : 'POST', path, rule, options))!;
}

/** Deletes a rule (admin). */
export async function deleteAlertRule(name: string, options: RestOptions = {}): Promise<void> {
  await sendJson('DELETE', `/api/alert-rules/${encodeURIComponent(name)}`, undefined, options);
}

/** Deletes a call with every track, update and alert (admin). */
export async function deleteCall(callId: string, options: RestOptions = {}): Promise<void> {
  await sendJson('DELETE', `/api/calls/${encodeURIComponent(callId)}`, undefined, options);
}

// A file upload analysed as a background job (POST /api/analyze?mode=job, then GET /api/jobs/{id}): the request goes
// through XMLHttpRequest because fetch reports no upload progress; the job is polled for analysis progress.
import { accessKey, authFetch, refusal } from './auth';
import type { EmotionUpdate, SessionSummary } from './emotions';

export interface AnalyzeResult {
  fileName: string;
  sampleRate: number;
  updates: EmotionUpdate[];
  summary: SessionSummary;
}

export interface JobStatus {
  jobId: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  fileName: string;
  progress: { secondsAnalysed: number; totalSeconds: number | null };
  result: AnalyzeResult | null;
  error: { error: string; message: string } | null;
}

/** Where an upload is: sending bytes, then analysing seconds of audio. */
export type UploadProgress =
  | { phase: 'sending'; sent: number; total: number }
  | { phase: 'analysing'; seconds: number; totalSeconds: number | null };

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

/** The message for a failed request: the server's own words when it gave them. */
export function failureMessage(status: number, body: unknown): string {
  const refused = refusal(status);
  if (refused) return refused;
  const message = (body as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && message) return message;
  return `the server answered ${status}`;
}

/** Uploads the file as a job, follows it to the end and returns its result; throws with the server's message. */
export async function analyseFile(file: File, onProgress: (p: UploadProgress) => void, pollMs = 500): Promise<AnalyzeResult> {
  const form = new FormData();
  form.append('file', file);
  const created = await send('/api/analyze?mode=job', form, (sent, total) => onProgress({ phase: 'sending', sent, total }));
  if (created.status !== 202) throw new Error(failureMessage(created.status, created.body));
  const id = (created.body as JobStatus).jobId;
  for (;;) {
    const response = await authFetch(`/api/jobs/${encodeURIComponent(id)}`);
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new Error(failureMessage(response.status, body));
    const job = body as JobStatus;
    onProgress({ phase: 'analysing', seconds: job.progress.secondsAnalysed, totalSeconds: job.progress.totalSeconds });
    if (job.state === 'done' && job.result) return job.result;
    if (job.state === 'failed') throw new Error(job.error?.message ?? 'the analysis failed');
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function send(url: string, form: FormData, onSent: (sent: number, total: number) => void): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    const key = accessKey();
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

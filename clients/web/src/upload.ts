// File uploads as background jobs, through @voiceemotion/client; this page adds its access key and the key hints.
import { analyseFile as analyse, serverMessage, type AnalyzeResult, type UploadProgress } from '@voiceemotion/client';
import { accessKey, refusal } from './auth';

export { progressFraction, progressText, type AnalyzeResult, type UploadProgress } from '@voiceemotion/client';

/** The message for a failed request: the access-key hint for refusals, else the server's own words. */
export function failureMessage(status: number, body: unknown): string {
  return refusal(status) ?? serverMessage(status, body);
}

/** Uploads the file as a job, follows it to the end and returns its result; throws with the server's message. */
export function analyseFile(file: File, onProgress: (p: UploadProgress) => void, pollMs = 500): Promise<AnalyzeResult> {
  return analyse(file, onProgress, { accessToken: accessKey, describeFailure: failureMessage, pollMs });
}

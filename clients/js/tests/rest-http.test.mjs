import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiRequestError, getJson } from '../src/index';

// A real HTTP server on loopback answering as the StreamHub does: a JSON body, or an ApiError with its status.
let server;
let base;
const seen = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? null);
    const found = req.url === '/api/jobs/0123';
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(found ? { jobId: '0123', state: 'running', progress: { secondsAnalysed: 1.5, totalSeconds: 4 } } : { error: 'job_not_found', message: `no job at ${req.url}` }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('REST helpers over HTTP', () => {
  it('returns the typed body and sends the access token as a bearer credential', async () => {
    const job = await getJson('/api/jobs/0123', { baseUrl: base, accessToken: () => 'k-123' });
    expect(job.state).toBe('running');
    expect(job.progress.totalSeconds).toBe(4);
    expect(seen.at(-1)).toBe('Bearer k-123');
  });

  it("throws the server's ApiError code, status and message", async () => {
    const error = await getJson('/api/jobs/nope', { baseUrl: base }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error.code).toBe('job_not_found');
    expect(error.status).toBe(404);
    expect(error.message).toBe('no job at /api/jobs/nope');
    expect(seen.at(-1)).toBeNull();
  });
});

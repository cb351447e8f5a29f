import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiRequestError, deleteAlertRule, listCalls, queryString, saveAlertRule } from '../src/index';

// A real HTTP server on loopback that records each request and answers as the StreamHub's calls and rules endpoints do.
let server;
let base;
const seen = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, type: req.headers['content-type'] ?? null, body });
      const json = (status, value) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(value)); };
      if (req.url.startsWith('/api/calls')) return json(200, { total: 1, items: [{ callId: 'CA1', tracks: [] }] });
      if (req.method === 'DELETE') { res.writeHead(204); return res.end(); }
      const rule = JSON.parse(body);
      if (rule.threshold > 1) return json(400, { error: 'bad_rule', message: `threshold must be between 0 and 1, was ${rule.threshold}` });
      return json(req.method === 'POST' ? 201 : 200, { ...rule, updatedAt: '2026-12-01T00:00:00Z', updatedBy: 'local' });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('calls and alert rules over HTTP', () => {
  it('sends only the filters that are set', async () => {
    const page = await listCalls({ source: 'twilio', queue: '', minNegativeShare: 0.25, sort: '-negativeShare', agent: undefined }, { baseUrl: base });
    expect(page.items[0].callId).toBe('CA1');
    expect(seen.at(-1).url).toBe('/api/calls?source=twilio&minNegativeShare=0.25&sort=-negativeShare');
    expect(queryString({})).toBe('');
  });

  it('creates with POST and replaces with PUT at the rule’s path, as JSON', async () => {
    const rule = { name: 'calm down', emotion: 'neutral', threshold: 0.1, sustainedSeconds: 1, scopeQueue: 'billing' };
    expect((await saveAlertRule(rule, false, { baseUrl: base })).updatedBy).toBe('local');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/api/alert-rules', type: 'application/json' });
    await saveAlertRule(rule, true, { baseUrl: base });
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', url: '/api/alert-rules/calm%20down' });
    expect(JSON.parse(seen.at(-1).body)).toEqual(rule);
  });

  it("throws bad_rule with the server's message naming the field", async () => {
    const error = await saveAlertRule({ name: 'x', emotion: 'angry', threshold: 1.5, sustainedSeconds: 2 }, false, { baseUrl: base }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error.code).toBe('bad_rule');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^threshold must be between 0 and 1/);
  });

  it('deletes without a body and accepts the empty 204', async () => {
    await expect(deleteAlertRule('x', { baseUrl: base })).resolves.toBeUndefined();
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/api/alert-rules/x', body: '' });
  });
});

import { describe, expect, it } from 'vitest';
import { hubErrorCode, progressFraction, progressText, serverMessage } from '../src/index';
import { CAPTURE_PROCESSOR, CAPTURE_WORKLET_SOURCE } from '../src/audio/worklet';

describe('upload progress', () => {
  it('counts sending as the first tenth and analysis as the rest', () => {
    expect(progressFraction({ phase: 'sending', sent: 500, total: 1000 })).toBeCloseTo(0.05);
    expect(progressFraction({ phase: 'analysing', seconds: 30, totalSeconds: 60 })).toBeCloseTo(0.55);
    expect(progressFraction({ phase: 'analysing', seconds: 12, totalSeconds: null })).toBeNull();
    expect(progressText({ phase: 'analysing', seconds: 3, totalSeconds: null })).toBe('Analysing: 3.0 s of audio…');
  });
});

describe('errors', () => {
  it("uses the server's message, else the status", () => {
    expect(serverMessage(400, { error: 'bad_audio', message: "not a WAV file" })).toBe('not a WAV file');
    expect(serverMessage(500, 'oops')).toBe('the server answered 500');
  });

  it('reads the stable code of a hub failure', () => {
    expect(hubErrorCode(new Error("An unexpected error occurred invoking 'StartSession' on the server. HubException: format_invalid: unknown encoding 'opus'"))).toBe('format_invalid');
    expect(hubErrorCode(new Error('Failed to fetch'))).toBeNull();
  });
});

describe('capture worklet', () => {
  it('registers the processor the capture pipeline asks for', () => {
    expect(CAPTURE_WORKLET_SOURCE).toContain(`registerProcessor('${CAPTURE_PROCESSOR}'`);
    expect(() => new Function(CAPTURE_WORKLET_SOURCE)).not.toThrow(); // valid JavaScript
  });
});

describe('hub message times', () => {
  it('turns MessagePack dates into the ISO text JSON carries, and leaves text alone', async () => {
    const { withIsoTimes } = await import('../src/hub');
    const at = new Date('2026-12-01T10:00:00.250Z');
    expect(withIsoTimes({ sessionId: 's', startedAt: at })).toEqual({ sessionId: 's', startedAt: '2026-12-01T10:00:00.250Z' });
    expect(withIsoTimes({ startedAt: [at, 60] })).toEqual({ startedAt: '2026-12-01T10:00:00.250Z' });
    expect(withIsoTimes({ raisedAt: '2026-12-01T10:00:00Z', rule: 'r' })).toEqual({ raisedAt: '2026-12-01T10:00:00Z', rule: 'r' });
  });
});

import { describe, expect, it } from 'vitest';
import { failureMessage, progressFraction, progressText } from '../src/upload';
import { NEEDS_KEY } from '../src/auth';

describe('upload progress', () => {
  it('counts sending as the first tenth and analysis as the rest', () => {
    expect(progressFraction({ phase: 'sending', sent: 0, total: 1000 })).toBe(0);
    expect(progressFraction({ phase: 'sending', sent: 500, total: 1000 })).toBeCloseTo(0.05);
    expect(progressFraction({ phase: 'analysing', seconds: 0, totalSeconds: 60 })).toBeCloseTo(0.1);
    expect(progressFraction({ phase: 'analysing', seconds: 30, totalSeconds: 60 })).toBeCloseTo(0.55);
    expect(progressFraction({ phase: 'analysing', seconds: 60, totalSeconds: 60 })).toBeCloseTo(1);
  });

  it('is indeterminate when the total is unknown', () => {
    expect(progressFraction({ phase: 'analysing', seconds: 12, totalSeconds: null })).toBeNull();
    expect(progressFraction({ phase: 'sending', sent: 12, total: 0 })).toBeNull();
  });

  it('says where the upload is', () => {
    expect(progressText({ phase: 'sending', sent: 1_500_000, total: 33_000_000 })).toBe('Sending 1.5 of 33.0 MB…');
    expect(progressText({ phase: 'analysing', seconds: 12.25, totalSeconds: 4020 })).toBe('Analysing: 12.3 of 4020.0 s of audio…');
    expect(progressText({ phase: 'analysing', seconds: 3, totalSeconds: null })).toBe('Analysing: 3.0 s of audio…');
  });
});

describe('upload failures', () => {
  it("uses the server's message, the access-key hint for refusals, or the status", () => {
    expect(failureMessage(429, { error: 'too_many_uploads', message: '4 uploads are being analysed already: try again in 5 s' })).toMatch(/try again/);
    expect(failureMessage(401, null)).toBe(NEEDS_KEY);
    expect(failureMessage(500, 'oops')).toBe('the server answered 500');
  });
});

import { describe, expect, it } from 'vitest';
import { connectionProblem, NEEDS_KEY, refusal } from '../src/auth';

describe('access-key messages', () => {
  it('turns a refused negotiation into the access-key hint', () => {
    expect(connectionProblem("Failed to complete negotiation with the server: Error: Unauthorized: Status code '401'")).toBe(NEEDS_KEY);
    expect(connectionProblem("Failed to complete negotiation with the server: Error: Forbidden: Status code '403'")).toMatch(/does not allow/);
  });

  it('keeps other failures as they are, prefixed', () => {
    expect(connectionProblem('Failed to fetch')).toBe('Cannot reach the server: Failed to fetch');
  });

  it('names HTTP refusals and only those', () => {
    expect(refusal(401)).toBe(NEEDS_KEY);
    expect(refusal(403)).toMatch(/does not allow/);
    expect(refusal(200)).toBeNull();
    expect(refusal(400)).toBeNull();
  });
});

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// `npm pack` works and ships what an importer needs: the ESM build, its .d.ts and the README (not sources or tests).
describe('npm pack', () => {
  it('packs the ESM build with its type declarations', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: new URL('..', import.meta.url), encoding: 'utf8' });
    const [pack] = JSON.parse(out);
    const files = pack.files.map((f) => f.path);
    expect(pack.name).toBe('@voiceemotion/client');
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/hub.d.ts', 'dist/audio/capture.js', 'README.md', 'package.json']) expect(files).toContain(f);
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('tests/'))).toBe(false);
  }, 60_000);
});

import { defineConfig } from 'vite';

// The StreamHub serves the build from its wwwroot; nothing is loaded from a CDN.
export default defineConfig({
  build: {
    outDir: '../../src/StreamHub/wwwroot',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { main: 'index.html', calls: 'calls.html' } },
  },
  test: {
    include: ['tests/**/*.test.ts'],
  },
});

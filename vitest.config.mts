import { defineConfig } from 'vitest/config';

// `npm test` runs this suite twice, under Node 22 and Node 26 (tools/with-node).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

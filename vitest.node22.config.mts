import { defineConfig } from 'vitest/config';

// Tests that need Node >= 22 (openai 7): `npm run test:node22` runs them under tools/node-22, `npm run test:node26` under tools/node-26.
export default defineConfig({
  test: {
    include: ['test/node22/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

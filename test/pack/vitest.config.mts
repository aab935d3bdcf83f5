import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The pack acceptance test (test/pack/pack.acceptance.ts), apart from the main suite:
//   tools/with-node 22 npx vitest run --config test/pack/vitest.config.mts
// Its tests wait for npm installs from the registry, hence the long timeouts.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/pack/**/*.acceptance.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});

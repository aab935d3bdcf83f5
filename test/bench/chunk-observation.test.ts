import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = join(__dirname, '..', '..', 'bench', 'chunk-observation.mjs');

// The script's counted runs need valgrind; its measured program is what could rot, and it checks
// itself: every chunk reached the loop, and the wrappers saw each one.
describe('bench: chunk observation', () => {
  for (const mode of ['bare', 'chain', 'side']) {
    for (const store of ['store', 'no-store']) {
      it(`${mode} reads every chunk (${store})`, () => {
        expect(() => execFileSync(process.execPath, [SCRIPT, '--run', mode, '2', store], { stdio: 'pipe' })).not.toThrow();
      });
    }
  }
});

/**
 * The README's set-up snippets are the files that the pack acceptance test (test/pack/) runs in fresh
 * apps installed from the npm registry: each one must stand in the README verbatim, as a code block.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const SNIPPETS = join(__dirname, 'pack', 'snippets');
const codeBlocks = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((match) => match[1]);

describe('README snippets', () => {
  const files = readdirSync(SNIPPETS);

  it('are all there: the NodeSDK set-up, beside getNodeAutoInstrumentations(), the tree exporter, registerInstrumentations, the testing kit', () => {
    expect(files.sort()).toEqual(['auto-instrumentations.cjs', 'capital.test.mjs', 'manual-tracing.cjs', 'tracing.cjs', 'tree-tracing.cjs']);
  });

  for (const file of files) {
    it(`${file} stands in the README as one code block, verbatim`, () => {
      expect(codeBlocks).toContain(readFileSync(join(SNIPPETS, file), 'utf8'));
    });
  }

  it('the NodeSDK set-up is also the example the demo runs', () => {
    const example = readFileSync(join(ROOT, 'examples', 'nodesdk-tracing.cjs'), 'utf8');
    for (const line of readFileSync(join(SNIPPETS, 'tracing.cjs'), 'utf8').split('\n').filter((text) => text.startsWith('const') || text.includes('instrumentations'))) {
      expect(example).toContain(line);
    }
  });
});

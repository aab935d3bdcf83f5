/**
 * The documentation's snippets are the files that the pack acceptance test (test/pack/) runs in fresh
 * apps installed from the npm registry: each one stands verbatim, as a code block, in the document
 * named below, and the README, ARCHITECTURE.md and docs/ hold no other JavaScript code block, so that
 * every snippet a reader copies is one that ran.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const SNIPPETS = join(__dirname, '..', 'pack', 'snippets');
const DOCUMENTS = [
  'README.md',
  'ARCHITECTURE.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
/** Where each snippet stands. */
const PLACES: Record<string, string> = {
  'tracing.cjs': 'README.md',
  'agent.mjs': 'README.md',
  'bundled.mjs': 'README.md',
  'manual-tracing.cjs': 'docs/setup.md',
  'auto-instrumentations.cjs': 'docs/setup.md',
  'tree-tracing.cjs': 'docs/setup.md',
  'capital.test.mjs': 'docs/testing.md',
};
const JAVASCRIPT = new Set(['js', 'javascript', 'mjs', 'cjs', 'ts', 'typescript']);

function codeBlocks(document: string): Array<{ language: string; code: string }> {
  const text = readFileSync(join(ROOT, document), 'utf8');
  return [...text.matchAll(/^```([a-z]*)\n([\s\S]*?)^```$/gm)].map((match) => ({ language: match[1], code: match[2] }));
}

const snippet = (file: string) => readFileSync(join(SNIPPETS, file), 'utf8');

describe('documentation snippets', () => {
  const files = readdirSync(SNIPPETS);

  it('are all there: NodeSDK, a hand-written agent loop, instrumentClient, registerInstrumentations, beside getNodeAutoInstrumentations(), the tree exporter, the testing kit', () => {
    expect(files.sort()).toEqual(Object.keys(PLACES).sort());
  });

  for (const file of files) {
    it(`${file} stands in ${PLACES[file]} as one code block, verbatim`, () => {
      expect(codeBlocks(PLACES[file]).map((block) => block.code)).toContain(snippet(file));
    });
  }

  it.each(DOCUMENTS)('%s holds no JavaScript code block but the snippets (every one a reader copies has run)', (document) => {
    const snippets = files.map(snippet);
    for (const block of codeBlocks(document).filter((each) => JAVASCRIPT.has(each.language))) {
      expect(snippets, `a ${block.language} block of ${document} that is no file of test/pack/snippets/`).toContain(block.code);
    }
  });

  it('the NodeSDK set-up is also the example the demo runs', () => {
    const example = readFileSync(join(ROOT, 'examples', 'nodesdk-tracing.cjs'), 'utf8');
    for (const line of snippet('tracing.cjs')
      .split('\n')
      .filter((text) => text.startsWith('const') || text.includes('instrumentations'))) {
      expect(example).toContain(line);
    }
  });
});

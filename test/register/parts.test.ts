// The parts of register.mjs's start-up that decide without loading anything: the lazy exporter,
// whether a file runs as an ES module, the app's entry, where an `import` of a package lands
// (checked against Node's own resolver), and the hooks that patch an SDK's ES modules as they are
// imported (driven here by hand; by Node 22 in register.test.ts and zero-code.test.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, isWrapped } from '@opentelemetry/instrumentation';
import { AnthropicInstrumentation } from '../../src/anthropic/instrumentation';
import { appEntry } from '../../src/register/app-entry';
import { prepatchInstalledSDKs } from '../../src/register/esm-prepatch';
import { ImportPatcher, PATCH_CALLBACK_KEY, withPatchCall } from '../../src/register/import-patch';
import { esmEntry, findInstalledPackage, packageFile } from '../../src/register/installed-package';
import { LazyExporter } from '../../src/register/lazy-exporter';
import type { Exporter } from '../../src/register/lazy-exporter';
import { isESMFile } from '../../src/register/module-format';
import { ROOT } from '../helpers/run-app';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'otel-genai-register-parts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** What Node's ESM resolver gives for each specifier from `from` (a file URL's path), or null when it throws. */
function nodeResolves(from: string, specifiers: string[]): Record<string, string | null> {
  const code = `const out = {}; for (const s of ${JSON.stringify(specifiers)}) { try { out[s] = import.meta.resolve(s); } catch { out[s] = null; } } console.log(JSON.stringify(out));`;
  const urls = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: from, encoding: 'utf8' })) as Record<
    string,
    string | null
  >;
  return Object.fromEntries(Object.entries(urls).map(([specifier, url]) => [specifier, url === null ? null : fileURLToPath(url)]));
}

describe('LazyExporter', () => {
  function fakeExporter() {
    const calls: string[] = [];
    const exporter: Exporter<string> = {
      export: (items, done) => {
        calls.push(`export ${items.join(',')}`);
        done({ code: ExportResultCode.SUCCESS });
      },
      forceFlush: async () => void calls.push('forceFlush'),
      shutdown: async () => void calls.push('shutdown'),
    };
    return { calls, exporter };
  }

  it('builds the real exporter on the first export only, then forwards everything to it', async () => {
    const { calls, exporter } = fakeExporter();
    let created = 0;
    const lazy = new LazyExporter(() => (created++, exporter));
    await lazy.forceFlush();
    expect(created).toBe(0);
    const results: ExportResult[] = [];
    lazy.export(['a'], (result) => results.push(result));
    lazy.export(['b', 'c'], (result) => results.push(result));
    await lazy.forceFlush();
    await lazy.shutdown();
    expect(created).toBe(1);
    expect(lazy.created).toBe(true);
    expect(calls).toEqual(['export a', 'export b,c', 'forceFlush', 'shutdown']);
    expect(results.map((result) => result.code)).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
  });

  it('a shutdown with nothing exported never builds it, and exports after shutdown fail', async () => {
    let created = 0;
    const lazy = new LazyExporter(() => (created++, fakeExporter().exporter));
    await lazy.shutdown();
    const results: ExportResult[] = [];
    lazy.export(['late'], (result) => results.push(result));
    expect(created).toBe(0);
    expect(results[0].code).toBe(ExportResultCode.FAILED);
  });

  it('an exporter that cannot be built fails each export with its error, and is tried once', () => {
    let attempts = 0;
    const lazy = new LazyExporter<string>(() => {
      attempts++;
      throw new Error('bad endpoint');
    });
    const results: ExportResult[] = [];
    lazy.export(['a'], (result) => results.push(result));
    lazy.export(['b'], (result) => results.push(result));
    expect(attempts).toBe(1);
    expect(results.map((result) => [result.code, result.error?.message])).toEqual([
      [ExportResultCode.FAILED, 'bad endpoint'],
      [ExportResultCode.FAILED, 'bad endpoint'],
    ]);
  });
});

describe('isESMFile: as Node decides, without loading the file', () => {
  beforeAll(() => {
    write({
      'format/a.mjs': '',
      'format/a.cjs': 'import x from "y";',
      'format/module/package.json': '{ "type": "module" }',
      'format/module/a.js': 'module.exports = 1;',
      'format/module/nested/b.js': '',
      'format/commonjs/package.json': '{ "type": "commonjs" }',
      'format/commonjs/a.js': 'import x from "y";',
      'format/typeless/package.json': '{ "name": "typeless" }',
      'format/typeless/import.js': 'import x from "node:path";',
      'format/typeless/export.js': '#!/usr/bin/env node\nexport const x = 1;',
      'format/typeless/meta.js': 'console.log(import.meta.url);',
      'format/typeless/tla.js': 'const x = await Promise.resolve(1);',
      'format/typeless/redeclare.js': 'const require = 1;',
      'format/typeless/cjs.js': "const { join } = require('node:path');\nmodule.exports = () => import('x');\nconst s = 'import x from y';",
      'format/typeless/return.js': 'if (process.env.X) return;\nmodule.exports = 1;',
    });
  });

  it.each([
    ['a.mjs', true],
    ['a.cjs', false],
    ['module/a.js', true],
    ['module/nested/b.js', true],
    ['commonjs/a.js', false],
    ['typeless/import.js', true],
    ['typeless/export.js', true],
    ['typeless/meta.js', true],
    ['typeless/tla.js', true],
    ['typeless/redeclare.js', true],
    ['typeless/cjs.js', false],
    ['typeless/return.js', false],
  ])('%s: %s', (file, esm) => {
    expect(isESMFile(join(dir, 'format', file))).toBe(esm);
  });
});

describe('appEntry', () => {
  beforeAll(() => write({ 'entry/package.json': '{ "type": "module" }', 'entry/main.js': '', 'entry/tool.cjs': '' }));

  it('a file: its folder, its format; the extension found as Node finds it', () => {
    expect(appEntry(['node', 'main'], [], join(dir, 'entry'))).toEqual({
      file: join(dir, 'entry', 'main.js'),
      dir: join(dir, 'entry'),
      esm: true,
    });
    expect(appEntry(['node', join(dir, 'entry', 'tool.cjs')], [], ROOT)).toMatchObject({ dir: join(dir, 'entry'), esm: false });
  });

  it('-e, -p, stdin: the working directory; ESM unless --input-type=commonjs', () => {
    expect(appEntry(['node'], ['--import', 'x'], '/somewhere')).toEqual({ file: undefined, dir: '/somewhere', esm: true });
    expect(appEntry(['node'], ['--input-type=commonjs', '-e', '1'], '/somewhere').esm).toBe(false);
    expect(appEntry(['node', '-'], ['--input-type', 'commonjs'], '/somewhere').esm).toBe(false);
    expect(appEntry(['node', '-'], ['--input-type=module'], '/somewhere').esm).toBe(true);
  });
});

describe('where an import of a package lands, as Node resolves it', () => {
  it('the instrumented SDKs and the files the instrumentations name', () => {
    const specifiers = ['@anthropic-ai/sdk', 'openai', '@anthropic-ai/sdk/resources/index'];
    const node = nodeResolves(ROOT, specifiers);
    const anthropic = findInstalledPackage('@anthropic-ai/sdk', ROOT)!;
    expect(esmEntry(anthropic)).toBe(node['@anthropic-ai/sdk']);
    expect(esmEntry(findInstalledPackage('openai', ROOT)!)).toBe(node.openai);
    // What the Bedrock and Vertex SDKs import from it, by the path the instrumentation names.
    expect(packageFile(anthropic, 'resources/index.mjs')).toBe(node['@anthropic-ai/sdk/resources/index']);
    expect(anthropic.version).toMatch(/^\d+\.\d+\.\d+/);
    // An older line, from its own folder.
    const compat = join(ROOT, 'compat', 'openai-4');
    expect(esmEntry(findInstalledPackage('openai', compat)!)).toBe(nodeResolves(compat, ['openai']).openai);
  });

  it('every shape of exports, main, and symlinked packages', () => {
    const packages: Record<string, unknown> = {
      'p-string': { exports: './lib/main.mjs' },
      'p-conditions': { exports: { require: './lib/main.cjs', import: './lib/main.mjs' } },
      'p-nested': {
        exports: { '.': { types: './x.d.ts', node: { import: './lib/main.mjs', require: './lib/main.cjs' }, default: './lib/other.mjs' } },
      },
      'p-default': { exports: { '.': { browser: './lib/browser.mjs', default: './lib/main.mjs' }, './sub': './lib/other.mjs' } },
      'p-array': { exports: [{ import: './lib/main.mjs' }, './lib/main.cjs'] },
      'p-null': { exports: { '.': null, './sub': './lib/other.mjs' } },
      'p-main': { main: 'lib/main.cjs' },
      'p-main-dir': { main: 'lib' },
      'p-none': {},
      '@scope/p': { exports: { '.': { import: './lib/main.mjs' } } },
    };
    const files: Record<string, string> = {};
    for (const [name, fields] of Object.entries(packages)) {
      const root = join('resolve', 'store', name);
      files[join(root, 'package.json')] = JSON.stringify({ name, version: '1.0.0', ...(fields as object) });
      for (const file of ['lib/main.mjs', 'lib/main.cjs', 'lib/other.mjs', 'lib/browser.mjs', 'lib/index.js', 'index.js'])
        files[join(root, file)] = '';
    }
    write(files);
    mkdirSync(join(dir, 'resolve', 'app', 'node_modules', '@scope'), { recursive: true });
    for (const name of Object.keys(packages))
      symlinkSync(join(dir, 'resolve', 'store', name), join(dir, 'resolve', 'app', 'node_modules', name), 'dir');
    const from = join(dir, 'resolve', 'app');
    const node = nodeResolves(from, Object.keys(packages));
    // Node names the file by its real path; importing the linked path gives that same module.
    const ours = Object.fromEntries(
      Object.keys(packages).map((name) => {
        const file = esmEntry(findInstalledPackage(name, from)!);
        return [name, file === undefined ? null : realpathSync(file)];
      }),
    );
    expect(ours).toEqual(node);
    expect(findInstalledPackage('not-installed', from)).toBeUndefined();
  });
});

describe('prepatchInstalledSDKs', () => {
  it('patches the ES module copies the app folder resolves, as the hook would, and disable() / enable() reach them', async () => {
    const instrumentation = new AnthropicInstrumentation();
    const patched = await prepatchInstalledSDKs([instrumentation], ROOT);
    const sdk = join(ROOT, 'node_modules', '@anthropic-ai', 'sdk');
    expect(patched.map(({ module, file }) => [module, file])).toEqual([
      ['@anthropic-ai/sdk', join(sdk, 'index.mjs')],
      ['@anthropic-ai/sdk', join(sdk, 'resources', 'index.mjs')],
    ]);
    // The module instance an app's `import` gets.
    const namespace = (await import(pathToFileURL(join(sdk, 'index.mjs')).href)) as {
      default: { Messages: { prototype: { create: unknown } } };
    };
    expect(patched[0].version).toMatch(/^1\.\d+\.\d+$/);
    expect(isWrapped(namespace.default.Messages.prototype.create)).toBe(true);
    instrumentation.disable();
    expect(isWrapped(namespace.default.Messages.prototype.create)).toBe(false);
    instrumentation.enable();
    expect(isWrapped(namespace.default.Messages.prototype.create)).toBe(true);
    instrumentation.disable();
  });

  it('leaves alone what the folder does not resolve, and patches nothing for a disabled instrumentation', async () => {
    expect(await prepatchInstalledSDKs([new AnthropicInstrumentation()], tmpdir())).toEqual([]);
    expect(await prepatchInstalledSDKs([new AnthropicInstrumentation({ enabled: false })], ROOT)).toEqual([]);
  });
});

describe('ImportPatcher: the SDK files patched as they are imported', () => {
  const sdk = () => join(dir, 'patcher', 'node_modules', 'fake-sdk');
  const url = (path: string) => pathToFileURL(join(sdk(), path)).href;
  const patches: Array<[string, unknown, string | undefined]> = [];
  let enabled = true;
  let failing = false;
  const definition = new InstrumentationNodeModuleDefinition(
    'fake-sdk',
    ['>=2'],
    (exports: unknown, version?: string) => {
      if (failing) throw new Error('patch failed');
      patches.push(['main', exports, version]);
      return exports;
    },
    undefined,
    [
      new InstrumentationNodeModuleFile(
        'fake-sdk/resources/index.mjs',
        ['*'],
        (exports: unknown, version?: string) => {
          patches.push(['resources', exports, version]);
          return exports;
        },
        () => {},
      ),
    ],
  );
  const instrumentation = { getModuleDefinitions: () => [definition], isEnabled: () => enabled };

  beforeAll(() => {
    write({
      'patcher/node_modules/fake-sdk/package.json': JSON.stringify({
        name: 'fake-sdk',
        version: '2.1.0',
        exports: { '.': { require: './index.cjs', import: './index.mjs' }, './*': './*' },
      }),
      'patcher/node_modules/fake-sdk/index.mjs': 'export const a = 1;\n',
      'patcher/node_modules/fake-sdk/resources/index.mjs': 'export const b = 2;\n',
      'patcher/node_modules/fake-sdk/other.mjs': 'export const c = 3;\n',
      'patcher/node_modules/fake-sdk-extra/package.json': JSON.stringify({ name: 'fake-sdk-extra', version: '1.0.0' }),
      'patcher/node_modules/fake-sdk-extra/node_modules/fake-sdk/package.json': JSON.stringify({
        name: 'fake-sdk',
        version: '3.0.0',
        exports: { '.': './index.mjs' },
      }),
      'patcher/node_modules/fake-sdk-extra/node_modules/fake-sdk/index.mjs': 'export const a = 1;\n',
      'patcher/linked/fake-sdk/package.json': JSON.stringify({ name: 'fake-sdk', version: '4.0.0', exports: { '.': './index.mjs' } }),
      'patcher/linked/fake-sdk/index.mjs': 'export const a = 1;\n',
      'patcher/linked/fake-sdk/lib/index.mjs': 'export const a = 1;\n',
      'patcher/aliasing/node_modules/fake-sdk/package.json': JSON.stringify({ name: 'another-sdk', version: '1.0.0' }),
      'patcher/aliasing/node_modules/fake-sdk/index.mjs': 'export const a = 1;\n',
    });
  });

  it('patches nothing of a package whose name only begins like it, nor of a copy whose package.json names another', () => {
    const patcher = new ImportPatcher([instrumentation]);
    for (const other of ['node_modules/fake-sdk-extra', 'aliasing/node_modules/fake-sdk']) {
      const loaded = { format: 'module', source: 'export const a = 1;\n' };
      expect(patcher.load(pathToFileURL(join(dir, 'patcher', other, 'index.mjs')).href, {}, () => loaded)).toBe(loaded);
    }
  });

  it("a copy is known by where its files are: appends the patch call to its entry and the definitions' files only", () => {
    const patcher = new ImportPatcher([instrumentation]);
    const entry = patcher.load(url('index.mjs'), {}, () => ({ format: 'module', source: 'export const a = 1;\n' }));
    expect(entry).toEqual({ format: 'module', source: withPatchCall('export const a = 1;\n', url('index.mjs')) });
    // Node may hand the source over as bytes.
    const resources = patcher.load(url('resources/index.mjs'), {}, () => ({
      format: 'module',
      source: Buffer.from('export const b = 2;\n'),
    }));
    expect(resources.source).toBe(withPatchCall('export const b = 2;\n', url('resources/index.mjs')));
    for (const [file, format] of [
      ['other.mjs', 'module'],
      ['index.mjs', 'commonjs'],
    ] as const) {
      const loaded = { format, source: 'export const c = 3;\n' };
      expect(patcher.load(url(file), {}, () => loaded)).toBe(loaded);
    }
    const elsewhere = { format: 'module', source: 'export {};' };
    expect(patcher.load(pathToFileURL(join(dir, 'app.mjs')).href, {}, () => elsewhere)).toBe(elsewhere);
  });

  it('the first file of a copy loaded, whichever it is, teaches its files; a copy nested in another package is a copy of its own', () => {
    const patcher = new ImportPatcher([instrumentation]);
    const other = { format: 'module', source: '' };
    expect(patcher.load(url('other.mjs'), {}, () => other)).toBe(other);
    expect(patcher.load(url('resources/index.mjs'), {}, () => ({ format: 'module', source: '' })).source).toBe(
      withPatchCall('', url('resources/index.mjs')),
    );
    const nested = pathToFileURL(join(dir, 'patcher', 'node_modules', 'fake-sdk-extra', 'node_modules', 'fake-sdk', 'index.mjs')).href;
    expect(patcher.load(nested, {}, () => ({ format: 'module', source: '' })).source).toBe(withPatchCall('', nested));
  });

  it('a copy outside any node_modules (linked from elsewhere) is known by its nearest package.json', () => {
    const patcher = new ImportPatcher([instrumentation]);
    const linked = (path: string) => pathToFileURL(join(dir, 'patcher', 'linked', 'fake-sdk', path)).href;
    const other = { format: 'module', source: '' };
    expect(patcher.load(linked('lib/index.mjs'), {}, () => other)).toBe(other);
    expect(patcher.load(linked('index.mjs'), {}, () => ({ format: 'module', source: '' })).source).toBe(
      withPatchCall('', linked('index.mjs')),
    );
    const app = { format: 'module', source: 'export {};' };
    expect(patcher.load(pathToFileURL(join(dir, 'app.mjs')).href, {}, () => app)).toBe(app);
  });

  it('hands each namespace to its definition with the installed version, unless disabled; a failing patch stays inside', () => {
    const patcher = new ImportPatcher([instrumentation]);
    patcher.load(url('other.mjs'), {}, () => ({ format: 'module', source: '' }));
    patches.length = 0;
    const main = { a: 1 };
    const resources = { b: 2 };
    patcher.patch(url('index.mjs'), main);
    patcher.patch(url('resources/index.mjs'), resources);
    patcher.patch(url('other.mjs'), {});
    expect(patches).toEqual([
      ['main', main, '2.1.0'],
      ['resources', resources, '2.1.0'],
    ]);
    enabled = false;
    patcher.patch(url('index.mjs'), main);
    enabled = true;
    failing = true;
    expect(() => patcher.patch(url('index.mjs'), main)).not.toThrow();
    failing = false;
    expect(patches).toHaveLength(2);
  });

  it("the appended lines run last and hand over the module's own namespace, every binding set", async () => {
    const file = join(dir, 'patcher', 'self.mjs');
    const source = 'export const early = 1;\nexport class Late {}\nexport default function named() {}\n';
    writeFileSync(file, withPatchCall(source, pathToFileURL(file).href));
    const seen: Array<[string, Record<string, unknown>]> = [];
    const key = Symbol.for(PATCH_CALLBACK_KEY);
    (globalThis as Record<symbol, unknown>)[key] = (at: string, namespace: Record<string, unknown>) => seen.push([at, { ...namespace }]);
    try {
      const namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      expect(seen).toHaveLength(1);
      expect(seen[0][0]).toBe(pathToFileURL(file).href);
      expect(seen[0][1]).toEqual({ ...namespace });
      expect(Object.keys(seen[0][1]).sort()).toEqual(['Late', 'default', 'early']);
    } finally {
      delete (globalThis as Record<symbol, unknown>)[key];
    }
    // The original lines keep their numbers.
    expect(withPatchCall(source, 'file:///x.mjs').startsWith(source)).toBe(true);
  });
});

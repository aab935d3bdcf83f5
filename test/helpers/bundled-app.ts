import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect } from 'vitest';
import { ROOT } from './run-app';

/**
 * `app` bundled with esbuild as an app's own bundler would, for the describe block it is called in
 * (built before its tests, deleted after them): one CommonJS file, nothing marked external, so that
 * platform 'node' leaves only the Node builtins outside. The app imports 'otel-genai', which the
 * package's own "exports" resolve to dist/: `builtExport`, a name dist/index.js must hold, tells a
 * stale dist/ apart.
 */
export function bundledApp(app: string, builtExport: string) {
  const bundled = {
    /** The bundle, to run as `node <file>`. */
    file: '',
    /** The files esbuild inlined, relative to the repo root. */
    inputs: [] as string[],
    /** What the bundle still requires from outside. */
    externals: [] as string[],
  };
  let dir: string | undefined;
  beforeAll(async () => {
    if (!readFileSync(join(ROOT, 'dist', 'index.js'), 'utf8').includes(builtExport))
      throw new Error('dist/ is out of date: run `npm run build` first');
    dir = mkdtempSync(join(tmpdir(), 'otel-genai-bundle-'));
    bundled.file = join(dir, 'app.cjs');
    const result = await build({
      entryPoints: [app],
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      // OpenTelemetry JS 3's ES module files (the gRPC exporter base) call createRequire(import.meta.url)
      // as they load, which a CommonJS bundle leaves undefined: the usual esbuild shim gives it the bundle's URL.
      banner: { js: "const import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
      define: { 'import.meta.url': 'import_meta_url' },
      outfile: bundled.file,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    bundled.inputs = Object.keys(result.metafile.inputs);
    bundled.externals = Object.values(result.metafile.outputs).flatMap((output) =>
      output.imports.filter((entry) => entry.external).map((entry) => entry.path),
    );
  });
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return bundled;
}

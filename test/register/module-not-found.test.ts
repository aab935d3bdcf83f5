/**
 * An app that requires or imports a module that does not exist gets Node's report as without us
 * (issue 18, item 19). The register's ES module hook is a `load` hook only (import-patch.ts): a
 * `resolve` hook, however thin, puts every resolution through Node's hook chain, and a failed one
 * then carried its frames and ours (five more, enough to push the app's own frame out of the
 * default ten), and for `require` another heading line. What remains for `require` are the frames
 * of require-in-the-middle, through which `@opentelemetry/instrumentation` patches CommonJS modules
 * (`Module.prototype.require` is its function, so Node's own frame reads `Module.<anonymous>`), and
 * what any `--import` changes (the main module run by the ES module loader).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runApp } from '../helpers/run-app';

const APPS = join(__dirname, '..', 'apps');
const env = { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };
/** An empty `--import`: what Node does differently for any app started with one. */
const EMPTY_IMPORT = ['--import', 'data:text/javascript,'];

/** The frame lines of a report (the last one without the ` {` that opens the error's fields). */
const frames = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => /^ {4}at /.test(line))
    .map((line) => line.replace(/ \{$/, ''));

describe('a module that does not exist', () => {
  for (const app of ['missing-module.mjs', 'missing-import.mjs']) {
    it(`${app} (ES module): the same report under register as without`, async () => {
      const bare = await runApp(join(APPS, app), { env });
      const traced = await runApp(join(APPS, app), { env, register: true });
      expect(bare.stderr).toContain('ERR_MODULE_NOT_FOUND');
      expect(traced.code).toBe(bare.code);
      expect(traced.stderr).toBe(bare.stderr);
    });
  }

  it("missing-module.cjs (require): no frame of ours or of Node's module hooks; beside what any --import changes, only require-in-the-middle's frames", async () => {
    const app = join(APPS, 'missing-module.cjs');
    const bare = await runApp(app, { env });
    const baseline = await runApp(app, { env, args: EMPTY_IMPORT });
    const traced = await runApp(app, { env, register: true });
    expect(bare.stderr).toContain("Error: Cannot find module 'no-such-package-anywhere'");
    expect(traced.code).toBe(bare.code);
    expect(traced.stderr).not.toMatch(/otel-genai|dist\/register|customization_hooks/);
    // The heading and the message as with any --import.
    const beforeFrames = (stderr: string) => stderr.slice(0, stderr.indexOf('    at '));
    expect(beforeFrames(traced.stderr)).toBe(beforeFrames(baseline.stderr));
    // Every frame, require-in-the-middle's aside, as with any --import.
    const all = ['--stack-trace-limit=50'];
    const fullBaseline = await runApp(app, { env, args: [...all, ...EMPTY_IMPORT] });
    const fullTraced = await runApp(app, { env, register: true, args: all });
    const withoutRITM = frames(fullTraced.stderr)
      .filter((line) => !line.includes('require-in-the-middle'))
      .map((line) =>
        line.replace(/at Module\.<anonymous> \(node:internal\/modules\/cjs\/loader/, 'at Module.require (node:internal/modules/cjs/loader'),
      );
    expect(withoutRITM).toEqual(frames(fullBaseline.stderr));
    expect(withoutRITM.some((line) => line.includes(`(${app}:2:1)`))).toBe(true);
  });
});

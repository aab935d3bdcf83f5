/**
 * Fresh apps for the pack test: a folder with a bare package.json, into which npm installs what a
 * user would, from the npm registry (and the packed tarball), on Node 22 (tools/with-node), with
 * npm's one cache; at most two npm processes at a time (a 2-core machine).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from '../helpers/run-app';

export const WITH_NODE = join(ROOT, 'tools', 'with-node');
/** What every install passes: no audit or funding requests, the cache before the registry. */
export const INSTALL_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline'];

export interface NpmRun {
  command: string;
  code: number;
  stdout: string;
  /** stdout and stderr, in that order. */
  output: string;
}

/** `npm …args` in `cwd` on Node 22. Never rejects: the exit code and output are the result. */
export function npm(cwd: string, args: string[], timeoutMs = 240_000): Promise<NpmRun> {
  const command = `npm ${args.join(' ')}`;
  return new Promise((resolve) => {
    execFile(WITH_NODE, ['22', 'npm', ...args], { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // A number is npm's exit code; anything else (a timeout, no such file) is reported as -1.
      const exit = (error as { code?: unknown } | null)?.code;
      const code = error === null ? 0 : typeof exit === 'number' ? exit : -1;
      resolve({ command, code, stdout, output: `${stdout}${stderr}${code === -1 ? `\n${String(error)}` : ''}` });
    });
  });
}

// Two npm processes at a time.
const SLOTS = 2;
let running = 0;
const waiting: Array<() => void> = [];
async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= SLOTS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export interface FreshApp {
  dir: string;
  /** One `npm install` per step, in order; the steps stop at the first that failed. */
  installs: NpmRun[];
}

/**
 * Makes `parent/name` with a bare package.json, runs `npm install FLAGS …step` for each step in
 * order, then copies `files` (path in the app → source file) in.
 */
export async function freshApp(parent: string, name: string, steps: string[][], files: Record<string, string> = {}): Promise<FreshApp> {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, version: '1.0.0', private: true }, null, 2)}\n`);
  const installs: NpmRun[] = [];
  for (const step of steps) {
    const run = await withSlot(() => npm(dir, ['install', ...INSTALL_FLAGS, ...step]));
    installs.push(run);
    if (run.code !== 0) break;
  }
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    copyFileSync(source, join(dir, path));
  }
  return { dir, installs };
}

/** Throws with npm's output unless every install step of `app` succeeded. */
export function installed(app: FreshApp, steps: number): FreshApp {
  const failed = app.installs.find((run) => run.code !== 0);
  if (failed !== undefined) throw new Error(`${failed.command} in ${app.dir} exited ${failed.code}:\n${failed.output}`);
  if (app.installs.length !== steps) throw new Error(`${app.dir}: ${app.installs.length} of ${steps} installs ran`);
  return app;
}

/**
 * Every installed copy of package `name` under `dir`/node_modules, nested ones included: the
 * folders `…/node_modules/<name>` that hold a package.json, relative to `dir`.
 */
export function installedCopies(dir: string, name: string): string[] {
  const copies: string[] = [];
  const visit = (nodeModules: string): void => {
    if (!existsSync(nodeModules)) return;
    for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const packages = entry.name.startsWith('@')
        ? readdirSync(join(nodeModules, entry.name), { withFileTypes: true })
            .filter((scoped) => scoped.isDirectory())
            .map((scoped) => `${entry.name}/${scoped.name}`)
        : [entry.name];
      for (const pkg of packages) {
        const folder = join(nodeModules, pkg);
        if (pkg === name && existsSync(join(folder, 'package.json'))) copies.push(relative(dir, folder));
        visit(join(folder, 'node_modules'));
      }
    }
  };
  visit(join(dir, 'node_modules'));
  return copies.sort();
}

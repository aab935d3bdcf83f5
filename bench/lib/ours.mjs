// Where the bench loads otel-genai from. With the bench's own install, a copy of the package (what
// `npm pack` ships: package.json, register.mjs, dist/) in bench/node_modules/otel-genai, in place of
// npm's link to the repo: through the link, Node resolves our dependencies from the repo's
// node_modules, so that a second @opentelemetry/api (and the rest of our OpenTelemetry packages) was
// loaded beside the copy the SDK and the tracer provider use, which no app installed from npm has.
// With the root install (`--deps=root`, the CI smoke), the repo itself: one copy of everything there.
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

const SHIPPED = ['package.json', 'register.mjs', 'dist'];

/** The folder the measured processes resolve everything from: the bench's own install when there is one, else the repo's. */
export function depsDir(bench, root) {
  return existsSync(join(bench, 'node_modules', '@opentelemetry', 'sdk-trace')) ? bench : root;
}

/** Installs the built package for the bench (unless the copy is already current) and returns its folder; throws when it is not built. */
export function installOurs(root, depsDir) {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first');
  if (depsDir === root) return root;
  const target = join(depsDir, 'node_modules', 'otel-genai');
  const existing = lstatSync(target, { throwIfNoEntry: false });
  // Another bench process may be loading the copy: leave a current one alone.
  if (existing?.isDirectory() && SHIPPED.every((entry) => sameTree(join(root, entry), join(target, entry)))) return target;
  const staging = `${target}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const entry of SHIPPED) cpSync(join(root, entry), join(staging, entry), { recursive: true, preserveTimestamps: true });
  // Two bench processes started together after a build both refresh the copy: every step below is a
  // rename or an unlink, so that neither deletes a folder the other is filling.
  const aside = `${target}.old.${process.pid}`;
  try {
    // The link npm made points at the repo itself: remove the link, never what it points to.
    if (existing?.isSymbolicLink()) unlinkSync(target);
    else if (existing !== undefined) renameSync(target, aside);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  try {
    renameSync(staging, target);
  } catch (error) {
    // The other process put its copy, of the same build, in place first.
    if (error.code !== 'EEXIST' && error.code !== 'ENOTEMPTY') throw error;
    rmSync(staging, { recursive: true, force: true });
  }
  rmSync(aside, { recursive: true, force: true });
  return target;
}

function sameTree(from, to) {
  const a = statSync(from);
  const b = statSync(to, { throwIfNoEntry: false });
  if (b === undefined || a.isDirectory() !== b.isDirectory()) return false;
  if (!a.isDirectory()) return a.size === b.size && Math.trunc(a.mtimeMs) === Math.trunc(b.mtimeMs);
  const entries = readdirSync(from);
  return entries.length === readdirSync(to).length && entries.every((entry) => sameTree(join(from, entry), join(to, entry)));
}

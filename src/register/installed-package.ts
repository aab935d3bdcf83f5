/**
 * Where an `import` of a package from a folder lands, found without loading anything: the package's
 * folder by the node_modules lookup, its package.json, and the file its `exports` give under the
 * conditions Node's ESM resolver uses (`node`, `import`, `default`). An `import()` of that file
 * is the very module instance the app's own `import` gets: Node applies the same symlink rule
 * (followed unless `--preserve-symlinks`) to both.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';

export interface InstalledPackage {
  dir: string;
  name: string | undefined;
  version: string | undefined;
  exports?: unknown;
  main?: unknown;
}

const CONDITIONS = new Set(['node', 'import', 'default']);
// Node >= 20.19 and >= 22.12 (require() of ES modules) add `module-sync` to the conditions of `import`.
if ((process.features as { require_module?: boolean }).require_module) CONDITIONS.add('module-sync');

export function findInstalledPackage(name: string, fromDir: string): InstalledPackage | undefined {
  for (const base of createRequire(join(fromDir, 'noop.js')).resolve.paths(name) ?? []) {
    // The global folders and NODE_PATH serve require() only.
    if (basename(base) !== 'node_modules') continue;
    const pkg = readInstalledPackage(join(base, ...name.split('/')));
    if (pkg !== undefined) return pkg;
  }
  return undefined;
}

/** The package in `dir`, from its package.json; undefined when it has none (or an unreadable one). */
export function readInstalledPackage(dir: string): InstalledPackage | undefined {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return {
    dir,
    name: typeof json.name === 'string' ? json.name : undefined,
    version: typeof json.version === 'string' ? json.version : undefined,
    exports: json.exports,
    main: json.main,
  };
}

/** The file an `import` of the package's name loads, or undefined when there is none. */
export function esmEntry(pkg: InstalledPackage): string | undefined {
  if (pkg.exports === undefined) return legacyMain(pkg);
  const target = conditionalTarget(rootExport(pkg.exports));
  return typeof target === 'string' && target.startsWith('./') ? existing(join(pkg.dir, target)) : undefined;
}

/** A file of the package by its path in the package, named as Node names it. */
export function packageFile(pkg: InstalledPackage, path: string): string | undefined {
  return existing(join(pkg.dir, path));
}

function rootExport(exports: unknown): unknown {
  if (typeof exports !== 'object' || exports === null || Array.isArray(exports)) return exports;
  const keys = Object.keys(exports);
  return keys.some((key) => key.startsWith('.')) ? (exports as Record<string, unknown>)['.'] : exports;
}

function conditionalTarget(target: unknown): unknown {
  if (typeof target === 'string' || target === null) return target;
  if (Array.isArray(target)) {
    for (const each of target) {
      const resolved = conditionalTarget(each);
      if (typeof resolved === 'string') return resolved;
    }
    return undefined;
  }
  if (typeof target === 'object') {
    for (const [condition, value] of Object.entries(target)) {
      if (!CONDITIONS.has(condition)) continue;
      const resolved = conditionalTarget(value);
      if (resolved !== undefined) return resolved;
    }
  }
  return undefined;
}

/** A package without `exports`: its `main` as Node's ESM resolver tries it, else index.js. */
function legacyMain(pkg: InstalledPackage): string | undefined {
  const main = typeof pkg.main === 'string' ? pkg.main : undefined;
  const candidates = main === undefined ? [] : [main, `${main}.js`, `${main}.json`, `${main}.node`, join(main, 'index.js')];
  for (const candidate of [...candidates, 'index.js']) {
    const file = existing(join(pkg.dir, candidate));
    if (file !== undefined) return file;
  }
  return undefined;
}

function existing(file: string): string | undefined {
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

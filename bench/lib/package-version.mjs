// The version of package `name` as `require` resolves it: the nearest package.json of that name above
// its entry (or its own package.json, for a package whose entry `require` cannot resolve).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function packageVersion(require, name) {
  let dir;
  try {
    dir = dirname(require.resolve(name));
  } catch {
    try {
      dir = dirname(require.resolve(`${name}/package.json`));
    } catch {
      return undefined;
    }
  }
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.name === name) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

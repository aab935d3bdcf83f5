/**
 * The application's entry, as a `--import` module sees it before Node loads it: the folder its bare
 * imports resolve from and whether it runs as an ES module.
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { isESMFile } from './module-format';

export interface AppEntry {
  /** The entry file, from `process.argv[1]`; undefined for `-e`, `-p`, stdin and the REPL. */
  file: string | undefined;
  /** Where the app's imports resolve from: the entry file's folder, else the working directory. */
  dir: string;
  /** Whether it runs as an ES module. Code given with `-e` or on stdin may be either, unless `--input-type=commonjs`. */
  esm: boolean;
}

/** From `process.argv` (`[node, entry?, ...]`), `process.execArgv` and the working directory. */
export function appEntry(
  argv: readonly string[] = process.argv,
  execArgv: readonly string[] = process.execArgv,
  cwd = process.cwd(),
): AppEntry {
  const argv1 = argv[1];
  if (argv1 === undefined || argv1 === '-') return { file: undefined, dir: cwd, esm: inputType(execArgv) !== 'commonjs' };
  const file = mainFile(resolve(cwd, argv1));
  return { file, dir: dirname(file), esm: isESMFile(file) };
}

/** The file Node runs for a main path: extensions and folders resolved, symlinks followed, as Node does. */
function mainFile(path: string): string {
  try {
    return createRequire(__filename).resolve(path);
  } catch {
    return path; // Node will say it is missing
  }
}

function inputType(execArgv: readonly string[]): string | undefined {
  for (let i = 0; i < execArgv.length; i++) {
    if (execArgv[i].startsWith('--input-type=')) return execArgv[i].slice('--input-type='.length);
    if (execArgv[i] === '--input-type') return execArgv[i + 1];
  }
  return undefined;
}

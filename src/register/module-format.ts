/**
 * Whether Node runs a file as an ES module, decided the way Node decides it, without loading the
 * file: the extension, else the `type` of the nearest package.json, else (no `type`) whether the
 * source has module syntax, which Node >= 20.19 and >= 22.7 detect.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/** What a CommonJS compile of a module says about `import`, `export` and `import.meta` (Node's own list). */
const ESM_SYNTAX_ERRORS = [
  'Cannot use import statement outside a module',
  "Unexpected token 'export'",
  "Cannot use 'import.meta' outside a module",
];
/** Errors that CommonJS alone raises (top-level await, redeclared wrapper variables): Node then runs the file as ESM. */
const COMMONJS_ONLY_ERRORS = [
  'await is only valid in async functions and the top level bodies of modules',
  "Identifier 'module' has already been declared",
  "Identifier 'exports' has already been declared",
  "Identifier 'require' has already been declared",
  "Identifier '__filename' has already been declared",
  "Identifier '__dirname' has already been declared",
];

export function isESMFile(file: string): boolean {
  const extension = extname(file);
  if (extension === '.mjs' || extension === '.mts') return true;
  if (extension === '.cjs' || extension === '.cts' || extension === '.json' || extension === '.node') return false;
  const type = packageScopeType(dirname(file));
  if (type === 'module') return true;
  if (type === 'commonjs') return false;
  return hasModuleSyntax(file);
}

/** The `type` field of the package.json that scopes files in `dir`, as Node looks it up. */
export function packageScopeType(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    if (basename(current) === 'node_modules') return undefined;
    let json: string | undefined;
    try {
      json = readFileSync(join(current, 'package.json'), 'utf8');
    } catch {
      // no package.json here
    }
    if (json !== undefined) {
      try {
        const type = (JSON.parse(json) as { type?: unknown }).type;
        return typeof type === 'string' ? type : undefined;
      } catch {
        return undefined;
      }
    }
    if (dirname(current) === current) return undefined;
  }
}

function hasModuleSyntax(file: string): boolean {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  // The cheap answer for most CommonJS files: none of the words that could make it a module.
  if (!/\b(?:import|export|await)\b|\b(?:const|let|var|class|function)\s+(?:module|exports|require|__filename|__dirname)\b/.test(source))
    return false;
  try {
    // node:vm only for the files that need it (Node does not load it at start-up).
    (require('node:vm') as typeof import('node:vm')).compileFunction(
      source.replace(/^#!.*/, ''),
      ['exports', 'require', 'module', '__filename', '__dirname'],
      { filename: file },
    );
    return false;
  } catch (error) {
    const message = error instanceof SyntaxError ? error.message : '';
    return [...ESM_SYNTAX_ERRORS, ...COMMONJS_ONLY_ERRORS].some((known) => message.includes(known));
  }
}

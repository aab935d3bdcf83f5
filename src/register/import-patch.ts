/**
 * ESM apps on a Node with synchronous module hooks (`module.registerHooks`): the ES module files of
 * the instrumented SDKs are patched in place as the app imports them, as the pre-patch of older Node
 * lines (esm-prepatch.ts) patches them up front, but only when and where they are imported: any copy (one
 * nested in another package too), through `import` or `import()`, and never one the app does not use.
 *
 * One in-thread hook, `load`. It hands every module back as Node loaded it; for an ES module of an
 * instrumented package's copy (a file under `node_modules/<name>/`, or, outside any node_modules,
 * one whose nearest package.json names the package: a linked copy) it learns, once per copy, which
 * of the copy's files the instrumentations' definitions patch (the ES module entry and the
 * definitions' files), and to one of those files it appends two lines: an import of the module's own
 * namespace, and a call that hands the namespace over once the module's body has run. The namespace
 * itself cannot be changed and need not be: what the instrumentations patch are the classes'
 * prototypes.
 *
 * No `resolve` hook (issue 18, item 19): with one, every `require` and `import` resolves through
 * Node's hook chain, and an error of resolution (a module not found) carries its frames and ours
 * (five more lines, enough to push the app's own frame out of the default ten) and, for `require`,
 * another source line in Node's report.
 *
 * Why not import-in-the-middle's in-thread hook, which wraps the module instead: to build its wrapper
 * it reads and lexes the SDK's whole import graph, which on Node 22 costs about 0.3× a bare start-up
 * for `@anthropic-ai/sdk`, and loading the hook itself 0.15× more. It stays available, on request,
 * as `OTEL_GENAI_ESM_LOADER_HOOK=true`.
 */
import * as nodeModule from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { diag } from '@opentelemetry/api';
import type { InstrumentationModuleDefinition, InstrumentationModuleFile } from '@opentelemetry/instrumentation';
import { patchModule, patchTargets } from './patch-module';
import type { PatchableInstrumentation } from './patch-module';
import { readInstalledPackage } from './installed-package';

interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | ArrayBufferView | null;
  shortCircuit?: boolean;
}
export type LoadHook = (url: string, context: object, nextLoad: (url: string, context?: object) => LoadResult) => LoadResult;
type RegisterHooks = (hooks: { load: LoadHook }) => unknown;

/** The global through which an appended line reaches the patcher (the module imports nothing of ours). */
export const PATCH_CALLBACK_KEY = 'otel-genai.patch-imported-module';

interface Target {
  instrumentation: PatchableInstrumentation;
  definition: InstrumentationModuleDefinition;
  /** Undefined for the definition's main entry. */
  file: InstrumentationModuleFile | undefined;
}

interface FileTargets {
  targets: Target[];
  version: string | undefined;
}

interface InstrumentedModule {
  name: string;
  /** `/node_modules/<name>/`, which the URL of one of its installed files holds. */
  marker: string;
  definitions: Array<{ instrumentation: PatchableInstrumentation; definition: InstrumentationModuleDefinition }>;
}

export class ImportPatcher {
  private readonly modules: InstrumentedModule[] = [];
  /** The files to patch, by URL, of every installed copy seen so far. */
  private readonly files = new Map<string, FileTargets>();
  /** The folders (URLs, ending in `/`) of the installed copies seen so far. */
  private readonly packageDirs = new Set<string>();
  /** The folders outside any node_modules whose modules have been looked at. */
  private readonly foldersOutside = new Set<string>();

  constructor(instrumentations: readonly PatchableInstrumentation[]) {
    for (const instrumentation of instrumentations) {
      for (const definition of instrumentation.getModuleDefinitions()) {
        let module = this.modules.find((each) => each.name === definition.name);
        if (module === undefined) {
          module = { name: definition.name, marker: `/node_modules/${definition.name}/`, definitions: [] };
          this.modules.push(module);
        }
        module.definitions.push({ instrumentation, definition });
      }
    }
  }

  readonly load: LoadHook = (url, context, nextLoad) => {
    const result = nextLoad(url, context);
    if (result.format !== 'module' || result.source == null) return result;
    const found = this.files.get(url) ?? this.learnFrom(url);
    if (found === undefined) return result;
    try {
      const source = typeof result.source === 'string' ? result.source : new TextDecoder().decode(result.source);
      return { ...result, source: withPatchCall(source, url) };
    } catch (error) {
      diag.error(`otel-genai: could not instrument ${url}`, error);
      return result;
    }
  };

  /** From the line appended to a module: its namespace, complete. Never throws into the module. */
  patch(url: string, namespace: unknown): void {
    const found = this.files.get(url);
    if (found === undefined) return;
    for (const { instrumentation, definition, file } of found.targets) {
      try {
        if (patchModule(instrumentation, definition, file, namespace, found.version)) {
          diag.debug(`otel-genai: instrumented ${definition.name}@${found.version ?? 'unknown'} as it was imported: ${url}`);
        }
      } catch (error) {
        diag.error(`otel-genai: could not instrument ${url}`, error);
      }
    }
  }

  /**
   * The targets of `url` when it is a file of an instrumented package's installed copy not seen
   * before: the copy's files to patch are learned first. A copy is known by the folder its files are
   * in, `node_modules/<name>/` (a few string searches per ES module loaded); outside any
   * `node_modules` (a copy linked from elsewhere, symlinks followed), by the nearest package.json,
   * which Node has looked up already for the module's format.
   */
  private learnFrom(url: string): FileTargets | undefined {
    if (!url.startsWith('file:')) return undefined;
    let learned = false;
    for (const module of this.modules) {
      const at = url.lastIndexOf(module.marker);
      if (at >= 0) learned = this.learnCopy(url.slice(0, at + module.marker.length), module.name, url) || learned;
    }
    if (!learned && !url.includes('/node_modules/')) {
      // Once per folder: the app's own modules come this way.
      const folder = url.slice(0, url.lastIndexOf('/') + 1);
      if (!this.foldersOutside.has(folder)) {
        this.foldersOutside.add(folder);
        const packageJSON = nearestPackageJSON(url);
        if (packageJSON !== undefined) learned = this.learnCopy(pathToFileURL(dirname(packageJSON)).href + '/', undefined, url);
      }
    }
    return learned ? this.files.get(url) : undefined;
  }

  /**
   * Learns the files to patch of the copy in `dirURL` (ending in `/`), once, if it is a copy of an
   * instrumented package (of `name` when given). Whether it learned any.
   */
  private learnCopy(dirURL: string, name: string | undefined, url: string): boolean {
    if (this.packageDirs.has(dirURL)) return false;
    this.packageDirs.add(dirURL);
    try {
      const pkg = readInstalledPackage(fileURLToPath(dirURL));
      const module =
        pkg === undefined || (name !== undefined && pkg.name !== name) ? undefined : this.modules.find((each) => each.name === pkg.name);
      if (pkg === undefined || module === undefined) return false;
      const add = (path: string | undefined, target: Target) => {
        if (path === undefined) return;
        const fileURL = pathToFileURL(path).href;
        const found = this.files.get(fileURL);
        if (found === undefined) this.files.set(fileURL, { targets: [target], version: pkg.version });
        else found.targets.push(target);
      };
      for (const { instrumentation, definition } of module.definitions) {
        for (const { path, file } of patchTargets(pkg, definition)) add(path, { instrumentation, definition, file });
      }
      return true;
    } catch (error) {
      diag.error(`otel-genai: could not read the package of ${url}`, error);
      return false;
    }
  }
}

type FindPackageJSON = (specifier: string) => string | undefined;

/** The path of the package.json nearest above the file `url` (Node's own lookup, >= 22.14), if any. */
function nearestPackageJSON(url: string): string | undefined {
  const find = (nodeModule as { findPackageJSON?: FindPackageJSON }).findPackageJSON;
  if (find === undefined) return undefined;
  try {
    return find(url);
  } catch {
    return undefined;
  }
}

/**
 * The module's source with its own namespace imported and handed over once its body has run. Line
 * numbers (stack traces, source maps) do not move: the lines go after the last one.
 */
export function withPatchCall(source: string, url: string): string {
  const specifier = JSON.stringify(url);
  return (
    `${source}\n;import * as __otelGenAIImportedModule from ${specifier};\n` +
    `globalThis[Symbol.for(${JSON.stringify(PATCH_CALLBACK_KEY)})]?.(${specifier}, __otelGenAIImportedModule);\n`
  );
}

/** Registers the hooks; call once the instrumentations exist and before the app is loaded. */
export function registerImportPatchHook(instrumentations: readonly PatchableInstrumentation[]): void {
  const registerHooks = (nodeModule as { registerHooks?: RegisterHooks }).registerHooks;
  if (registerHooks === undefined) throw new Error('module.registerHooks is not available on this Node');
  const patcher = new ImportPatcher(instrumentations);
  (globalThis as Record<symbol, unknown>)[Symbol.for(PATCH_CALLBACK_KEY)] = (url: string, namespace: unknown) =>
    patcher.patch(url, namespace);
  registerHooks({ load: patcher.load });
}

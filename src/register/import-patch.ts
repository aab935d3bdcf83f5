/**
 * ESM apps on a Node with synchronous module hooks (`module.registerHooks`): the ES module files of
 * the instrumented SDKs are patched in place as the app imports them, as the pre-patch of Node 20
 * (esm-prepatch.ts) patches them up front, but only when and where they are imported: any copy (one
 * nested in another package too), through `import` or `import()`, and never one the app does not use.
 *
 * Two in-thread hooks. `resolve` notices a specifier naming an instrumented package (`openai`,
 * `@anthropic-ai/sdk/resources/index`) and learns, once per installed copy, which of its files the
 * instrumentations' definitions patch: the ES module entry and the definitions' files. `load` hands
 * every other module back as Node loaded it (one map lookup); to one of those files it appends two
 * lines: an import of the module's own namespace, and a call that hands the namespace over once the
 * module's body has run. The namespace itself cannot be changed and need not be: what the
 * instrumentations patch are the classes' prototypes.
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
import type { InstalledPackage } from './installed-package';

interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | ArrayBufferView | null;
  shortCircuit?: boolean;
}
export type ResolveHook = (specifier: string, context: object, nextResolve: (specifier: string, context?: object) => ResolveResult) => ResolveResult;
export type LoadHook = (url: string, context: object, nextLoad: (url: string, context?: object) => LoadResult) => LoadResult;
type RegisterHooks = (hooks: { resolve: ResolveHook; load: LoadHook }) => unknown;

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
  /** `<name>/`, which a specifier of one of its files begins with. */
  prefix: string;
  definitions: Array<{ instrumentation: PatchableInstrumentation; definition: InstrumentationModuleDefinition }>;
}

export class ImportPatcher {
  private readonly modules: InstrumentedModule[] = [];
  /** The files to patch, by URL, of every installed copy seen so far. */
  private readonly files = new Map<string, FileTargets>();
  /** The folders of the installed copies seen so far. */
  private readonly packageDirs = new Set<string>();
  /** Resolved URLs already looked at. */
  private readonly seen = new Set<string>();

  constructor(instrumentations: readonly PatchableInstrumentation[]) {
    for (const instrumentation of instrumentations) {
      for (const definition of instrumentation.getModuleDefinitions()) {
        let module = this.modules.find((each) => each.name === definition.name);
        if (module === undefined) {
          module = { name: definition.name, prefix: `${definition.name}/`, definitions: [] };
          this.modules.push(module);
        }
        module.definitions.push({ instrumentation, definition });
      }
    }
  }

  readonly resolve: ResolveHook = (specifier, context, nextResolve) => {
    const result = nextResolve(specifier, context);
    for (const module of this.modules) {
      if (specifier !== module.name && !specifier.startsWith(module.prefix)) continue;
      try {
        this.learn(module, result.url);
      } catch (error) {
        diag.error(`otel-genai: could not find the package of ${result.url}`, error);
      }
      break;
    }
    return result;
  };

  readonly load: LoadHook = (url, context, nextLoad) => {
    const result = nextLoad(url, context);
    const found = this.files.get(url);
    if (found === undefined || result.format !== 'module' || result.source == null) return result;
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

  /** The installed copy that `url` (a file the package name resolved to) belongs to, once per copy. */
  private learn(module: InstrumentedModule, url: string): void {
    if (this.seen.has(url) || !url.startsWith('file:')) return;
    this.seen.add(url);
    const pkg = owningPackage(fileURLToPath(url), module.name);
    if (pkg === undefined || this.packageDirs.has(pkg.dir)) return;
    this.packageDirs.add(pkg.dir);
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
  }
}

/** The nearest folder above `file` whose package.json names the package `name`. */
function owningPackage(file: string, name: string): InstalledPackage | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = readInstalledPackage(dir);
    if (pkg?.name === name) return pkg;
    if (dirname(dir) === dir) return undefined;
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
  (globalThis as Record<symbol, unknown>)[Symbol.for(PATCH_CALLBACK_KEY)] = (url: string, namespace: unknown) => patcher.patch(url, namespace);
  registerHooks({ resolve: patcher.resolve, load: patcher.load });
}

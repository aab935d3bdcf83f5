/**
 * ESM apps on a Node without the synchronous module hooks we use (22.15–22.22.2, 24 before 24.11.1;
 * docs/esm.md has the whole strategy), in place of a loader hook: such a Node runs loader hooks on a
 * thread of their own, which costs a few hundred milliseconds to start and which every later
 * `import` of any module crosses. Instead, the ES module copy of each
 * instrumented SDK installed for the app is imported here, before the app runs, and patched in
 * place: an ES module is one instance per URL, so the app's own `import` gets the patched classes.
 *
 * What is patched is exactly what the hook would have patched: each module definition's main
 * entry and its files (e.g. `@anthropic-ai/sdk/resources/index.mjs`, which the Bedrock and Vertex
 * SDKs import), with the version from the package's package.json, if the definitions' version
 * ranges accept it and the instrumentation is enabled. `disable()` / `enable()` reach these copies
 * through our instrumentations' own record of what they patched (GenAIInstrumentation).
 *
 * Not seen this way: a copy the app's folder does not resolve to (a nested node_modules of another
 * package), for which `OTEL_GENAI_ESM_LOADER_HOOK=true` registers the loader hook instead.
 */
import { pathToFileURL } from 'node:url';
import { diag } from '@opentelemetry/api';
import { findInstalledPackage } from './installed-package';
import { isESMFile } from './module-format';
import { patchModule, patchTargets } from './patch-module';
import type { PatchableInstrumentation } from './patch-module';

export interface PrepatchedFile {
  module: string;
  file: string;
  version: string | undefined;
}

/**
 * Imports and patches, for each module the instrumentations define, the ES module files that an
 * app in `appDir` would load. Returns what it patched. A package that is not installed there is
 * left alone, and so is a file that is CommonJS (the instrumented SDKs ship ES module entries).
 */
export async function prepatchInstalledSDKs(
  instrumentations: readonly PatchableInstrumentation[],
  appDir: string,
): Promise<PrepatchedFile[]> {
  const patched: PrepatchedFile[] = [];
  for (const instrumentation of instrumentations) {
    for (const definition of instrumentation.getModuleDefinitions()) {
      const pkg = findInstalledPackage(definition.name, appDir);
      if (pkg === undefined) continue;
      for (const { path, file } of patchTargets(pkg, definition)) {
        if (path === undefined || !isESMFile(path)) continue;
        let exports: unknown;
        try {
          exports = await import(pathToFileURL(path).href);
        } catch (error) {
          // The app's own import of it would fail the same way; nothing to patch.
          diag.debug(`otel-genai: could not load ${path} to instrument it`, error);
          continue;
        }
        if (!patchModule(instrumentation, definition, file, exports, pkg.version)) continue;
        diag.debug(`otel-genai: instrumented ${definition.name}@${pkg.version ?? 'unknown'} in place: ${path}`);
        patched.push({ module: definition.name, file: path, version: pkg.version });
      }
    }
  }
  return patched;
}

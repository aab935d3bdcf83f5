/**
 * Patching one loaded module as `@opentelemetry/instrumentation`'s hooks would: shared by the
 * up-front pre-patch (esm-prepatch.ts) and the patch-as-imported hook (import-patch.ts).
 */
import { dirname, join } from 'node:path';
import type { InstrumentationModuleDefinition, InstrumentationModuleFile } from '@opentelemetry/instrumentation';
import { esmEntry, packageFile } from './installed-package';
import type { InstalledPackage } from './installed-package';

/** What patching needs of an instrumentation (`InstrumentationBase` has both). */
export interface PatchableInstrumentation {
  getModuleDefinitions(): InstrumentationModuleDefinition[];
  isEnabled(): boolean;
}

export function isPatchable<T extends object>(instrumentation: T): instrumentation is T & PatchableInstrumentation {
  const candidate = instrumentation as Partial<PatchableInstrumentation>;
  return typeof candidate.getModuleDefinitions === 'function' && typeof candidate.isEnabled === 'function';
}

/**
 * The files of an installed copy that a definition patches: its ES module entry (`file` undefined)
 * and the definition's files; `path` is undefined where the copy has no such file.
 */
export function patchTargets(
  pkg: InstalledPackage,
  definition: InstrumentationModuleDefinition,
): Array<{ path: string | undefined; file: InstrumentationModuleFile | undefined }> {
  const prefix = `${definition.name}/`;
  return [
    { path: esmEntry(pkg), file: undefined },
    ...definition.files
      .filter((file) => file.name.startsWith(prefix))
      .map((file) => ({ path: packageFile(pkg, file.name.slice(prefix.length)), file })),
  ];
}

/**
 * Patches a module's exports as the base class does for a module its hooks see: the definition's
 * main entry (`file` undefined) or one of its files, if the instrumentation is enabled and the
 * version supported. Whether it patched.
 */
export function patchModule(
  instrumentation: PatchableInstrumentation,
  definition: InstrumentationModuleDefinition,
  file: InstrumentationModuleFile | undefined,
  exports: unknown,
  version: string | undefined,
): boolean {
  const ranges = file === undefined ? definition.supportedVersions : file.supportedVersions;
  if (!instrumentation.isEnabled() || !isSupported(ranges, version, definition.includePrerelease)) return false;
  if (file === undefined) definition.patch?.(exports, version);
  else file.patch(exports, version);
  return true;
}

type Satisfies = (version: string, range: string, options?: { includePrerelease?: boolean }) => boolean;
let satisfies: Satisfies | undefined;

/** The version check of the hooks (`@opentelemetry/instrumentation`'s own semver), `*` matching any release. */
function isSupported(ranges: readonly string[], version: string | undefined, includePrerelease: boolean | undefined): boolean {
  if (version === undefined) return ranges.includes('*');
  try {
    // Not among the package's exports: reached by its path beside the entry (dist/semver.cjs in 0.301).
    satisfies ??= (require(join(dirname(require.resolve('@opentelemetry/instrumentation')), 'semver.cjs')) as { satisfies: Satisfies })
      .satisfies;
  } catch {
    // A layout of the package without that file: release versions against `*` only.
    return ranges.includes('*') && !version.includes('-');
  }
  return ranges.some((range) => satisfies!(version, range, { includePrerelease }));
}

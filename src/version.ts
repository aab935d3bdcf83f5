/**
 * The instrumentation scope: our package's name and version. A literal, not read from package.json
 * at run time, so that a bundled app (where `__dirname` is the bundle's folder) loads it too; a test
 * keeps it equal to package.json.
 */
export const PACKAGE_NAME = 'otel-genai';
export const PACKAGE_VERSION = '0.2.0';

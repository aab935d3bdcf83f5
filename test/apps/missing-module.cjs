// Requires a package that is not installed: Node's report of MODULE_NOT_FOUND.
require('no-such-package-anywhere');

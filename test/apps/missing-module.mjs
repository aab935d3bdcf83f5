// Imports a package that is not installed: Node's report of ERR_MODULE_NOT_FOUND.
import 'no-such-package-anywhere';

// An unrelated ESM module: the loader hook must leave it alone.
export const url = import.meta.url;

/**
 * Views of the app's objects: what an SDK is handed in place of the app's params or tools, reading
 * the app's object live, with a few keys read as we make them. Writes go to the app's object, as
 * they would without us. (Used by the OpenAI `runTools()` and Google automatic-function-calling runs.)
 */

/** Whether a proxy must return `object[key]` unchanged: an own data property neither writable nor configurable (a frozen object's). */
function fixedProperty(object: object, key: string): boolean {
  const own = Object.getOwnPropertyDescriptor(object, key);
  return own !== undefined && own.configurable === false && own.writable === false;
}

export type Replace = (key: string | symbol, value: unknown, isView: (value: unknown) => boolean) => unknown;

/**
 * A view of `target` whose `keys` read as `replace` makes them, everything else as `target` has it.
 * A proxy, which reads `target` live (its getters with `target` as `this`); where one of `keys`
 * cannot be proxied (a frozen object, which cannot change anyway), a copy made now.
 */
export function viewOf(target: Record<string, unknown>, keys: readonly string[], replace: Replace): object {
  let view: object;
  const isView = (value: unknown) => value === view;
  if (!keys.some((key) => fixedProperty(target, key))) {
    view = new Proxy(target, { get: (object, key) => replace(key, Reflect.get(object, key), isView) });
    return view;
  }
  const descriptors = Object.getOwnPropertyDescriptors(target);
  for (const key of keys) {
    const descriptor = descriptors[key];
    if (descriptor !== undefined && 'value' in descriptor) descriptor.value = replace(key, descriptor.value, isView);
  }
  view = Object.create(Object.getPrototypeOf(target), descriptors) as object;
  return view;
}

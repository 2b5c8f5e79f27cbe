/**
 * A property computed on first read and kept: what the replay's world uses so that a node's
 * ruleset is read from the store, and compiled, only when a packet reaches that node. The
 * property is enumerable and writable like a plain field (spreading or cloning the object reads it).
 */
export function defineLazy<T extends object, K extends keyof T>(target: T, key: K, compute: () => T[K]): void {
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: true,
    get(): T[K] {
      const value = compute();
      Object.defineProperty(target, key, { configurable: true, enumerable: true, writable: true, value });
      return value;
    },
    set(value: T[K]): void {
      Object.defineProperty(target, key, { configurable: true, enumerable: true, writable: true, value });
    },
  });
}

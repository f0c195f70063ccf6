/**
 * Any unstorage `Storage` as a session store.
 * @module
 */
import type { SessionStore, StorageLike } from "../types.ts";

// Drivers that rewrite a file in place: two writes of one key at once interleave and leave a corrupt record,
// and a read during a write sees half of it (20 concurrent writes of one key: the file ended corrupt in 147 of
// 200 rounds). Their operations on one key are queued within the process.
const IN_PLACE_DRIVERS = new Set(["fs", "fs-lite"]);

/**
 * Wraps an unstorage `Storage`. Records are written raw (the JSON string) with `ttl` in seconds,
 * which drivers with native expiry honour (Redis `EX`, Cloudflare KV `expirationTtl`); the core
 * enforces deadlines itself on every load for the others.
 */
export function storageStore(storage: StorageLike): SessionStore {
  const queues = new Map<string, Promise<unknown>>();
  const inOrder = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    if (!IN_PLACE_DRIVERS.has(storage.getMount(key).driver.name ?? "")) return fn();
    const previous = queues.get(key);
    const result = previous ? previous.then(fn, fn) : fn();
    const done: Promise<unknown> = result.then(
      () => {},
      () => {},
    );
    queues.set(key, done);
    void done.then(() => {
      if (queues.get(key) === done) queues.delete(key);
    });
    return result;
  };
  return {
    // Raw reads give bytes on some drivers (fs, fs-lite return a Buffer): records are UTF-8 JSON.
    get: (key) =>
      inOrder(key, () => storage.getItemRaw(key)).then((raw: unknown) => (raw instanceof Uint8Array ? new TextDecoder().decode(raw) : (raw as string | null))),
    set: (key, record, ttl) => inOrder(key, () => storage.setItemRaw(key, record, { ttl })),
    delete: (key) => inOrder(key, () => storage.removeItem(key)),
  };
}

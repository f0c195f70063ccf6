/**
 * Any unstorage `Storage` as a session store.
 * @module
 */
import type { Storage } from "unstorage";
import type { SessionStore } from "../types.ts";

/**
 * Wraps an unstorage `Storage`. Records are written raw (the JSON string) with `ttl` in seconds,
 * which drivers with native expiry honour (Redis `EX`, Cloudflare KV `expirationTtl`); the core
 * enforces deadlines itself on every load for the others.
 */
export function storageStore(storage: Storage): SessionStore {
  return {
    // Raw reads give bytes on some drivers (fs, fs-lite return a Buffer): records are UTF-8 JSON.
    get: (key) =>
      storage.getItemRaw(key).then((raw: unknown) => (raw instanceof Uint8Array ? new TextDecoder().decode(raw) : (raw as string | null))),
    set: (key, record, ttl) => storage.setItemRaw(key, record, { ttl }),
    delete: (key) => storage.removeItem(key),
  };
}

/**
 * Any unstorage `Storage` as a session store.
 * @module
 */
import { toBase64 } from "../signer.ts";
import type { SessionStore, StorageLike } from "../types.ts";

// Drivers that rewrite a file in place: two writes of one key at once interleave and leave a corrupt record,
// and a read during a write sees half of it (20 concurrent writes of one key: the file ended corrupt in 147 of
// 200 rounds). Their operations on one key are queued within the process.
const IN_PLACE_DRIVERS = new Set(["fs", "fs-lite"]);
// Drivers that expire a key exactly after the `ttl` given to setItemRaw (Redis EX), which express-session's stores
// share (connect-redis). KV (at least 60 s) and Deno KV (best effort) are not exact: the core keeps the deadline there.
const TTL_DRIVERS = new Set(["redis"]);

// Keys kept as they are: a prefix and one segment of [A-Za-z0-9_.%-], neither "." nor holding "..". unstorage
// refuses dot segments, and on file drivers every ':' is a folder (an ID "a" and an ID "a:b" would need "a" to be both a
// file and a folder). Others are encoded (checklist 32).
const SAFE_KEY = /^[A-Za-z0-9_.%-]+(?::[A-Za-z0-9_.%-]+)?$/;
const DOT_SEGMENT = /\.\.|(?:^|:)\.(?::|$)/;
const encoder = new TextEncoder();
const base64url = (text: string): string => toBase64(encoder.encode(text), true);
/**
 * The key as stored: unchanged when it is a prefix and one plain segment; else its first segment (up to the first
 * ':') followed by `~` and the base64url of the rest, so that listing by that prefix still finds it. A kept key
 * never holds `~` and an encoded one holds exactly one, so two different keys never meet on one stored key.
 */
export function storageKey(key: string): string {
  if (SAFE_KEY.test(key) && !DOT_SEGMENT.test(key)) return key;
  const colon = key.indexOf(":") + 1;
  const head = key.slice(0, colon);
  const keep = colon > 1 && SAFE_KEY.test(head.slice(0, -1)) && !DOT_SEGMENT.test(head.slice(0, -1)) ? head : "";
  return keep + "~" + base64url(key.slice(keep.length));
}

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
    expiresItself: TTL_DRIVERS.has(storage.getMount("").driver.name ?? ""),
    // Raw reads give bytes on some drivers (fs, fs-lite return a Buffer): records are UTF-8 JSON.
    get: (id) => {
      const key = storageKey(id);
      return inOrder(key, () => storage.getItemRaw(key)).then((raw: unknown) => (raw instanceof Uint8Array ? new TextDecoder().decode(raw) : (raw as string | null)));
    },
    set: (id, record, ttl) => {
      const key = storageKey(id);
      return inOrder(key, () => storage.setItemRaw(key, record, { ttl }));
    },
    delete: (id) => {
      const key = storageKey(id);
      return inOrder(key, () => storage.removeItem(key));
    },
  };
}

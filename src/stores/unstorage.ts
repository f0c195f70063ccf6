/**
 * Any unstorage `Storage` as a session store.
 * @module
 */
import { BoundedMap } from "../bounded.ts";
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

/** Keys whose stored form and driver are remembered. */
const KNOWN_MAX = 10_000;

/** Raw reads give bytes on some drivers (fs, fs-lite return a Buffer): records are UTF-8 JSON. */
const asText = (raw: unknown): string | null => (raw instanceof Uint8Array ? new TextDecoder().decode(raw) : (raw as string | null));

/**
 * Wraps an unstorage `Storage`. Records are written raw (the JSON string) with `ttl` in seconds,
 * which drivers with native expiry honour (Redis `EX`, Cloudflare KV `expirationTtl`); the core
 * enforces deadlines itself on every load for the others.
 */
export function storageStore(storage: StorageLike): SessionStore {
  const queues = new Map<string, Promise<unknown>>();
  // Per key: the stored key and whether its driver rewrites files in place (unstorage normalises a key on every
  // getMount, a cost per request); mounts are taken as they were at a key's first use.
  const known = new BoundedMap<string, [string, boolean]>(KNOWN_MAX);
  const resolve = (id: string): [string, boolean] => {
    let entry = known.get(id);
    if (entry === undefined) {
      const key = storageKey(id);
      entry = [key, IN_PLACE_DRIVERS.has(storage.getMount(key).driver.name ?? "")];
      known.set(id, entry);
    }
    return entry;
  };
  const inOrder = <T>([key, inPlace]: [string, boolean], fn: (key: string) => Promise<T>): Promise<T> => {
    if (!inPlace) return fn(key);
    const previous = queues.get(key);
    const run = () => fn(key);
    const result = previous ? previous.then(run, run) : run();
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
    get: (id) => inOrder(resolve(id), (key) => storage.getItemRaw(key)).then(asText),
    set: (id, record, ttl) => inOrder(resolve(id), (key) => storage.setItemRaw(key, record, { ttl })),
    delete: (id) => {
      const entry = resolve(id);
      known.delete(id);
      return inOrder(entry, (key) => storage.removeItem(key));
    },
  };
}

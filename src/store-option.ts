/**
 * Which store a manager uses, from its `store` and `storage` options: checked at construction, so that a wrong
 * object fails at start-up with a message that says what to pass, instead of a 503 on every request.
 * @module
 */
import { UnsessionError } from "./errors.ts";
import type { SessionOptions } from "./options.ts";
import { memoryStore } from "./stores/memory.ts";
import { storageStore } from "./stores/unstorage.ts";
import { expressStore, isExpressStore } from "./stores/express.ts";
import type { SessionStore } from "./types.ts";

const fail = (message: string): never => {
  throw new UnsessionError("ERR_OPTIONS", message);
};

const isFn = (value: unknown, key: string): boolean => typeof (value as Record<string, unknown>)[key] === "function";

/** True for an unstorage `Storage` (what `createStorage()` returns). */
export const isStorage = (value: unknown): boolean =>
  value !== null && typeof value === "object" && isFn(value, "getItemRaw") && isFn(value, "setItemRaw") && isFn(value, "removeItem");

const USE = "pass a SessionStore (memoryStore(), sqlStore(...), storageStore(storage)) as `store`, or an unstorage Storage as `storage`";

/** @internal The store a manager uses, or `ERR_OPTIONS` with what to pass instead. */
export function resolveStore(options: SessionOptions): SessionStore {
  const { store, storage } = options;
  if (store !== undefined && storage !== undefined) fail("give either `store` or `storage`, not both: `store` is a SessionStore, `storage` an unstorage Storage");
  if (store === undefined) return storage ? storageStore(storage) : memoryStore();
  if (store === null || typeof store !== "object") fail(`store must be an object (got ${store === null ? "null" : typeof store}): ${USE}`);
  // An unstorage Storage given as `store` works as if given as `storage`.
  if (isStorage(store)) return storageStore(store as never);
  // An express-session store (connect-redis, connect-pg-simple, …) is bridged: its callback API, its own key prefix.
  if (isExpressStore(store)) return expressStore(store);
  if (isFn(store, "hget") && isFn(store, "del")) {
    fail(`store looks like a Redis client: wrap it in an unstorage Storage (createStorage({ driver: redisDriver({ url }) }) from "unstorage/drivers/redis") and pass that as \`storage\`; or ${USE}`);
  }
  const missing = ["get", "set", "delete"].filter((key) => !isFn(store, key));
  if (missing.length > 0) fail(`store has no ${missing.join(", ")} method${missing.length > 1 ? "s" : ""}: ${USE}`);
  return store;
}

/**
 * Every store call of the core goes through here: bounded by `storeTimeout`, failures turned into typed
 * errors (checklist 23, 24), keys derived from IDs (hashed with `hashIds`, checklist 22).
 * @module
 */
import { subtle } from "uncrypto";
import { BoundedMap } from "./bounded.ts";
import { UnsessionError } from "./errors.ts";
import type { Emit } from "./events.ts";
import { chain, isPromise } from "./maybe.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Report } from "./report.ts";
import { toBase64 } from "./signer.ts";
import type { MaybePromise, SessionStore } from "./types.ts";

const KEY_CACHE_MAX = 10_000;

/** @internal The store operations the manager uses. */
export interface StoreIO {
  storeCall<T>(kind: "read" | "write", fn: () => MaybePromise<T>): MaybePromise<T>;
  keyOf(id: string): MaybePromise<string>;
  readKey(key: string): MaybePromise<unknown>;
  read(id: string): MaybePromise<unknown>;
  write(id: string, record: string, ttl: number): MaybePromise<void>;
  remove(id: string): MaybePromise<void>;
  readWithLegacy(id: string): MaybePromise<[unknown, boolean]>;
}

/** @internal */
export function createStoreIO(o: ResolvedOptions, rawStore: SessionStore, emit: Emit, report: Report): StoreIO {
  const prefix = o.prefix;
  const storeCall = <T>(kind: "read" | "write", fn: () => MaybePromise<T>): MaybePromise<T> => {
    const fail = (error: unknown): never => {
      if (error instanceof UnsessionError) throw error;
      const e = new UnsessionError(kind === "read" ? "ERR_STORE_READ" : "ERR_STORE_WRITE", `the session store failed to ${kind}`, { cause: error });
      emit("store_error", undefined, { error: e });
      report(e, { source: "store" });
      throw e;
    };
    let result: MaybePromise<T>;
    try {
      result = fn();
    } catch (error) {
      return fail(error);
    }
    if (!isPromise(result)) return result;
    const pending = result;
    // One promise and one timer per call (a race of two promises with a `finally` cost twice as much per request).
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        const e = new UnsessionError("ERR_STORE_TIMEOUT", `the session store did not answer within ${o.storeTimeout} ms`);
        emit("store_error", undefined, { error: e });
        report(e, { source: "store" });
        reject(e);
      }, o.storeTimeout);
      pending.then(
        (value) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          try {
            fail(error);
          } catch (e) {
            reject(e);
          }
        },
      );
    });
  };

  // With hashIds, records live under SHA-256(id): a leaked store holds no usable session ID (checklist 22).
  const keyCache = new BoundedMap<string, string>(KEY_CACHE_MAX);
  const keyOf = (id: string): MaybePromise<string> => {
    const hit = keyCache.get(id);
    if (hit !== undefined) return hit;
    if (!o.hashIds) {
      // Kept too: a store's Map (the memory store's) then hashes one string per ID, not a new one per request.
      const key = prefix + id;
      keyCache.set(id, key);
      return key;
    }
    return subtle.digest("SHA-256", new TextEncoder().encode(id)).then((digest) => {
      const key = prefix + toBase64(new Uint8Array(digest), true);
      keyCache.set(id, key);
      return key;
    });
  };
  const readKey = (key: string) => storeCall("read", () => rawStore.get(key));
  const read = (id: string) => chain(keyOf(id), readKey);
  const write = (id: string, record: string, ttl: number) => chain(keyOf(id), (key) => storeCall("write", () => rawStore.set(key, record, ttl)));
  const remove = (id: string) => chain(keyOf(id), (key) => storeCall("write", () => rawStore.delete(key)));
  /** Reads a record; with `hashIds: "migrate"`, falls back to the raw-ID key and reports that it did. */
  const readWithLegacy = (id: string): MaybePromise<[unknown, boolean]> =>
    chain(read(id), (raw) => {
      if ((raw !== null && raw !== undefined) || o.hashIds !== "migrate") return [raw, false] as [unknown, boolean];
      return chain(readKey(prefix + id), (legacy) => [legacy, legacy !== null && legacy !== undefined] as [unknown, boolean]);
    });


  return { storeCall, keyOf, readKey, read, write, remove, readWithLegacy };
}

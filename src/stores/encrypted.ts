/**
 * Records sealed at rest: a store wrapper that seals every value before it reaches the store and opens it on
 * the way back (AES-256-GCM, `src/seal.ts`), each record bound to its own key. With `hashIds`, a dump of the
 * store shows neither session IDs nor data. What `createSessions({ encrypt })` uses; see docs/sealed.md.
 * @module
 */
import { chain } from "../maybe.ts";
import { createSealer, type SealPasswords } from "../seal.ts";
import type { MaybePromise, SessionRecord, SessionStore } from "../types.ts";

/** Options of `encryptedStore`. */
export interface EncryptedStoreOptions {
  /** Password(s) of at least 32 characters: a string, an array (the first seals, all open) or `{ 1: "…", 2: "…" }`. */
  password: SealPasswords;
}

// Not JSON: the core reads it as a corrupt record (reported as ERR_STORE_DATA, removed, the request goes on anonymous).
const UNOPENED = "\u0000sealed record did not open";

/**
 * Wraps a store so that every record is sealed at rest. The whole record is sealed — data, the cookie object and
 * unsession's metadata — because the core enforces deadlines itself after reading and the store's TTL needs no
 * look inside; the additional data of each seal is its store key, so a record copied under another key (another
 * session) does not open. A value that does not open (written in clear before encryption was turned on, under a
 * removed password, or edited) reads as a corrupt record: reported, removed, and the user starts anew.
 */
export function encryptedStore(store: SessionStore, options: EncryptedStoreOptions): SessionStore {
  const sealer = createSealer(options.password, "record");
  return {
    get(key): MaybePromise<string | SessionRecord | null | undefined> {
      return chain(store.get(key), (raw) => {
        if (raw === null || raw === undefined) return raw;
        if (typeof raw !== "string") return UNOPENED;
        return chain(sealer.unseal(raw, key), (text) => text ?? UNOPENED);
      });
    },
    set: (key, record, ttl) => sealer.seal(record, key).then((sealed) => store.set(key, sealed, ttl)),
    delete: (key) => store.delete(key),
  };
}

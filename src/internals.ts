/**
 * The parts of a session manager that loading, committing and the lifecycle operations all share: resolved
 * options, the signer, store I/O, lifetime rules, the per-process registries (tombstones, merge bases),
 * and how a session state is made, given an ID and signed.
 * @module
 */
import { BoundedMap } from "./bounded.ts";
import { UnsessionError } from "./errors.ts";
import { createEmitter, hashId, type Emit } from "./events.ts";
import { createLifetime, type Lifetime } from "./lifetime.ts";
import type { ResolvedOptions } from "./options.ts";
import { parseRecord, recordText, stringify } from "./record.ts";
import { createRecordCache, type RecordCache } from "./record-cache.ts";
import { createReporter, type Report } from "./report.ts";
import { createCookieMode, type CookieMode } from "./sealed.ts";
import type { SessionState } from "./session.ts";
import { createSigner, randomId, type Signer } from "./signer.ts";
import { createStoreIO, type StoreIO } from "./store-io.ts";
import type { LoadOptions, MaybePromise, SessionData, SessionRecord, SessionStore } from "./types.ts";
import { createUserIndex, type UserIndex } from "./users.ts";

const TOMBSTONE_MAX = 10_000;

/**
 * @internal A session ID: any non-empty string up to 512 characters (express-session's genid may return anything).
 * Stores whose keys cannot hold every character encode them (`storageStore`, checklist 32).
 */
export const isSafeId = (id: unknown): id is string => typeof id === "string" && id.length > 0 && id.length <= 512;

/** @internal What the manager's modules share. */
export interface Internals {
  readonly o: ResolvedOptions;
  readonly rawStore: SessionStore;
  readonly signer: Signer;
  readonly emit: Emit;
  /** Reports an error to `onError` (or the console), once per error. */
  readonly report: Report;
  readonly io: StoreIO;
  readonly life: Lifetime;
  readonly users: UserIndex;
  /** Cookie-only mode (`store: cookieStore()`): the session is sealed into its cookie; `undefined` with a store. */
  readonly cookieMode: CookieMode | undefined;
  /** IDs destroyed or regenerated away by this process: a slower request still running on one must not write it back. */
  readonly tombstones: BoundedMap<string, number>;
  /** Recently parsed (and written) records, so that an unchanged one is not parsed again. */
  readonly records: RecordCache;
  /** Records `id` as gone. */
  bury(id: string): void;
  /** commitMode "merge": JSON of each top-level key as loaded, the base that tells what this request changed. */
  readonly bases: WeakMap<SessionState, Record<string, string | undefined>>;
  /** Remembers the data of `s` as the merge base. */
  rememberBase(s: SessionState): void;
  /** A new, empty, unsaved session state. */
  fresh(secure: boolean, detached: boolean, waitUntil: LoadOptions["waitUntil"]): SessionState;
  /** A new session ID (from `genid` when given), checked to be a safe key. */
  newId(): string;
  /** The state's ID, made now when it has none. */
  ensureId(s: SessionState): string;
  /**
   * The record in `raw`, or `null` when it is corrupt (not an object, broken JSON, no cookie object, too deep):
   * `corrupt_record` is emitted and the error reported; the caller decides what a miss means.
   */
  parseOrReport(id: string, raw: unknown, onCorrupt?: (error: UnsessionError) => void): SessionRecord | null;
  /** The signed cookie value of the state's ID (computed once per ID); cookie-only: the seal once written, else `""`. */
  sign(s: SessionState): MaybePromise<string>;
}

/** @internal */
export function createInternals(o: ResolvedOptions, rawStore: SessionStore): Internals {
  const signer = createSigner(o.secrets, o.hmac);
  const emit = createEmitter(o.onEvent);
  const report = createReporter(o.onError);
  const io = createStoreIO(o, rawStore, emit, report);
  const life = createLifetime(o, rawStore.expiresItself === true);
  const users = createUserIndex({
    indexKey: (userId) => `${o.userPrefix}${encodeURIComponent(userId)}`,
    keyOf: io.keyOf,
    readKey: io.readKey,
    writeKey: (key, json, ttl) => io.storeCall("write", () => rawStore.set(key, json, ttl)),
    removeKey: (key) => io.storeCall("write", () => rawStore.delete(key)),
    mergeKey: rawStore.merge ? (key, patch, ttl) => io.storeCall("write", () => rawStore.merge!(key, patch, ttl)) : undefined,
    deadlineOf: life.deadlineOfMeta,
    hash: hashId,
  });
  const cookieMode = createCookieMode(o, rawStore);
  const records = createRecordCache();
  const tombstones = new BoundedMap<string, number>(TOMBSTONE_MAX);
  const bases = new WeakMap<SessionState, Record<string, string | undefined>>();

  const newId = (): string => {
    const id = o.genid ? o.genid() : randomId();
    if (!isSafeId(id)) throw new UnsessionError("ERR_OPTIONS", `genid must return a non-empty string of at most 512 characters (got ${typeof id})`);
    return id;
  };

  const ensureId = (s: SessionState): string => {
    if (!s.id) s.id = newId();
    return s.id;
  };

  return {
    o,
    rawStore,
    signer,
    emit,
    report,
    io,
    life,
    users,
    cookieMode,
    tombstones,
    records,
    // Cookie-only: no record can come back to life, and a copy of a cookie is valid until its deadline on every instance alike.
    bury(id) {
      records.forget(id);
      if (cookieMode === undefined) tombstones.set(id, Date.now());
    },
    bases,
    rememberBase(s) {
      const base: Record<string, string | undefined> = {};
      const data: SessionData = s.data;
      for (const key of Object.keys(data)) if (key !== "cookie") base[key] = stringify(data[key]);
      bases.set(s, base);
    },
    fresh(secure, detached, waitUntil) {
      const now = Date.now();
      return {
        id: "",
        signed: undefined,
        signing: undefined,
        stored: false,
        sendCookie: false,
        data: {},
        snapshot: undefined,
        pristine: undefined,
        sealedText: undefined,
        kept: undefined,
        dirty: false,
        destroyed: false,
        discarded: false,
        meta: { c: now, i: now },
        flashIn: undefined,
        flashOut: undefined,
        maxAge: o.cookie.maxAge,
        expires: o.cookie.expires,
        secure,
        detached,
        touchForced: false,
        renewedFrom: undefined,
        legacyKey: undefined,
        boundUser: undefined,
        waitUntil,
        hadCookie: false,
        saved: false,
        attrs: undefined,
      };
    },
    newId,
    ensureId,
    parseOrReport(id, raw, onCorrupt) {
      try {
        const text = recordText(raw);
        return typeof text === "string" ? records.parse(id, text, parseRecord) : parseRecord(text);
      } catch (error) {
        if (!(error instanceof UnsessionError)) throw error;
        emit("corrupt_record", id, { error });
        report(error, { source: "record" });
        onCorrupt?.(error);
        return null;
      }
    },
    sign(s) {
      if (s.signed !== undefined) return s.signed;
      // Cookie-only: the cookie value is the seal, made by a write; nothing to sign ahead of it.
      if (cookieMode) return "";
      const id = ensureId(s);
      if (s.signing !== undefined) return s.signing;
      const value = signer.sign(id);
      if (typeof value === "string") return (s.signed = value);
      return (s.signing = value.then((signed) => {
        if (s.id === id) s.signed = signed;
        return signed;
      }));
    },
  };
}

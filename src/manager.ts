/**
 * `createSessions()`: loads sessions from requests and commits them to the store and to `Set-Cookie`.
 * @module
 */
import { readCookieValues, serializeClearCookie, serializeCookie } from "./cookie.ts";
import { UnsessionError } from "./errors.ts";
import { resolveOptions, type SessionOptions } from "./options.ts";
import { isEmptyObject, parseRecord, stringify } from "./record.ts";
import { Session, stateOf, type SessionContext, type SessionState } from "./session.ts";
import { BoundedMap } from "./bounded.ts";
import { createSigner, randomId } from "./signer.ts";
import { createEmitter, hashId } from "./events.ts";
import { chain, isPromise } from "./maybe.ts";
import { createStoreIO } from "./store-io.ts";
import { createUserIndex } from "./users.ts";
import { memoryStore } from "./stores/memory.ts";
import { storageStore } from "./stores/unstorage.ts";
import type { LoadOptions, MaybePromise, MergePatch, RecordMeta, RequestLike, SessionData, SessionRecord, Sessions, SessionStore } from "./types.ts";
import { createApplyCookie, wrapHandler } from "./wrap.ts";
import { createLifetime } from "./lifetime.ts";
import { adoptMerged, commitPatch } from "./merge.ts";

const SAFE_ID = /^[A-Za-z0-9_-]{16,256}$/;
const TOMBSTONE_MAX = 10_000;

/**
 * Creates the session manager: the one place where every session semantic lives.
 *
 * ```ts
 * const sessions = createSessions<{ views?: number }>({ secret: process.env.SESSION_SECRET });
 * Deno.serve(sessions.wrap((req, session) => {
 *   session.data.views = (session.data.views ?? 0) + 1;
 *   return new Response(`views: ${session.data.views}`);
 * }));
 * ```
 */
export function createSessions<D extends SessionData = SessionData>(options: SessionOptions): Sessions<D> {
  const o = resolveOptions(options);
  const signer = createSigner(o.secrets);
  const rawStore: SessionStore = options.store ?? (options.storage ? storageStore(options.storage) : memoryStore());
  const prefix = o.prefix;
  // IDs destroyed or regenerated away by this process: a slower request still running on one must not write it back.
  const tombstones = new BoundedMap<string, number>(TOMBSTONE_MAX);
  // commitMode "merge": JSON of each top-level key as loaded, the base that tells what this request changed.
  const bases = new WeakMap<SessionState, Record<string, string | undefined>>();
  const baseOf = (data: SessionData): Record<string, string | undefined> => {
    const base: Record<string, string | undefined> = {};
    for (const key of Object.keys(data)) base[key] = stringify(data[key]);
    return base;
  };


  const emit = createEmitter(o.onEvent);

  const { storeCall, keyOf, readKey, read, write, remove, readWithLegacy } = createStoreIO(o, rawStore, emit);
  const { idleOf, touchAfterOf, deadlineOfMeta, ttlOf, adopt, attributes, recordJson } = createLifetime(o);
  const users = createUserIndex({
    indexKey: (userId) => `${o.userPrefix}${encodeURIComponent(userId)}`,
    keyOf,
    readKey,
    writeKey: (key, json, ttl) => storeCall("write", () => rawStore.set(key, json, ttl)),
    removeKey: (key) => storeCall("write", () => rawStore.delete(key)),
    mergeKey: rawStore.merge ? (key, patch, ttl) => storeCall("write", () => rawStore.merge!(key, patch, ttl)) : undefined,
    deadlineOf: deadlineOfMeta,
    hash: hashId,
  });
  // Last touch per ID in this process: parallel requests that all see a touch due write it once (checklist 36).
  const touchedAt = new BoundedMap<string, number>(TOMBSTONE_MAX);
  const claimTouch = (id: string, now: number, after: number): boolean => {
    const last = touchedAt.get(id);
    if (last !== undefined && now - last < after * 1000) return false;
    touchedAt.set(id, now);
    return true;
  };

  const bury = (id: string): void => tombstones.set(id, Date.now());

  const newId = (): string => {
    const id = o.genid ? o.genid() : randomId();
    // unstorage rewrites ':', '/', '\' and cuts at '?': only IDs that stay themselves as keys are allowed (checklist 32).
    if (typeof id !== "string" || !SAFE_ID.test(id)) {
      throw new UnsessionError("ERR_OPTIONS", "genid must return 16–256 characters of [A-Za-z0-9_-]");
    }
    return id;
  };

  const isSecure = (input: RequestLike): boolean =>
    input.secure === true || (o.proxy && typeof input.forwardedProto === "string" && input.forwardedProto.split(",")[0]!.trim().toLowerCase() === "https");

  const toRequestLike = (input: Request | RequestLike): RequestLike => {
    if (typeof (input as Request).headers?.get !== "function") return input as RequestLike;
    const request = input as Request;
    const url = request.url;
    return {
      cookie: request.headers.get("cookie"),
      secure: url.startsWith("https:"),
      forwardedProto: o.proxy ? request.headers.get("x-forwarded-proto") : null,
      path: o.cookie.path === "/" ? "/" : new URL(url).pathname,
    };
  };

  const fresh = (secure: boolean, detached: boolean, waitUntil: LoadOptions["waitUntil"]): SessionState => {
    const now = Date.now();
    return {
      id: "",
      signed: undefined,
      signing: undefined,
      stored: false,
      sendCookie: false,
      data: {},
      snapshot: undefined,
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
    };
  };

  const ensureId = (s: SessionState): string => {
    if (!s.id) s.id = newId();
    return s.id;
  };

  const sign = (s: SessionState): MaybePromise<string> => {
    if (s.signed !== undefined) return s.signed;
    const id = ensureId(s);
    return (s.signing ??= signer.sign(id).then((value) => {
      if (s.id === id) s.signed = value;
      return value;
    }));
  };

  const loadFast = (input: Request | RequestLike, extra?: LoadOptions): MaybePromise<Session<D>> => {
    const req = toRequestLike(input);
    const secure = isSecure(req);
    const path = req.path ?? "/";
    const detached = o.cookie.path !== "/" && !(path === o.cookie.path || path.startsWith(o.cookie.path.endsWith("/") ? o.cookie.path : o.cookie.path + "/"));
    const s = fresh(secure, detached, extra?.waitUntil);
    const session = new Session<D>(ctx, s);
    if (detached) return session;
    const values = readCookieValues(req.cookie, o.name);
    if (values.length === 0) return session;
    // Several cookies of one name (an old Path or Domain): the first that verifies and names a live session wins.
    const attempt = (from: number): MaybePromise<Session<D>> => chain(firstValid(values, from), (found) => {
      if (!found) return session;
      const [id, value, index] = found;
      const next = (): MaybePromise<Session<D>> => (index + 1 < values.length ? attempt(index + 1) : session);
      if (tombstones.has(id)) return next();
      return chain(readWithLegacy(id), ([raw, legacy]) => chain(follow(id, raw, 0), (found) => {
        if (!found) {
          emit("unknown_id", id);
          return next();
        }
        const [currentId, record] = found;
        const now = Date.now();
        const tmp = fresh(secure, false, extra?.waitUntil);
        if (!adopt(tmp, record, now)) {
          emit("expired", currentId);
          const gone = remove(currentId);
          if (isPromise(gone)) (extra?.waitUntil ?? ((p) => void p.catch(() => {})))(gone.catch(() => {}));
          return next();
        }
        Object.assign(s, tmp);
        s.id = currentId;
        if (o.commitMode === "merge") bases.set(s, baseOf(s.data));
        if (currentId !== id) {
          // The cookie's ID was renewed by a parallel request: continue on the new ID and send it.
          s.sendCookie = true;
          void sign(s);
        } else if (o.secrets.length === 1 || signer.isPrimary(value)) {
          s.signed = value;
        } else {
          // Verified with an older secret (rotation): re-sign under the first one and send the new cookie.
          s.sendCookie = true;
          void sign(s);
        }
        if (legacy) {
          // Found under its raw ID (hashIds: "migrate"): move it under the hashed key now.
          s.legacyKey = prefix + id;
          s.dirty = true;
        }
        if (o.renewAfter !== undefined && currentId === id && now - (s.meta.r ?? s.meta.c) >= o.renewAfter * 1000) renew(s, now);
        return session;
      }));
    });
    return attempt(0);
  };

  /** Follows a renewal pointer (a record that names the ID that replaced it) within its grace window. */
  const follow = (id: string, raw: unknown, depth: number): MaybePromise<[string, SessionRecord] | null> => {
    if (raw === null || raw === undefined) return null;
    const record = parseRecord(raw);
    const next = record.__unsession?.n;
    if (next === undefined) return [id, record];
    if (depth > 0 || typeof next !== "string" || !SAFE_ID.test(next) || record.__unsession!.i <= Date.now()) return null;
    return chain(read(next), (nextRaw) => follow(next, nextRaw, depth + 1));
  };

  /** Gives the session a fresh ID whose record does not exist yet; the cookie must carry it. The caller deals with the old ID. */
  const moveToNewId = (s: SessionState): void => {
    s.id = newId();
    s.signed = undefined;
    s.signing = undefined;
    s.stored = false;
    s.sendCookie = true;
  };

  /** ID renewal (OWASP "renewal timeout"): a new ID now; the old one points at it for `renewGrace` seconds. */
  const renew = (s: SessionState, now: number): void => {
    s.renewedFrom = s.id;
    moveToNewId(s);
    s.dirty = true;
    s.meta.r = now;
    s.boundUser = s.meta.u;
    void sign(s);
    emit("renewed", s.id, { previousSid: s.renewedFrom });
  };

  /** The first cookie value whose signature verifies, as [id, value]. */
  const firstValid = (values: string[], index: number): MaybePromise<[string, string, number] | null> => {
    if (index >= values.length) return null;
    const value = values[index]!;
    return chain(signer.unsign(value), (id) => {
      if (id !== null && SAFE_ID.test(id)) return [id, value, index] as [string, string, number];
      emit("invalid_signature");
      return firstValid(values, index + 1);
    });
  };


  const writeFull = (s: SessionState, dataJson?: string): MaybePromise<void> => {
    const now = Date.now();
    const id = ensureId(s);
    const [json, ttl, body] = recordJson(s, now, dataJson);
    return chain(chain(write(id, json, ttl), () => afterWrite(s, now)), () => {
      if (!s.stored) {
        // A first write of an ID that is neither regenerated nor renewed (those report their own event).
        if (!s.sendCookie) emit("created", id);
        s.sendCookie = true;
      }
      s.stored = true;
      // Flash values set in this request stay pending (written again by a later write, readable only from the next request).
      // The data as written, not as it is now: a change made while the write was in flight still counts.
      s.snapshot = s.snapshot === undefined ? undefined : body;
      s.dirty = false;
    });
  };

  /**
   * commitMode "merge" on a store with the `merge` capability: sends only the top-level keys this request changed
   * (and the cookie and bookkeeping), applied atomically by the store to the record as it is then (1 round trip).
   */
  const writeAtomic = (s: SessionState, base: Record<string, string | undefined>, merge: NonNullable<SessionStore["merge"]>): MaybePromise<void> => {
    const now = Date.now();
    const data = s.data as Record<string, unknown>;
    // The cookie and the bookkeeping as a full write would store them (this also rejects the reserved keys).
    const [head, ttl] = recordJson(s, now, "{}");
    const patch = commitPatch(data, base, head);
    return chain(chain(keyOf(s.id), (key) => storeCall("write", () => merge(key, patch, ttl))), (merged) => {
      if (merged === null || merged === undefined) {
        // Destroyed (or expired) meanwhile: the store wrote nothing.
        s.stored = false;
        return;
      }
      adoptMerged(data, merged);
      return chain(afterWrite(s, now), () => {
        s.snapshot = s.snapshot === undefined ? undefined : stringify(data);
        s.dirty = false;
        bases.set(s, baseOf(data));
      });
    });
  };

  /** commitMode "merge": reads the record again and applies only the top-level keys this request changed (1 extra read). */
  const writeMerged = (s: SessionState): MaybePromise<void> => {
    const base = bases.get(s);
    // A record still under its raw ID (hashIds "migrate") is moved by a full write: the hashed key has nothing to merge with.
    if (!base || s.legacyKey !== undefined) return writeFull(s);
    if (rawStore.merge) return writeAtomic(s, base, rawStore.merge.bind(rawStore));
    // Without the capability (plain unstorage drivers, KV): read, merge, write; another commit can land in between.
    const id = s.id;
    return chain(read(id), (raw) => {
      const now = Date.now();
      const current = fresh(s.secure, false, undefined);
      if (raw === null || raw === undefined || tombstones.has(id) || !adopt(current, parseRecord(raw), now)) {
        // Destroyed (or expired) meanwhile: never write it back.
        s.stored = false;
        return;
      }
      const own = (obj: object, key: string) => Object.prototype.hasOwnProperty.call(obj, key);
      const data = s.data as Record<string, unknown>;
      const stored = current.data as Record<string, unknown>;
      for (const key of Object.keys(base)) {
        // Unchanged here: take whatever the store has now (changed or deleted by another request).
        if (own(data, key) && stringify(data[key]) === base[key]) {
          if (own(stored, key)) data[key] = stored[key];
          else delete data[key];
        }
      }
      for (const key of Object.keys(stored)) if (!own(base, key) && !own(data, key)) data[key] = stored[key];
      return chain(writeFull(s), () => void bases.set(s, baseOf(data)));
    });
  };

  /** Follow-up writes of a full write: the renewal pointer, the legacy key's removal, the user index. */
  const afterWrite = (s: SessionState, now: number): MaybePromise<void> => {
    const jobs: MaybePromise<void>[] = [];
    if (s.renewedFrom !== undefined) {
      const old = s.renewedFrom;
      s.renewedFrom = undefined;
      if (o.renewGrace > 0) {
        const pointer: SessionRecord = { cookie: { originalMaxAge: null, expires: null }, __unsession: { c: s.meta.c, i: now + o.renewGrace * 1000, n: s.id } };
        jobs.push(write(old, JSON.stringify(pointer), Math.max(1, Math.ceil(o.renewGrace))));
      } else {
        jobs.push(remove(old));
      }
    }
    if (s.legacyKey !== undefined) {
      const key = s.legacyKey;
      s.legacyKey = undefined;
      jobs.push(storeCall("write", () => rawStore.delete(key)));
    }
    if (s.boundUser !== undefined) {
      const user = s.boundUser;
      s.boundUser = undefined;
      jobs.push(users.add(user, s.id, now));
    }
    const pending = jobs.filter(isPromise);
    return pending.length === 0 ? undefined : Promise.all(pending).then(() => undefined);
  };

  /** Extends the idle deadline of the record as it is now in the store, never writing this request's stale copy (checklist 34). */
  const touchRecord = (s: SessionState): MaybePromise<void> => {
    const id = s.id;
    return chain(read(id), (raw) => {
      if (raw === null || raw === undefined || tombstones.has(id)) return;
      const now = Date.now();
      const record = parseRecord(raw);
      const meta: RecordMeta = { ...(record.__unsession ?? { c: s.meta.c, i: now }) };
      meta.i = now + idleOf(s) * 1000;
      s.meta.i = meta.i;
      const attrs = attributes(s, now);
      record.cookie = { ...record.cookie, expires: attrs.expires ? attrs.expires.toISOString() : null };
      record.__unsession = meta;
      if (o.commitMode === "merge" && rawStore.merge) {
        // Only the cookie and the bookkeeping, merged atomically: data changed by others since the read stays.
        const patch: MergePatch = { set: { cookie: JSON.stringify(record.cookie), __unsession: stringify(meta) }, unset: [] };
        return chain(keyOf(id), (key) => chain(storeCall("write", () => rawStore.merge!(key, patch, ttlOf(s, now))), () => undefined));
      }
      return write(id, stringify(record), ttlOf(s, now));
    });
  };

  const cookieFor = (s: SessionState): MaybePromise<string | null> => {
    const now = Date.now();
    // A Secure cookie is never sent over http (checklist 7): the request is left without one.
    if (o.cookie.secure === true && !s.secure) return null;
    return chain(sign(s), (value) => serializeCookie(o.name, value, attributes(s, now)));
  };

  const commitFast = (session: Session<D>): MaybePromise<string | null> => {
    const s = stateOf(session);
    if (s.detached || s.discarded) return null;
    if (s.destroyed) return serializeClearCookie(o.name, attributes(s, Date.now()));
    // A Secure-only cookie is never sent over http (checklist 7): no record for an ID that no client will hold.
    if (o.cookie.secure === true && !s.secure && !s.stored) return null;
    // The data's JSON, computed once: it answers "changed?" and becomes the record's body.
    const dataJson = s.snapshot === undefined ? undefined : s.snapshot === "{}" && isEmptyObject(s.data) ? "{}" : stringify(s.data);
    const modified = s.dirty || (dataJson !== undefined && dataJson !== s.snapshot);
    const now = Date.now();
    let work: MaybePromise<void> = undefined;
    if (!s.stored) {
      // A new session whose cookie can never be sent (Secure over http) would be an orphan record: not written.
      if ((modified || o.saveUninitialized) && !(o.cookie.secure === true && !s.secure)) work = writeFull(s, dataJson);
    } else if (modified || o.resave) {
      if (!tombstones.has(s.id)) work = o.commitMode === "merge" ? writeMerged(s) : writeFull(s, dataJson);
    } else if (s.touchForced || (s.meta.i - now < (idleOf(s) - touchAfterOf(s)) * 1000 && claimTouch(s.id, now, touchAfterOf(s)))) {
      const touch = touchRecord(s);
      if (s.waitUntil && isPromise(touch)) {
        s.waitUntil(touch.catch(() => {}));
      } else {
        work = touch;
      }
    }
    return chain(work, () => {
      if (!s.stored) return null;
      const hasExpiry = s.maxAge !== undefined || s.expires !== undefined;
      const send = s.sendCookie || o.rolling || (modified && hasExpiry) || (s.touchForced && hasExpiry);
      if (!send) return s.signing && !s.signed ? chain(s.signing, () => (s.sendCookie ? cookieFor(s) : null)) : null;
      return cookieFor(s);
    });
  };

  const ctx: SessionContext = {
    async regenerate(session, keepData) {
      const s = stateOf(session);
      if (s.destroyed) throw new UnsessionError("ERR_STATE", "cannot regenerate a destroyed session");
      const oldId = s.id;
      const wasStored = s.stored;
      const previous = oldId || undefined;
      if (!keepData) {
        s.data = {};
        s.snapshot = undefined;
        s.flashIn = undefined;
      } else {
        void session.data; // take a snapshot so the kept data counts as set
      }
      moveToNewId(s);
      s.dirty = keepData;
      const now = Date.now();
      const user = keepData ? s.meta.u : undefined;
      s.meta = user === undefined ? { c: now, i: now } : { c: now, i: now, u: user };
      s.boundUser = user;
      void sign(s);
      if (oldId) bury(oldId);
      emit("regenerated", s.id, previous ? { previousSid: previous } : {});
      if (wasStored && oldId) {
        const gone = remove(oldId);
        if (isPromise(gone)) {
          if (s.waitUntil) s.waitUntil(gone.catch(() => {}));
          else await gone;
        }
      }
    },
    async destroy(session) {
      const s = stateOf(session);
      if (s.destroyed) return;
      s.destroyed = true;
      if (!s.id) return;
      bury(s.id);
      emit("destroyed", s.id);
      if (s.stored) {
        s.stored = false;
        await remove(s.id);
      }
    },
    async reload(session) {
      const s = stateOf(session);
      if (!s.stored) throw new UnsessionError("ERR_STATE", "the session has no stored record to reload");
      const raw = await read(s.id);
      if (raw === null || raw === undefined) {
        s.stored = false;
        throw new UnsessionError("ERR_STATE", "the session no longer exists in the store");
      }
      const expiredNow = !adopt(s, parseRecord(raw), Date.now());
      if (o.commitMode === "merge") bases.set(s, baseOf(s.data));
      s.flashOut = undefined;
      if (expiredNow) {
        s.stored = false;
        throw new UnsessionError("ERR_STATE", "the session has expired");
      }
    },
    async save(session) {
      const s = stateOf(session);
      if (s.destroyed) throw new UnsessionError("ERR_STATE", "cannot save a destroyed session");
      if (s.detached) return;
      // Merge mode: an explicit save of a stored session merges like a commit (never a stale full rewrite).
      if (o.commitMode === "merge" && s.stored && !tombstones.has(s.id)) await writeMerged(s);
      else await writeFull(s);
    },
    async unset(session) {
      const s = stateOf(session);
      if (o.unset === "destroy") await ctx.destroy(session);
      else s.discarded = true;
    },
  };

  const applyCookie = createApplyCookie(o);

  async function commit(session: Session<D>): Promise<string | null>;
  async function commit(session: Session<D>, response: Response): Promise<Response>;
  async function commit(session: Session<D>, response?: Response): Promise<string | null | Response> {
    const setCookie = await commitFast(session);
    return response ? applyCookie(response, setCookie) : setCookie;
  }

  return {
    options: o,
    store: rawStore,
    load: async (input, extra) => loadFast(input, extra),
    loadFast,
    commit,
    commitFast,
    applyCookie,
    prepare: async (session) => sign(stateOf(session)),
    listUserSessions: (userId, current) => users.list(userId, current ? stateOf(current).id || undefined : undefined),
    async revokeUser(userId, revokeOptions) {
      const except = revokeOptions?.except ? stateOf(revokeOptions.except).id || undefined : undefined;
      const count = await users.revoke(userId, except);
      emit("revoked", undefined, {});
      return count;
    },
    wrap: (handler, wrapOptions) => wrapHandler({ loadFast, commitFast, applyCookie }, handler, wrapOptions),
  };
}


/**
 * Writing session records: a full write with its follow-ups (renewal pointer, legacy key, user index), a merge
 * into the stored record (`commitMode: "merge"`), and a touch that extends the stored record's idle deadline.
 * @module
 */
import type { Internals } from "./internals.ts";
import { chain, isPromise } from "./maybe.ts";
import { stringify } from "./record.ts";
import { writeSealed } from "./sealed.ts";
import type { SessionState } from "./session.ts";
import type { MaybePromise, MergePatch, RecordMeta, SessionRecord, SessionStore } from "./types.ts";
import { adoptMerged, commitPatch } from "./merge.ts";

/** @internal The record writes a commit (or `session.save()`) makes. */
export interface Writer {
  /** Writes the whole record; `dataJson` is the JSON of the data when the caller has just computed it. */
  writeFull(s: SessionState, dataJson?: string): MaybePromise<void>;
  /** commitMode "merge": reads the record again and applies only the top-level keys this request changed (1 extra read). */
  writeMerged(s: SessionState): MaybePromise<void>;
  /** Extends the idle deadline of the record as it is now in the store, never writing this request's stale copy (checklist 34). */
  touchRecord(s: SessionState): MaybePromise<void>;
  /** The store's own `touch` (express-session stores), with this request's record and new deadline. */
  storeTouch(s: SessionState, dataJson?: string): MaybePromise<void>;
}

/** @internal */
export function createWriter(k: Internals): Writer {
  const { o, io, life, emit, tombstones, bases } = k;
  const { write, read, remove } = io;
  const mode = k.cookieMode;
  if (mode) {
    // Cookie-only: every write (full, merged, touch) seals the whole session into the cookie; there is no other copy.
    const seal = (s: SessionState, dataJson?: string): Promise<void> => writeSealed(k, mode, s, dataJson);
    return { writeFull: seal, writeMerged: seal, touchRecord: seal, storeTouch: seal };
  }

  const writeFull = (s: SessionState, dataJson?: string): MaybePromise<void> => {
    const now = Date.now();
    const id = k.ensureId(s);
    const [json, ttl, body] = life.recordJson(s, now, dataJson);
    return chain(chain(write(id, json, ttl), () => afterWrite(s, now)), () => {
      if (!s.stored) {
        // A first write of an ID that is neither regenerated nor renewed (those report their own event).
        if (!s.sendCookie) emit("created", id);
        s.sendCookie = true;
      }
      s.stored = true;
      s.saved = true;
      // Flash values set in this request stay pending (written again by a later write, readable only from the next request).
      // The data as written, not as it is now: a change made while the write was in flight still counts.
      s.snapshot = s.snapshot === undefined ? undefined : body;
      s.pristine = undefined;
      s.dirty = false;
    });
  };

  /** commitMode "merge": reads the record again and applies only the top-level keys this request changed (1 extra read). */
  /**
   * commitMode "merge" on a store with the `merge` capability: sends only the top-level keys this request changed
   * (and the cookie and bookkeeping), applied atomically by the store to the record as it is then (1 round trip).
   */
  const writeAtomic = (s: SessionState, base: Record<string, string | undefined>, merge: NonNullable<SessionStore["merge"]>): MaybePromise<void> => {
    const now = Date.now();
    const data = s.data as Record<string, unknown>;
    // The cookie and the bookkeeping as a full write would store them (this also rejects the reserved keys).
    const [head, ttl] = life.recordJson(s, now, "{}");
    const patch = commitPatch(data, base, head);
    return chain(chain(io.keyOf(s.id), (key) => io.storeCall("write", () => merge(key, patch, ttl))), (merged) => {
      if (merged === null || merged === undefined) {
        // Destroyed (or expired) meanwhile: the store wrote nothing.
        s.stored = false;
        return;
      }
      adoptMerged(data, merged);
      return chain(afterWrite(s, now), () => {
        s.snapshot = s.snapshot === undefined ? undefined : stringify(data);
        s.pristine = undefined;
        s.dirty = false;
        s.saved = true;
        k.rememberBase(s);
      });
    });
  };

  const writeMerged = (s: SessionState): MaybePromise<void> => {
    const base = bases.get(s);
    // A record still under its raw ID (hashIds "migrate") is moved by a full write: the hashed key has nothing to merge with.
    if (!base || s.legacyKey !== undefined) return writeFull(s);
    if (k.rawStore.merge) return writeAtomic(s, base, k.rawStore.merge.bind(k.rawStore));
    // Without the capability (plain unstorage drivers, KV): read, merge, write; another commit can land in between.
    const id = s.id;
    return chain(read(id), (raw) => {
      const now = Date.now();
      const current = k.fresh(s.secure, false, undefined);
      if (raw === null || raw === undefined || tombstones.has(id)) {
        // Destroyed meanwhile: never write it back.
        s.stored = false;
        return;
      }
      // Corrupted meanwhile (reported): this request's data is whole, write it over the broken record.
      const record = k.parseOrReport(id, raw);
      if (record === null) return writeFull(s);
      if (!life.adopt(current, record, now)) {
        // Expired meanwhile: never write it back.
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
      return chain(writeFull(s), () => k.rememberBase(s));
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
      jobs.push(io.storeCall("write", () => k.rawStore.delete(key)));
    }
    if (s.boundUser !== undefined) {
      const user = s.boundUser;
      s.boundUser = undefined;
      jobs.push(k.users.add(user, s.id, now));
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
      // Corrupted meanwhile (reported): nothing to extend; the next load treats it as a miss.
      const record = k.parseOrReport(id, raw);
      if (record === null) return;
      const meta: RecordMeta = { ...(record.__unsession ?? { c: s.meta.c, i: now }) };
      meta.i = now + life.idleOf(s) * 1000;
      s.meta.i = meta.i;
      const attrs = life.attributes(s, now);
      record.cookie = { ...record.cookie, expires: attrs.expires ? attrs.expires.toISOString() : null };
      record.__unsession = meta;
      if (o.commitMode === "merge" && k.rawStore.merge) {
        // Only the cookie and the bookkeeping, merged atomically: data changed by others since the read stays.
        const patch: MergePatch = { set: { cookie: JSON.stringify(record.cookie), __unsession: stringify(meta) }, unset: [] };
        return chain(io.keyOf(id), (key) => chain(io.storeCall("write", () => k.rawStore.merge!(key, patch, life.ttlOf(s, now))), () => undefined));
      }
      return write(id, stringify(record), life.ttlOf(s, now));
    });
  };

  /** Hands the store's own `touch` this request's record with its idle deadline moved forward. */
  const storeTouch = (s: SessionState, dataJson?: string): MaybePromise<void> => {
    if (tombstones.has(s.id)) return;
    const [json, ttl] = life.recordJson(s, Date.now(), dataJson);
    return chain(io.keyOf(s.id), (key) => io.storeCall("write", () => k.rawStore.touch!(key, json, ttl)));
  };

  return { writeFull, writeMerged, touchRecord, storeTouch };
}

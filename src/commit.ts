/**
 * Committing a session: deciding whether anything must be written (change, `resave`, throttled touch) and
 * which write (`write.ts`: whole, merged or a touch), and the `Set-Cookie` value that goes with it.
 * @module
 */
import { BoundedMap } from "./bounded.ts";
import { serializeClearCookie, serializeCookie } from "./cookie.ts";
import type { Internals } from "./internals.ts";
import { chain, isPromise } from "./maybe.ts";
import { isEmptyObject, sameJson, stringify } from "./record.ts";
import { type Session, type SessionState, stateOf } from "./session.ts";
import type { MaybePromise } from "./types.ts";
import { createWriter } from "./write.ts";

const TOUCHED_MAX = 10_000;

/** @internal The commit side of the manager. */
export interface Committer {
  /** Writes what changed and returns the `Set-Cookie` value to send, or `null`. */
  commitFast(session: Session<any>): MaybePromise<string | null>;
  /** Writes the whole record now (`session.save()`, and every full write of a commit). */
  writeFull(s: SessionState, dataJson?: string): MaybePromise<void>;
  /** commitMode "merge": applies this request's changed keys to the record as it is now. */
  writeMerged(s: SessionState): MaybePromise<void>;
}

/** @internal */
export function createCommitter(k: Internals): Committer {
  const { o, life, tombstones } = k;
  const { writeFull, writeMerged, touchRecord, storeTouch } = createWriter(k);

  // Last touch per ID in this process: parallel requests that all see a touch due write it once (checklist 36).
  const touchedAt = new BoundedMap<string, number>(TOUCHED_MAX);
  const claimTouch = (id: string, now: number, after: number): boolean => {
    const last = touchedAt.get(id);
    if (last !== undefined && now - last < after * 1000) return false;
    touchedAt.set(id, now);
    return true;
  };


  const cookieFor = (s: SessionState): MaybePromise<string | null> => {
    const now = Date.now();
    // A Secure cookie is never sent over http (checklist 7): the request is left without one.
    if ((s.attrs?.secure ?? o.cookie.secure) === true && !s.secure) return null;
    const attrs = life.attributes(s, now);
    return chain(k.sign(s), (value) => serializeCookie(o.name, value, attrs));
  };

  const commitFast = (session: Session<any>): MaybePromise<string | null> => {
    const s = stateOf(session);
    if (s.detached || s.discarded) return null;
    // A session that came without a cookie has none to clear (express-session sends nothing either).
    if (s.destroyed) return s.hadCookie ? serializeClearCookie(o.name, life.attributes(s, Date.now())) : null;
    // A Secure-only cookie is never sent over http (checklist 7): no record for an ID that no client will hold.
    const secureOnly = (s.attrs?.secure ?? o.cookie.secure) === true && !s.secure;
    if (secureOnly && !s.stored) return null;
    // The data's JSON, computed once: it answers "changed?" and becomes the record's body.
    // Data that still equals the parse cache's own record is the snapshot's JSON without serialising it.
    const dataJson =
      s.snapshot === undefined ? undefined
      : s.snapshot === "{}" && isEmptyObject(s.data) ? "{}"
      : s.kept !== undefined && s.snapshot === s.pristine && sameJson(s.data, s.kept) ? s.snapshot
      : stringify(s.data);
    const modified = s.dirty || (dataJson !== undefined && dataJson !== s.snapshot);
    const now = Date.now();
    let work: MaybePromise<void> = undefined;
    if (!s.stored) {
      // A new session whose cookie can never be sent (Secure over http) would be an orphan record: not written.
      if ((modified || o.saveUninitialized) && !secureOnly) work = writeFull(s, dataJson);
    } else if (modified || (o.resave && !s.saved)) {
      // resave: written once per request (a save() earlier in it counts, as in express-session).
      if (!tombstones.has(s.id)) work = o.commitMode === "merge" ? writeMerged(s) : writeFull(s, dataJson);
    } else if (k.rawStore.touch !== undefined && o.touchAfter === undefined) {
      // The store extends expiries itself (an express-session store): touched on every unchanged request, as express-session does.
      work = storeTouch(s, dataJson);
    } else if (s.touchForced || (s.meta.i - now < (life.idleOf(s) - life.touchAfterOf(s)) * 1000 && claimTouch(s.id, now, life.touchAfterOf(s)))) {
      const touch = touchRecord(s);
      // Cookie-only, the touch is a new seal that this response carries: it cannot be handed off.
      if (s.waitUntil && isPromise(touch) && !k.cookieMode) {
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

  return { commitFast, writeFull, writeMerged };
}

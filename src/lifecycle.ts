/**
 * The lifecycle operations of a session, called from the session object or from a load: regenerate,
 * destroy, reload, save, unset, and ID renewal (a new ID whose predecessor points at it for a grace window).
 * @module
 */
import type { Committer } from "./commit.ts";
import { UnsessionError } from "./errors.ts";
import type { Internals } from "./internals.ts";
import { isPromise } from "./maybe.ts";
import { type SessionContext, type SessionState, stateOf } from "./session.ts";

/** @internal The lifecycle side of the manager: the session object's operations, and renewal for the loader. */
export interface Lifecycle {
  /** What `Session` methods call. */
  ctx: SessionContext;
  /** ID renewal (OWASP "renewal timeout"): a new ID now; the old one points at it for `renewGrace` seconds. */
  renew(s: SessionState, now: number): void;
}

/** @internal */
export function createLifecycle(k: Internals, committer: Committer): Lifecycle {
  const { o, io, life, emit } = k;

  /** Gives the session a fresh ID whose record does not exist yet; the cookie must carry it. The caller deals with the old ID. */
  const moveToNewId = (s: SessionState): void => {
    s.id = k.newId();
    s.signed = undefined;
    s.signing = undefined;
    s.stored = false;
    s.sendCookie = true;
  };

  const renew = (s: SessionState, now: number): void => {
    s.renewedFrom = s.id;
    moveToNewId(s);
    s.dirty = true;
    s.meta.r = now;
    s.boundUser = s.meta.u;
    void k.sign(s);
    emit("renewed", s.id, { previousSid: s.renewedFrom });
  };

  const ctx: SessionContext = {
    idOf: (session) => k.ensureId(stateOf(session)),
    async regenerate(session, keepData) {
      const s = stateOf(session);
      if (s.destroyed) throw new UnsessionError("ERR_STATE", "cannot regenerate a destroyed session");
      const oldId = s.id;
      const wasStored = s.stored;
      const previous = oldId || undefined;
      if (!keepData) {
        s.data = {};
        s.snapshot = undefined;
        s.pristine = undefined;
        s.flashIn = undefined;
      } else {
        void session.data; // take a snapshot so the kept data counts as set
      }
      moveToNewId(s);
      s.dirty = keepData;
      // The new ID starts with the configured lifetime, as express-session's does: a per-session one ("remember me") ends here.
      s.maxAge = o.cookie.maxAge;
      s.expires = o.cookie.expires;
      const now = Date.now();
      const user = keepData ? s.meta.u : undefined;
      s.meta = user === undefined ? { c: now, i: now } : { c: now, i: now, u: user };
      s.boundUser = user;
      void k.sign(s);
      if (oldId) k.bury(oldId);
      emit("regenerated", s.id, previous ? { previousSid: previous } : {});
      if (wasStored && oldId && k.cookieMode) {
        // Cookie-only: the old cookie is replaced by a new seal (even of empty data); its copies stay valid until their deadline.
        s.dirty = true;
      } else if (wasStored && oldId) {
        const gone = io.remove(oldId);
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
      k.bury(s.id);
      emit("destroyed", s.id);
      // Removed even when this request never saw it stored: another request may have written it meanwhile.
      // Cookie-only: nothing to remove; the response clears the cookie.
      s.stored = false;
      if (!k.cookieMode) await io.remove(s.id);
    },
    async reload(session) {
      const s = stateOf(session);
      if (!s.stored) throw new UnsessionError("ERR_STATE", "the session has no stored record to reload");
      // Cookie-only: the record as this request loaded (or last sealed) it.
      const raw = k.cookieMode ? s.sealedText : await io.read(s.id);
      // A record corrupted meanwhile is reported and counts as gone.
      const record = raw === null || raw === undefined ? null : k.parseOrReport(s.id, raw);
      if (record === null) {
        s.stored = false;
        throw new UnsessionError("ERR_STATE", "the session no longer exists in the store");
      }
      const expiredNow = !life.adopt(s, record, Date.now());
      if (o.commitMode === "merge") k.rememberBase(s);
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
      if (k.o.commitMode === "merge" && s.stored && !k.tombstones.has(s.id)) await committer.writeMerged(s);
      else await committer.writeFull(s);
    },
    async unset(session) {
      const s = stateOf(session);
      if (o.unset === "destroy") await ctx.destroy(session);
      else s.discarded = true;
    },
  };

  return { ctx, renew };
}

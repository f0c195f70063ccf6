/**
 * Loading a session from a request: which cookie values to trust (signature, Path), the one store read,
 * renewal pointers, expiry on load, re-signing under a rotated secret, and renewal when it is due.
 * @module
 */
import { readCookieValues } from "./cookie.ts";
import { isSafeId, type Internals } from "./internals.ts";
import type { Lifecycle } from "./lifecycle.ts";
import { chain, isPromise } from "./maybe.ts";
import { splitSealed } from "./sealed.ts";
import { Session, type SessionState } from "./session.ts";
import type { LoadOptions, MaybePromise, RequestLike, SessionRecord } from "./types.ts";

/**
 * Cookie values of the session's name verified per request, at most. Browsers send a few of one name when an
 * old Path or Domain variant survives (host-only and domain cookie, a path or two); more than that is not a
 * browser's doing, and each value costs one HMAC per secret (655 forged values cost 25–39 ms). Values past
 * the cap are ignored: one valid cookie among the first four is what a real client sends.
 */
export const MAX_VERIFIED = 4;

/** A session found for a cookie: [cookie ID, cookie value, current ID, record, found under the raw ID, cookie-only: the record text]. */
type Found = [string, string, string, SessionRecord, boolean, string?];

/** @internal The loading side of the manager. */
export interface Loader<D extends object> {
  /** The session of a request; synchronous when nothing had to be awaited. */
  loadFast(input: Request | RequestLike, extra?: LoadOptions): MaybePromise<Session<D>>;
}

/** @internal */
export function createLoader<D extends object>(k: Internals, lifecycle: Lifecycle): Loader<D> {
  const { o, io, life, emit, signer, tombstones } = k;
  const { ctx, renew } = lifecycle;
  const mode = k.cookieMode;

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

  /** The first of the first `MAX_VERIFIED` cookie values whose signature verifies, as [id, value]. */
  const firstValid = (values: string[], index: number): MaybePromise<[string, string] | null> => {
    if (index >= values.length || index >= MAX_VERIFIED) return null;
    const value = values[index]!;
    return chain(signer.unsign(value), (id) => {
      if (id !== null && isSafeId(id)) return [id, value] as [string, string];
      emit("invalid_signature");
      return firstValid(values, index + 1);
    });
  };

  /** Hands off work that need not block the response; its failure is reported by the store layer. */
  const background = (work: MaybePromise<void>, waitUntil: LoadOptions["waitUntil"]): void => {
    if (isPromise(work)) (waitUntil ?? ((p) => void p.catch(() => {})))(work.catch(() => {}));
  };

  /**
   * A record that cannot be read as a session (not an object, broken JSON, no cookie object, nested too deep):
   * reported, removed, and the request goes on as if there were none — never a 5xx on every request with that cookie.
   */
  const parseOrDrop = (id: string, raw: unknown, legacy: boolean, waitUntil: LoadOptions["waitUntil"], s: SessionState): SessionRecord | null => {
    const record = k.parseOrReport(id, raw, (error) => (s.corrupt = error));
    if (record === null) background(legacy ? io.storeCall("write", () => k.rawStore.delete(o.prefix + id)) : io.remove(id), waitUntil);
    return record;
  };

  /** Follows a renewal pointer (a record that names the ID that replaced it) within its grace window; `false` for a corrupt record. */
  const follow = (id: string, raw: unknown, legacy: boolean, depth: number, waitUntil: LoadOptions["waitUntil"], s: SessionState): MaybePromise<[string, SessionRecord] | null | false> => {
    if (raw === null || raw === undefined) return null;
    const record = parseOrDrop(id, raw, legacy, waitUntil, s);
    if (record === null) return false;
    const next = record.__unsession?.n;
    if (next === undefined) return [id, record];
    if (depth > 0 || !isSafeId(next) || record.__unsession!.i <= Date.now()) return null;
    return chain(io.read(next), (nextRaw) => follow(next, nextRaw, false, depth + 1, waitUntil, s));
  };

  /**
   * A store's session: the first verified cookie value, its one store read and a renewal pointer followed;
   * [cookie ID, cookie value, current ID, record, found under the raw ID].
   */
  const readSigned = (values: string[], waitUntil: LoadOptions["waitUntil"], s: SessionState): MaybePromise<Found | null> =>
    // Several cookies of one name (an old Path or Domain): the first that verifies is the session's, live or not,
    // so that a request costs one store read at most whatever its Cookie header holds.
    chain(firstValid(values, 0), (valid) => {
      if (!valid) return null;
      const [id, value] = valid;
      if (tombstones.has(id)) return null;
      return chain(io.readWithLegacy(id), ([raw, legacy]) => chain(follow(id, raw, legacy, 0, waitUntil, s), (found): Found | null => {
        if (!found) {
          // false: a corrupt record, already reported.
          if (found === null) emit("unknown_id", id);
          return null;
        }
        return [id, value, found[0], found[1], legacy];
      }));
    });

  /**
   * Cookie-only: the first of the first `MAX_VERIFIED` cookie values that unseals (live, under a known password)
   * into a record; no store, no tombstones: a copy of a cookie is valid until its sealed deadline.
   */
  const openSealed = (values: string[], index: number): MaybePromise<Found | null> => {
    if (index >= values.length || index >= MAX_VERIFIED) return null;
    const value = values[index]!;
    return chain(mode!.sealer.unseal(value, o.name), (text) => {
      const parts = text === null ? null : splitSealed(text);
      const record = parts !== null && isSafeId(parts[0]) ? k.parseOrReport(parts[0], parts[1]) : null;
      if (parts === null || record === null) {
        emit("invalid_signature");
        return openSealed(values, index + 1);
      }
      return [parts[0], value, parts[0], record, false, parts[1]] as Found;
    });
  };

  const loadFast = (input: Request | RequestLike, extra?: LoadOptions): MaybePromise<Session<D>> => {
    const req = toRequestLike(input);
    const secure = isSecure(req);
    const path = req.path ?? "/";
    const detached = o.cookie.path !== "/" && !(path === o.cookie.path || path.startsWith(o.cookie.path.endsWith("/") ? o.cookie.path : o.cookie.path + "/"));
    const waitUntil = extra?.waitUntil;
    const s = k.fresh(secure, detached, waitUntil);
    const session = new Session<D>(ctx, s);
    if (detached) return session;
    const values = readCookieValues(req.cookie, o.name);
    if (values.length === 0) return session;
    s.hadCookie = true;
    return chain(mode ? openSealed(values, 0) : readSigned(values, waitUntil, s), (found) => {
      if (!found) return session;
      const [id, value, currentId, record, legacy] = found;
      const now = Date.now();
      if (!life.adopt(s, record, now)) {
        // Expired: the request goes on with a fresh session (adopt filled `s`, so it starts again).
        Object.assign(s, k.fresh(secure, false, waitUntil));
        s.hadCookie = true;
        emit("expired", currentId);
        if (!mode) background(io.remove(currentId), waitUntil);
        return session;
      }
      s.id = currentId;
      if (o.commitMode === "merge") k.rememberBase(s);
      if (mode) {
        s.sealedText = found[5]!;
        // Sealed under an older password (rotation): sealed again under the first one at commit.
        if (mode.sealer.isPrimary(value)) s.signed = value;
        else s.dirty = true;
      } else if (currentId !== id) {
        // The cookie's ID was renewed by a parallel request: continue on the new ID and send it.
        s.sendCookie = true;
        void k.sign(s);
      } else if (o.secrets.length === 1 || signer.isPrimary(value)) {
        s.signed = value;
      } else {
        // Verified with an older secret (rotation): re-sign under the first one and send the new cookie.
        s.sendCookie = true;
        void k.sign(s);
      }
      if (legacy) {
        // Found under its raw ID (hashIds: "migrate"): move it under the hashed key now.
        s.legacyKey = o.prefix + id;
        s.dirty = true;
      }
      if (o.renewAfter !== undefined && currentId === id && now - (s.meta.r ?? s.meta.c) >= o.renewAfter * 1000) renew(s, now);
      return session;
    });
  };

  return { loadFast };
}

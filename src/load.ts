/**
 * Loading a session from a request: which cookie values to trust (signature, Path), the one store read,
 * renewal pointers, expiry on load, re-signing under a rotated secret, and renewal when it is due.
 * @module
 */
import { readCookieValues } from "./cookie.ts";
import { isSafeId, type Internals } from "./internals.ts";
import type { Lifecycle } from "./lifecycle.ts";
import { chain, isPromise } from "./maybe.ts";
import { parseRecord } from "./record.ts";
import { Session } from "./session.ts";
import type { LoadOptions, MaybePromise, RequestLike, SessionData, SessionRecord } from "./types.ts";

/** @internal The loading side of the manager. */
export interface Loader<D extends SessionData> {
  /** The session of a request; synchronous when nothing had to be awaited. */
  loadFast(input: Request | RequestLike, extra?: LoadOptions): MaybePromise<Session<D>>;
}

/** @internal */
export function createLoader<D extends SessionData>(k: Internals, lifecycle: Lifecycle): Loader<D> {
  const { o, io, life, emit, signer, tombstones } = k;
  const { ctx, renew } = lifecycle;

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

  /** The first cookie value whose signature verifies, as [id, value, index]. */
  const firstValid = (values: string[], index: number): MaybePromise<[string, string, number] | null> => {
    if (index >= values.length) return null;
    const value = values[index]!;
    return chain(signer.unsign(value), (id) => {
      if (id !== null && isSafeId(id)) return [id, value, index] as [string, string, number];
      emit("invalid_signature");
      return firstValid(values, index + 1);
    });
  };

  /** Follows a renewal pointer (a record that names the ID that replaced it) within its grace window. */
  const follow = (id: string, raw: unknown, depth: number): MaybePromise<[string, SessionRecord] | null> => {
    if (raw === null || raw === undefined) return null;
    const record = parseRecord(raw);
    const next = record.__unsession?.n;
    if (next === undefined) return [id, record];
    if (depth > 0 || !isSafeId(next) || record.__unsession!.i <= Date.now()) return null;
    return chain(io.read(next), (nextRaw) => follow(next, nextRaw, depth + 1));
  };

  const loadFast = (input: Request | RequestLike, extra?: LoadOptions): MaybePromise<Session<D>> => {
    const req = toRequestLike(input);
    const secure = isSecure(req);
    const path = req.path ?? "/";
    const detached = o.cookie.path !== "/" && !(path === o.cookie.path || path.startsWith(o.cookie.path.endsWith("/") ? o.cookie.path : o.cookie.path + "/"));
    const s = k.fresh(secure, detached, extra?.waitUntil);
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
      return chain(io.readWithLegacy(id), ([raw, legacy]) => chain(follow(id, raw, 0), (found) => {
        if (!found) {
          emit("unknown_id", id);
          return next();
        }
        const [currentId, record] = found;
        const now = Date.now();
        const tmp = k.fresh(secure, false, extra?.waitUntil);
        if (!life.adopt(tmp, record, now)) {
          emit("expired", currentId);
          const gone = io.remove(currentId);
          if (isPromise(gone)) (extra?.waitUntil ?? ((p) => void p.catch(() => {})))(gone.catch(() => {}));
          return next();
        }
        Object.assign(s, tmp);
        s.id = currentId;
        if (o.commitMode === "merge") k.rememberBase(s);
        if (currentId !== id) {
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
      }));
    });
    return attempt(0);
  };

  return { loadFast };
}

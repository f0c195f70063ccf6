/**
 * A session's lifetime and its stored form: deadlines (idle, absolute), cookie attributes capped by them,
 * and the record in express-session's layout with unsession's bookkeeping.
 * @module
 */
import type { CookieAttributes } from "./cookie.ts";
import { UnsessionError } from "./errors.ts";
import { DEFAULT_IDLE_TIMEOUT, type ResolvedOptions } from "./options.ts";
import { dataOf, MAX_DEPTH, stringify } from "./record.ts";
import { knownOf } from "./record-cache.ts";
import type { SessionState } from "./session.ts";
import type { RecordMeta, SessionRecord, StoredCookie } from "./types.ts";

/** @internal */
export interface Lifetime {
  idleOf(s: SessionState): number;
  touchAfterOf(s: SessionState): number;
  deadlineOf(s: SessionState): number;
  /** The same deadline from a record's metadata alone (creation and idle deadline, ms). */
  deadlineOfMeta(meta: { c: number; i: number }): number;
  /** Seconds until the earliest deadline (at least 1): the TTL handed to the store. */
  ttlOf(s: SessionState, now: number): number;
  adopt(s: SessionState, record: SessionRecord, now: number): boolean;
  attributes(s: SessionState, now: number): CookieAttributes;
  /** `[record JSON, ttl, data JSON]`; `compact`: the cookie object holds only what `adopt` reads (a sealed cookie's bytes count). */
  recordJson(s: SessionState, now: number, dataJson?: string, compact?: boolean): [string, number, string];
}

/** @internal */
export function createLifetime(o: ResolvedOptions, storeExpires = false): Lifetime {
  const idleOf = (s: SessionState): number => o.idleTimeout ?? s.maxAge ?? DEFAULT_IDLE_TIMEOUT;
  const touchAfterOf = (s: SessionState): number => o.touchAfter ?? Math.min(60, idleOf(s) / 10);
  /** The earliest server-side deadline, ms. */
  const deadlineOfMeta = (meta: { c: number; i: number }): number =>
    o.absoluteTimeout === undefined ? meta.i : Math.min(meta.i, meta.c + o.absoluteTimeout * 1000);
  const deadlineOf = (s: SessionState): number => deadlineOfMeta(s.meta);
  const ttlOf = (s: SessionState, now: number): number => Math.max(1, Math.ceil((deadlineOf(s) - now) / 1000));

  /** Fills a state from a stored record; `false` when the record is expired. */
  const adopt = (s: SessionState, record: SessionRecord, now: number): boolean => {
    const cookie = record.cookie;
    const meta = record.__unsession;
    const data = dataOf(record);
    const cookieExpires = typeof cookie.expires === "string" ? Date.parse(cookie.expires) : Number.NaN;
    s.maxAge = typeof cookie.originalMaxAge === "number" && cookie.originalMaxAge >= 0 ? Math.round(cookie.originalMaxAge / 1000) : o.cookie.expires ? undefined : cookie.originalMaxAge === null ? undefined : o.cookie.maxAge;
    // A record written by express-session has no metadata: its cookie expiry is its idle deadline, and the absolute timeout starts now.
    let idle = meta?.i ?? (Number.isFinite(cookieExpires) ? cookieExpires : now + idleOf(s) * 1000);
    if (meta && Number.isFinite(cookieExpires) && cookieExpires > idle) idle = cookieExpires;
    const kept: RecordMeta = { c: meta?.c ?? now, i: idle };
    if (meta?.u !== undefined) kept.u = meta.u;
    if (typeof meta?.r === "number") kept.r = meta.r;
    if (typeof meta?.l === "string") kept.l = meta.l;
    s.meta = kept;
    s.flashIn = meta?.f && typeof meta.f === "object" ? { ...meta.f } : undefined;
    s.data = data;
    s.snapshot = undefined;
    const known = knownOf(record);
    s.pristine = known?.dataJson;
    s.kept = known?.data;
    s.dirty = false;
    s.stored = true;
    if (storeExpires && s.meta.i <= now) {
      // The store still has it, so someone keeps it alive (express-session's touch extends a Redis TTL without
      // rewriting the record): it is alive, and our deadline and TTL are brought up to date by a touch now.
      s.meta.i = now + idleOf(s) * 1000;
      s.touchForced = true;
    }
    return deadlineOf(s) > now;
  };

  const attributes = (s: SessionState, now: number): CookieAttributes => {
    const c = s.attrs === undefined ? o.cookie : { ...o.cookie, ...s.attrs };
    const attrs: CookieAttributes = {
      path: c.path,
      domain: c.domain,
      httpOnly: c.httpOnly,
      secure: c.secure === "auto" ? s.secure : c.secure,
      sameSite: c.sameSite,
      partitioned: c.partitioned,
      priority: c.priority,
    };
    // Browsers drop SameSite=None without Secure (RFC 6265bis §4.1.2.7): on http the cookie goes out as Lax.
    if (attrs.sameSite === "none" && !attrs.secure) attrs.sameSite = "lax";
    if (s.maxAge !== undefined || s.expires !== undefined) {
      // The cookie never outlives the server-side deadline (checklist 11).
      const wanted = s.expires ? s.expires.getTime() : now + s.maxAge! * 1000;
      const until = Math.min(wanted, deadlineOf(s));
      // Rounded, not floored: the deadline was computed a few ms before this `now` (at the write), and
      // maxAge 600 must be sent as Max-Age=600. It stays below `wanted`, and the server checks its deadline anyway.
      attrs.maxAge = Math.max(0, Math.round((until - now) / 1000));
      // An expiry set explicitly is sent as it is, past dates included (express-session's cookie.expires = new Date(0)).
      attrs.expires = s.expires && until === wanted ? s.expires : new Date(now + attrs.maxAge * 1000);
    }
    return attrs;
  };

  const storedCookie = (s: SessionState, attrs: CookieAttributes): StoredCookie => {
    const cookie: StoredCookie = {
      originalMaxAge: s.maxAge === undefined ? (s.expires ? s.expires.getTime() - Date.now() : null) : s.maxAge * 1000,
      expires: attrs.expires ? attrs.expires.toISOString() : null,
    };
    // express-session's layout: attributes that are off are left out.
    if (attrs.secure) cookie.secure = true;
    cookie.httpOnly = attrs.httpOnly;
    cookie.path = attrs.path;
    if (attrs.domain !== undefined) cookie.domain = attrs.domain;
    if (attrs.sameSite) cookie.sameSite = attrs.sameSite;
    if (attrs.partitioned) cookie.partitioned = true;
    if (attrs.priority) cookie.priority = attrs.priority;
    return cookie;
  };

  /** The stored cookie of a browser-session cookie without per-session attributes, over http and https. */
  const sessionCookieJson: [string | undefined, string | undefined] = [undefined, undefined];

  /** A number as JSON writes it (a finite number as it is, anything else `null`). */
  const num = (n: number): number | null => (Number.isFinite(n) ? n : null);

  /** The metadata's JSON, keys in the order c, i, u, l, r, f, as JSON.stringify of that object would write it. */
  const metaJsonOf = (s: SessionState): string => {
    const m = s.meta;
    let flash: Record<string, unknown> | undefined;
    if (s.flashIn !== undefined || s.flashOut !== undefined) {
      flash = { ...s.flashIn, ...s.flashOut };
      if (Object.keys(flash).length === 0) flash = undefined;
    }
    let json = `{"c":${num(m.c)},"i":${num(m.i)}`;
    if (m.u !== undefined) json += `,"u":${JSON.stringify(m.u)}`;
    if (m.l !== undefined) json += `,"l":${JSON.stringify(m.l)}`;
    // The last renewal time must persist, or every request after renewAfter would renew again.
    if (m.r !== undefined) json += `,"r":${num(m.r)}`;
    if (flash !== undefined) json += `,"f":${stringify(flash, MAX_DEPTH - 2)}`;
    return json + "}";
  };

  /** Builds the record JSON: `{"cookie":…,<data>,"__unsession":…}` (express-session's layout plus our metadata). */
  const recordJson = (s: SessionState, now: number, dataJson?: string, compact = false): [string, number, string] => {
    const data = s.data as Record<string, unknown>;
    if ("cookie" in data || "__unsession" in data) {
      // An accessor named "cookie" is an adapter's view of the cookie (express-session's req.session.cookie), not data.
      const cookieKey = Object.getOwnPropertyDescriptor(data, "cookie");
      if ((cookieKey !== undefined && cookieKey.get === undefined) || Object.prototype.hasOwnProperty.call(data, "__unsession")) {
        throw new UnsessionError("ERR_SERIALIZE", 'session data may not use the reserved keys "cookie" and "__unsession"');
      }
    }
    s.meta.i = now + idleOf(s) * 1000;
    const body = dataJson ?? stringify(data);
    let cookieJson: string;
    if (!compact && s.maxAge === undefined && s.expires === undefined && s.attrs === undefined) {
      // A browser-session cookie with the configured attributes: the same stored cookie for every session.
      const slot = s.secure ? 1 : 0;
      cookieJson = sessionCookieJson[slot] ??= JSON.stringify(storedCookie(s, attributes(s, now)));
    } else {
      const stored = storedCookie(s, attributes(s, now));
      cookieJson = JSON.stringify(compact ? { originalMaxAge: stored.originalMaxAge, expires: stored.expires } : stored);
    }
    const metaJson = metaJsonOf(s);
    const json = `{"cookie":${cookieJson},${body.length > 2 ? body.slice(1, -1) + "," : ""}"__unsession":${metaJson}}`;
    const ttl = ttlOf(s, now);
    return [json, ttl, body];
  };

  /** `dataJson`: the JSON of `s.data` when the caller has just computed it (commit's change check). */

  return { idleOf, touchAfterOf, deadlineOf, deadlineOfMeta, ttlOf, adopt, attributes, recordJson };
}

/**
 * The core's cookie-only mode (`store: cookieStore()`): a session's record is sealed into its cookie at commit
 * and unsealed from it at load, in place of the store write and the signature check + store read. Everything
 * else (change detection, flash, deadlines, rolling, regenerate) stays on the core's one code path.
 *
 * The sealed text is `<id>.<record JSON>`: the ID keeps `session.id` stable across requests; the record has
 * the server-side layout with a cookie object cut to what `adopt` reads (`originalMaxAge`, `expires`).
 * @module
 */
import { UnsessionError } from "./errors.ts";
import type { Internals } from "./internals.ts";
import { passwordsOf, type ResolvedOptions } from "./options.ts";
import { createSealer, type Sealer } from "./seal.ts";
import type { SessionState } from "./session.ts";
import { cookieSealingOf } from "./stores/cookie.ts";
import type { SessionStore } from "./types.ts";

const encoder = new TextEncoder();

/** @internal What the core keeps for a cookie-only manager. */
export interface CookieMode {
  readonly sealer: Sealer;
  /** Largest name + value of the cookie, bytes. */
  readonly maxSize: number;
}

/** @internal The cookie mode of a manager whose store is a cookie store, else `undefined`. */
export function createCookieMode(o: ResolvedOptions, store: SessionStore): CookieMode | undefined {
  const sealing = cookieSealingOf(store);
  if (sealing === undefined) return undefined;
  return { sealer: createSealer(sealing.password ?? passwordsOf(o.secrets), "cookie"), maxSize: sealing.maxSize };
}

/** @internal Splits an unsealed text into its ID and record text; `null` when it is not ours. */
export function splitSealed(text: string): [string, string] | null {
  const dot = text.indexOf(".");
  return dot < 16 ? null : [text.slice(0, dot), text.slice(dot + 1)];
}

/** @internal The error for a seal that would not fit in a cookie: before a browser drops it silently. */
export const cookieSizeError = (name: string, size: number, max: number): UnsessionError =>
  new UnsessionError(
    "ERR_COOKIE_SIZE",
    `the sealed session cookie "${name}" would be ${size} bytes, more than the ${max} a browser keeps: store less in the session, or use a server-side store`,
  );

/**
 * @internal Seals the whole session into `s.signed` (the cookie value), as a store write would write its record:
 * the cookie is sent with the response. Throws `ERR_COOKIE_SIZE` before any crypto when the cookie would not fit.
 */
export function writeSealed(k: Internals, mode: CookieMode, s: SessionState, dataJson?: string): Promise<void> {
  const now = Date.now();
  const id = k.ensureId(s);
  const [json, , body] = k.life.recordJson(s, now, dataJson, true);
  const text = `${id}.${json}`;
  const expires = k.life.deadlineOf(s);
  const size = k.o.name.length + mode.sealer.sealedLength(encoder.encode(text).length, expires);
  if (size > mode.maxSize) return Promise.reject(cookieSizeError(k.o.name, size, mode.maxSize));
  // Nothing on the server to point at, remove or index: renewal, legacy keys and user indexes are store matters.
  s.renewedFrom = undefined;
  s.legacyKey = undefined;
  s.boundUser = undefined;
  return mode.sealer.seal(text, k.o.name, expires).then((sealed) => {
    if (!s.stored && !s.sendCookie) k.emit("created", id);
    s.signed = sealed;
    s.signing = undefined;
    s.sendCookie = true;
    s.stored = true;
    s.snapshot = s.snapshot === undefined ? undefined : body;
    s.dirty = false;
    s.sealedText = json;
  });
}

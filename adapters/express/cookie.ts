/**
 * `req.session.cookie`: express-session's `Cookie` class (times in milliseconds), bound to the core session's
 * lifetime when it belongs to a request, and rebuilt from a stored record's `cookie` object.
 * @module
 */
import { serialize } from "cookie-es";

/** Cookie settings as express-session takes them (`maxAge` in milliseconds). */
export interface CookieOptions {
  /** `Domain` attribute. */
  domain?: string;
  /** A fixed expiry (`null` or `false`: none). */
  expires?: Date | null | false;
  /** `HttpOnly` attribute. @default true */
  httpOnly?: boolean;
  /** Milliseconds. */
  maxAge?: number | null;
  /** `Partitioned` attribute (CHIPS). */
  partitioned?: boolean;
  /** `Path` attribute. @default "/" */
  path?: string;
  /** `Priority` attribute. */
  priority?: "low" | "medium" | "high" | "Low" | "Medium" | "High";
  /** `SameSite` attribute. */
  sameSite?: boolean | "lax" | "strict" | "none" | "auto" | "Lax" | "Strict" | "None";
  /** `Secure` attribute; `"auto"` follows the request's protocol. */
  secure?: boolean | "auto";
  /** The lifetime the cookie was first given, ms (as stored records carry it). */
  originalMaxAge?: number | null;
}

/** What a `Cookie` reads and writes its lifetime through (the adapter binds it to the core's session cookie). */
export interface CookieClock {
  /** The session's expiry (`undefined`: a browser-session cookie). */
  expires: Date | undefined;
  /** Sets the lifetime in milliseconds (`null`: a browser-session cookie). */
  setMaxAge?(ms: number | null): void;
}

/**
 * The session cookie as express-session exposes it on `req.session.cookie`: `maxAge` and `originalMaxAge` in
 * milliseconds, `expires` a `Date` or `null`. Setting `maxAge` or `expires` changes this session's cookie.
 */
export class Cookie {
  /** `Path` attribute. */
  path: string = "/";
  /** `HttpOnly` attribute. */
  httpOnly: boolean = true;
  /** `Secure` attribute; `"auto"` follows the request's protocol. */
  secure?: boolean | "auto";
  /** `Domain` attribute. */
  domain?: string;
  /** `SameSite` attribute. */
  sameSite?: CookieOptions["sameSite"];
  /** `Priority` attribute. */
  priority?: CookieOptions["priority"];
  /** `Partitioned` attribute (CHIPS). */
  partitioned?: boolean;
  /** The lifetime the cookie was given, ms (`null`: a browser-session cookie). */
  originalMaxAge: number | null = null;
  #clock: CookieClock;

  /** A cookie with these options; `clock` binds its lifetime to a session. */
  constructor(options?: CookieOptions, clock?: CookieClock) {
    this.#clock = clock ?? { expires: undefined };
    if (options !== undefined && options !== null && typeof options !== "object") throw new TypeError("argument options must be a object");
    const { maxAge, expires, originalMaxAge, ...rest } = options ?? {};
    delete (rest as { data?: unknown }).data; // a getter here, as in express-session
    Object.assign(this, rest);
    if (clock === undefined) {
      if (expires) this.expires = expires;
      if (maxAge !== undefined && maxAge !== null) this.maxAge = maxAge;
    }
    this.originalMaxAge = originalMaxAge ?? (clock ? this.maxAge : maxAge ?? this.originalMaxAge);
  }

  /** When the cookie expires, or `null` for a browser-session cookie. */
  get expires(): Date | null {
    return this.#clock.expires ?? null;
  }
  set expires(date: Date | null | false | undefined) {
    this.#clock.expires = date ? (date instanceof Date ? date : new Date(date)) : undefined;
    this.originalMaxAge = this.maxAge;
  }

  /** Milliseconds left, or `null` for a browser-session cookie. */
  get maxAge(): number | null {
    const expires = this.#clock.expires;
    return expires ? expires.getTime() - Date.now() : null;
  }
  set maxAge(ms: number | Date | null | undefined) {
    // A Date is still accepted (express-session deprecates it): it is the expiry itself.
    if (ms instanceof Date) {
      this.expires = ms;
      return;
    }
    if (ms !== null && ms !== undefined && typeof ms !== "number") throw new TypeError("maxAge must be a number or Date");
    if (this.#clock.setMaxAge) {
      this.#clock.setMaxAge(ms ?? null);
      this.originalMaxAge = ms ?? null;
      return;
    }
    this.expires = typeof ms === "number" ? new Date(Date.now() + ms) : null;
  }

  /** The attributes, as stored in a session record. */
  get data(): Record<string, unknown> {
    return {
      originalMaxAge: this.originalMaxAge,
      partitioned: this.partitioned,
      priority: this.priority,
      expires: this.expires ?? null,
      secure: this.secure,
      httpOnly: this.httpOnly,
      domain: this.domain,
      path: this.path,
      sameSite: this.sameSite,
    };
  }

  /** A `Set-Cookie` value for `name=val` with these attributes. */
  serialize(name: string, val: string): string {
    const d = this.data;
    return serialize(name, val, { ...d, secure: d.secure === true, expires: this.expires ?? undefined } as never);
  }

  /** The stored form of the cookie (what a store's record holds under `cookie`). */
  toJSON(): Record<string, unknown> {
    return this.data;
  }
}

/** A `Cookie` from its stored JSON form (`expires` as an ISO string). */
export function restoreCookie(stored: Record<string, unknown>): Cookie {
  const { expires, originalMaxAge, ...rest } = stored;
  const cookie = new Cookie(rest as CookieOptions);
  if (typeof expires === "string" || expires instanceof Date) cookie.expires = new Date(expires);
  cookie.originalMaxAge = typeof originalMaxAge === "number" ? originalMaxAge : null;
  return cookie;
}

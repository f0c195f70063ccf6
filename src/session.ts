/**
 * The session object handed to handlers.
 * @module
 */
import { UnsessionError } from "./errors.ts";
import { isEmptyObject, stringify } from "./record.ts";
import type { CookieOptions, RecordMeta, SessionData } from "./types.ts";

/** @internal The manager's side of a session. */
export interface SessionContext {
  /** The session's ID, made now when it has none yet (nothing is stored or sent for it until a commit needs to). */
  idOf(session: Session<any>): string;
  regenerate(session: Session<any>, keepData: boolean): Promise<void>;
  destroy(session: Session<any>): Promise<void>;
  reload(session: Session<any>): Promise<void>;
  save(session: Session<any>): Promise<void>;
  unset(session: Session<any>): Promise<void>;
}

/** @internal Mutable state of a session, shared with the manager only. */
export interface SessionState {
  id: string;
  /** `s:<id>.<mac>` once signed. */
  signed: string | undefined;
  signing: Promise<string> | undefined;
  /** A record under `id` exists in the store (as far as this request knows). */
  stored: boolean;
  /** The cookie must be sent at commit (new ID saved, renewal, re-sign under the first secret). */
  sendCookie: boolean;
  data: SessionData;
  /** JSON of `data` when first handed out; undefined while nobody has looked at `data`. */
  snapshot: string | undefined;
  /** JSON of `data` as loaded, when known without serialising (a record from the parse cache): the snapshot to take. */
  pristine?: string;
  /** Cookie-only: the record text this session was loaded with or last sealed, for `reload()`. */
  sealedText?: string;
  /** The data of the parse cache's own record behind `pristine` (never handed out): data still equal to it is unchanged. */
  kept?: SessionData;
  dirty: boolean;
  destroyed: boolean;
  discarded: boolean;
  meta: RecordMeta;
  flashIn: Record<string, unknown> | undefined;
  flashOut: Record<string, unknown> | undefined;
  /** Per-session cookie lifetime, seconds (undefined: browser-session cookie). */
  maxAge: number | undefined;
  expires: Date | undefined;
  secure: boolean;
  /** The request is outside the cookie's Path: nothing is read, written or sent. */
  detached: boolean;
  touchForced: boolean;
  /** The ID this session was renewed from in this request: it becomes a pointer for the grace window. */
  renewedFrom: string | undefined;
  /** A raw-ID key to remove once the record is written under its hashed key (`hashIds: "migrate"`). */
  legacyKey: string | undefined;
  /** The user this session was bound to in this request (to add to the user's index at commit). */
  boundUser: string | undefined;
  waitUntil: ((promise: Promise<unknown>) => void) | undefined;
  /** The request carried a cookie of this name: a destroy has a cookie to clear. */
  hadCookie: boolean;
  /** Written in this request (by `save()` or a commit): `resave` does not write it again unless it changed since. */
  saved: boolean;
  /** Cookie attributes changed for this session (`session.cookie.override`), over the configured ones. */
  attrs: CookieOverrides | undefined;
  /** The error of a corrupt record this request's cookie named (removed and reported; the session is fresh). */
  corrupt?: UnsessionError;
  /** The handler read or changed something that comes from the cookie (data, ID, user, flash…): the response varies by `Cookie`. */
  read?: boolean;
  /** `session.noStore()` was called: the response gets `Cache-Control: private, no-store`. */
  noStore?: boolean;
}

/** Cookie attributes one session may change for itself (express-session's `req.session.cookie.httpOnly = false`, …). */
export type CookieOverrides = Pick<CookieOptions, "path" | "domain" | "httpOnly" | "secure" | "sameSite" | "partitioned" | "priority">;

/** The longest `setUser` label: it is stored in every write of the record. */
const MAX_LABEL = 200;

let readState: (session: Session<any>) => SessionState;
/** @internal The state behind a session (the manager's access; not re-exported). */
export const stateOf = (session: Session<any>): SessionState => readState(session);

/** The cookie settings of one session; changing them is a change of the session. */
export interface SessionCookie {
  /** Lifetime in seconds from now (undefined: a browser-session cookie). */
  maxAge: number | undefined;
  /** When the cookie expires (undefined: a browser-session cookie). */
  expires: Date | undefined;
  /** Changes this session's cookie attributes for this request: used when the cookie is sent or the record written. */
  override(attributes: CookieOverrides): void;
}

/** `session.cookie`: accessors on a prototype, so that a session costs no closures. */
class CookieView implements SessionCookie {
  readonly #s: SessionState;
  constructor(state: SessionState) {
    this.#s = state;
  }
  get maxAge(): number | undefined {
    const self = this.#s;
    if (self.expires) return Math.max(0, Math.round((self.expires.getTime() - Date.now()) / 1000));
    return self.maxAge;
  }
  set maxAge(value: number | undefined) {
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value) || value < 0)) {
      throw new UnsessionError("ERR_STATE", `cookie.maxAge must be a non-negative number of seconds (got ${String(value)})`);
    }
    const self = this.#s;
    self.maxAge = value;
    self.expires = undefined;
    self.dirty = true;
  }
  get expires(): Date | undefined {
    const self = this.#s;
    if (self.expires) return self.expires;
    return self.maxAge === undefined ? undefined : new Date(Date.now() + self.maxAge * 1000);
  }
  set expires(value: Date | undefined) {
    const self = this.#s;
    self.expires = value;
    self.maxAge = undefined;
    self.dirty = true;
  }
  override(attributes: CookieOverrides): void {
    const self = this.#s;
    // Not a change of the session by itself (as in express-session): the attributes go out when the cookie does.
    self.attrs = { ...self.attrs, ...attributes };
  }
}

/**
 * One user's session during one request. Created by `sessions.load()`; written by `sessions.commit()`.
 * `data` is a plain object; any change to it, nested ones included, is detected at commit.
 */
export class Session<D extends object = SessionData> {
  readonly #state: SessionState;
  static {
    readState = (session) => session.#state;
  }
  readonly #ctx: SessionContext;
  #cookie: SessionCookie | undefined;

  /** @internal Sessions are made by the manager. */
  constructor(ctx: SessionContext, state: SessionState) {
    this.#ctx = ctx;
    this.#state = state;
  }

  /** The session's cookie lifetime, changeable per session (e.g. "remember me"). */
  get cookie(): SessionCookie {
    this.#state.read = true;
    // Made on first use: most requests never look at it.
    return (this.#cookie ??= new CookieView(this.#state));
  }

  /**
   * The session ID, stable from the first read: a new session gets its ID then, though reading it alone stores
   * nothing and sends no cookie (unless `saveUninitialized`). Never put it in a body, URL or header other than the cookie.
   */
  get id(): string {
    this.#state.read = true;
    return this.#state.id || this.#ctx.idOf(this);
  }

  /** True when no stored record backs this session yet (no cookie came in, it was unknown or expired, or it was regenerated). */
  get isNew(): boolean {
    this.#state.read = true;
    return !this.#state.stored;
  }

  /** The session's data. Mutate it freely; replacing it is a change too. */
  get data(): D {
    const s = this.#state;
    s.read = true;
    if (s.snapshot === undefined) s.snapshot = s.pristine ?? (isEmptyObject(s.data) ? "{}" : stringify(s.data));
    return s.data as D;
  }

  set data(value: D) {
    const s = this.#state;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new UnsessionError("ERR_STATE", "session.data must be a plain object");
    }
    s.data = value as SessionData;
    s.pristine = undefined;
    s.dirty = true;
    s.read = true;
  }

  /**
   * The error (`ERR_STORE_DATA`) of a corrupt stored record that this request's cookie named, if any: the session
   * is a fresh one, the record was removed and the error reported. For adapters that must answer it as an error
   * (express-session does).
   */
  get corruptRecord(): UnsessionError | undefined {
    return this.#state.corrupt;
  }

  /** True once `destroy()` was called. */
  get destroyed(): boolean {
    return this.#state.destroyed;
  }

  /**
   * True once the handler read or changed anything that comes from the cookie (`data`, `id`, `isNew`,
   * `userId`, `cookie`, flash values): its response must carry `Vary: Cookie` (the core and the adapters
   * add it). Reading `accessed` or `destroyed` does not count.
   */
  get accessed(): boolean {
    return this.#state.read === true;
  }

  /**
   * Marks this response `Cache-Control: private, no-store` (and `Vary: Cookie`): no cache keeps it, so the
   * browser's Back button after logout asks the server again instead of showing this signed-in page.
   * Overrides the response's own `Cache-Control`. For every signed-in page at once, see the `privateWhenSignedIn` option.
   */
  noStore(): void {
    const s = this.#state;
    s.noStore = true;
    s.read = true;
  }

  /**
   * Issues a new ID and removes the old record at once: call it at login (defence against fixation).
   * The data is emptied unless `keepData` is true.
   */
  regenerate(options: { keepData?: boolean } = {}): Promise<void> {
    return this.#ctx.regenerate(this, options.keepData === true);
  }

  /** Removes the record now; the response clears the cookie. */
  destroy(): Promise<void> {
    return this.#ctx.destroy(this);
  }

  /** Discards changes made since the load and reads the record again. */
  reload(): Promise<void> {
    this.#state.read = true;
    return this.#ctx.reload(this);
  }

  /** Writes the session now (commit would write it at the end of the request anyway). */
  save(): Promise<void> {
    return this.#ctx.save(this);
  }

  /** Extends the idle deadline on this request even when the touch throttle would skip it. */
  touch(): void {
    this.#state.touchForced = true;
  }

  /** Applies the `unset` option: discard this request's changes (`keep`) or destroy the session (`destroy`). */
  unset(): Promise<void> {
    return this.#ctx.unset(this);
  }

  /** The user this session is bound to with `setUser`, if any. */
  get userId(): string | undefined {
    this.#state.read = true;
    return this.#state.meta.u;
  }

  /**
   * Binds the session to a user, so that `sessions.listUserSessions(userId)` lists it and
   * `sessions.revokeUser(userId)` ends it. Call it at login, after `regenerate()`.
   * `label` (at most 200 characters) is shown in that listing, e.g. the browser and system the user signed in from.
   */
  setUser(userId: string, options: { label?: string } = {}): void {
    if (typeof userId !== "string" || userId.length === 0) throw new UnsessionError("ERR_STATE", "setUser needs a non-empty string");
    const label = options.label;
    if (label !== undefined && (typeof label !== "string" || label.length > MAX_LABEL)) {
      throw new UnsessionError("ERR_STATE", `setUser: label must be a string of at most ${MAX_LABEL} characters`);
    }
    const s = this.#state;
    s.read = true;
    if (label === undefined) delete s.meta.l;
    else s.meta.l = label;
    s.meta.u = userId;
    s.boundUser = userId;
    s.dirty = true;
  }

  /** Sets a flash value: readable once, from the next request on. */
  flash(key: string, value: unknown): void {
    const s = this.#state;
    s.read = true;
    (s.flashOut ??= {})[key] = value;
    s.dirty = true;
  }

  /** Reads a flash value set by an earlier request, and removes it. */
  getFlash<T = unknown>(key: string): T | undefined {
    const s = this.#state;
    s.read = true;
    if (!s.flashIn || !Object.prototype.hasOwnProperty.call(s.flashIn, key)) return undefined;
    const value = s.flashIn[key] as T;
    delete s.flashIn[key];
    s.dirty = true;
    return value;
  }
}

/**
 * Scripted browser traffic for the differential tests: a cookie jar that follows redirects, a transcript of what
 * each response said (status, Location, body, Set-Cookie) and of the stored record after chosen steps, normalised
 * so that two implementations' transcripts compare with `toEqual`.
 * @module
 */

/** One scripted request. `record: true` reads the current session's record through the store after it. */
export interface Step {
  method?: "GET" | "POST";
  path: string;
  form?: Record<string, string>;
  record?: boolean;
}

/** What one response said, normalised. */
export interface Seen {
  request: string;
  status: number;
  location: string | null;
  body: string;
  setCookie: CookieShape[];
  /** Our adapter expired the cookie where express-session sent none (docs/express.md, difference 6). */
  clearedByUs?: true;
  record?: unknown;
}

/** A Set-Cookie line without what differs by design from run to run (the ID, the clock). */
export interface CookieShape {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

/** Seconds from now, rounded to 10 s, or "past": compares two `Expires` produced a few milliseconds apart. */
export function fromNow(value: string | Date | null | undefined): string | null | undefined {
  if (value === null || value === undefined) return value;
  const at = new Date(value).getTime();
  if (Number.isNaN(at)) return `invalid:${String(value)}`;
  if (at <= Date.now()) return "past";
  return `${value instanceof Date ? "Date" : typeof value} +${Math.round((at - Date.now()) / 10_000) * 10}s`;
}

/** A Set-Cookie line's shape. Max-Age is dropped: it is our deliberate addition next to Expires (docs/express.md). */
export function cookieShape(line: string): CookieShape {
  const [pair, ...parts] = line.split(";");
  const eq = pair!.indexOf("=");
  const name = pair!.slice(0, eq).trim();
  const raw = pair!.slice(eq + 1).trim();
  const value = /^s%3A[^.]+\.[A-Za-z0-9%+/=_-]+$/.test(raw) ? "<signed id>" : raw;
  const attributes: Record<string, string | true> = {};
  for (const part of parts) {
    const [k, ...v] = part.trim().split("=");
    const key = k!.toLowerCase();
    if (key === "max-age") continue;
    attributes[key] = key === "expires" ? fromNow(v.join("="))! : v.length ? v.join("=") : true;
  }
  return { name, value, attributes };
}

/** The session ID inside a `connect.sid` cookie value (`s:` + id + `.` + signature, URL-encoded). */
export function sidOf(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  const value = decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1));
  return value.startsWith("s:") ? value.slice(2, value.lastIndexOf(".")) : undefined;
}

/** A stored record's shape: `cookie.expires` relative to now, `originalMaxAge` to the second, timestamps typed, our `__unsession` key dropped (difference 9). */
export function recordShape(record: any): unknown {
  if (record === null || record === undefined) return null;
  if (typeof record !== "object") return { notAnObject: typeof record, value: String(record).slice(0, 60) };
  const { __unsession: _ours, ...rest } = record;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) out[k] = k === "__lastAccess" ? typeof v : v;
  if (rest.cookie) {
    out.cookie = { ...rest.cookie, expires: fromNow(rest.cookie.expires) };
    // express-session derives originalMaxAge from a second clock read after setting expires: 3599999 when a
    // millisecond ticks in between. Compared to the second, as Expires is.
    const original = rest.cookie.originalMaxAge;
    if (typeof original === "number") (out.cookie as Record<string, unknown>).originalMaxAge = Math.round(original / 1000) * 1000;
  }
  return out;
}

/** Reads a record through the store's own callback API (an ENOENT counts as missing, as in express-session). */
export const readRecord = (store: any, sid: string): Promise<unknown> =>
  new Promise((resolve, reject) =>
    store.get(sid, (err: any, sess: unknown) => (err && err.code !== "ENOENT" ? reject(err) : resolve(err ? null : sess ?? null))),
  );

/** A browser: keeps `connect.sid`, follows redirects, records every response. */
export class Browser {
  cookie: string | undefined;
  readonly seen: Seen[] = [];
  constructor(
    readonly base: string,
    readonly store?: any,
    readonly name = "connect.sid",
  ) {}

  /** Sends one step and its redirects; returns the last response's body. */
  async step(step: Step): Promise<string> {
    let method = step.method ?? "GET";
    let path = step.path;
    let body: string | undefined = step.form ? new URLSearchParams(step.form).toString() : undefined;
    for (let hop = 0; hop < 5; hop++) {
      const headers: Record<string, string> = {};
      if (this.cookie) headers.cookie = this.cookie;
      if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
      const res = await fetch(this.base + path, { method, headers, body, redirect: "manual" });
      const lines = res.headers.getSetCookie().filter((l) => l.startsWith(`${this.name}=`));
      const last = lines.at(-1);
      if (last) {
        const shape = cookieShape(last);
        this.cookie = shape.value === "" || shape.attributes.expires === "past" ? undefined : last.split(";")[0];
      }
      const seen: Seen = {
        request: `${method} ${path}`,
        status: res.status,
        location: res.headers.get("location"),
        body: await res.text(),
        setCookie: lines.map(cookieShape),
      };
      this.seen.push(seen);
      if (step.record && this.store) {
        const sid = sidOf(this.cookie);
        seen.record = sid ? recordShape(await readRecord(this.store, sid)) : null;
      }
      if (res.status < 300 || res.status >= 400 || !seen.location) return seen.body;
      method = "GET";
      body = undefined;
      path = seen.location.startsWith("/") ? seen.location : new URL(seen.location).pathname;
    }
    throw new Error(`too many redirects from ${step.path}`);
  }

  /** Runs a script in order. */
  async run(steps: Step[]): Promise<Seen[]> {
    for (const s of steps) await this.step(s);
    return this.seen;
  }
}

/**
 * Our transcript with the documented differences taken out: a response where only we sent a Set-Cookie, and that
 * cookie only expires the session cookie (logout, difference 6), is marked `clearedByUs` with no Set-Cookie.
 */
export function withoutDocumentedDifferences(ours: Seen[], theirs: Seen[]): Seen[] {
  return ours.map((seen, i) => {
    const other = theirs[i];
    const clearing = seen.setCookie.length > 0 && seen.setCookie.every((c) => c.value === "" || c.attributes.expires === "past");
    if (clearing && other && other.setCookie.length === 0) return { ...seen, setCookie: [], clearedByUs: true };
    return seen;
  });
}

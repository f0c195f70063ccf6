import { sign as csSign, unsign as csUnsign } from "cookie-signature";
import { describe, expect, it } from "vitest";
import { createSessions } from "../../src/index.ts";
import { SECRET, SECRET_2, SECRET_OLD, cookiePair, cookieValue, idOf, request, spyStorage } from "../helpers/spy-storage.ts";

type Data = { n?: number };

/** A manager whose handler counts `n` when `?inc` is asked, and answers `{ n, isNew }`. */
function setup(secret: string | string[], spy = spyStorage()) {
  const sessions = createSessions<Data>({ secret, storage: spy.storage });
  const handler = sessions.wrap((req, session) => {
    if (new URL(req.url).searchParams.has("inc")) session.data.n = (session.data.n ?? 0) + 1;
    return Response.json({ n: session.data.n ?? null, isNew: session.isNew });
  });
  return { sessions, handler, spy };
}

const inc = (cookie?: string | null) => request(cookie, { url: "http://127.0.0.1/?inc" });

/** Creates a session (n = 1) and returns its Set-Cookie. */
async function login(handler: (r: Request) => Promise<Response>): Promise<string> {
  const res = await handler(inc());
  const setCookie = res.headers.get("set-cookie");
  expect(setCookie).toBeTruthy();
  return setCookie!;
}

describe("signing: cookie format", () => {
  it("writes s:<id>.<base64 MAC without padding>, URL-encoded in Set-Cookie", async () => {
    const { handler } = setup(SECRET);
    const setCookie = await login(handler);
    const pair = cookiePair(setCookie)!;
    expect(pair.startsWith("sid=s%3A")).toBe(true);
    // The raw pair is URL-encoded: no ':', '/', '+' or '=' padding left in it.
    expect(pair.slice(4)).not.toMatch(/[:/+=]/);
    expect(cookieValue(setCookie)).toMatch(/^s:[A-Za-z0-9_-]{43}\.[A-Za-z0-9+/]{43}$/);
  });

  it("produces exactly what cookie-signature produces for the same id and secret", async () => {
    const { handler } = setup(SECRET);
    const setCookie = await login(handler);
    const id = idOf(setCookie)!;
    expect(cookieValue(setCookie)).toBe(`s:${csSign(id, SECRET)}`);
    expect(csUnsign(cookieValue(setCookie)!.slice(2), SECRET)).toBe(id);
  });

  it("accepts a cookie signed by cookie-signature with the same secret", async () => {
    const { handler } = setup(SECRET);
    const id = idOf(await login(handler))!;
    const foreign = `sid=${encodeURIComponent(`s:${csSign(id, SECRET)}`)}`;
    const res = await handler(inc(foreign));
    expect(await res.json()).toEqual({ n: 2, isNew: false });
  });

  it("accepts a cookie signed by cookie-signature for a record written in express-session's format", async () => {
    const { handler, spy } = setup(SECRET);
    const id = "expressSessionStyleId_0123456789abcdef";
    await spy.put(`sess:${id}`, JSON.stringify({ cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: "/" }, n: 41 }));
    const res = await handler(inc(`sid=${encodeURIComponent(`s:${csSign(id, SECRET)}`)}`));
    expect(await res.json()).toEqual({ n: 42, isNew: false });
  });
});

describe("signing: secret rotation", () => {
  it("signs new cookies with the first secret of an array", async () => {
    const { handler } = setup([SECRET, SECRET_OLD]);
    const setCookie = await login(handler);
    const id = idOf(setCookie)!;
    expect(csUnsign(cookieValue(setCookie)!.slice(2), SECRET)).toBe(id);
    expect(csUnsign(cookieValue(setCookie)!.slice(2), SECRET_OLD)).toBe(false);
  });

  it("accepts a cookie signed by an old but listed secret and re-signs it with the first secret", async () => {
    const spy = spyStorage();
    const old = setup(SECRET_OLD, spy);
    const oldCookie = await login(old.handler);
    const id = idOf(oldCookie)!;
    const rotated = setup([SECRET, SECRET_OLD], spy);
    // A read-only request: the data is found, and the cookie comes back signed with the new secret.
    const res = await rotated.handler(request(cookiePair(oldCookie)));
    expect(await res.json()).toEqual({ n: 1, isNew: false });
    const resigned = res.headers.get("set-cookie");
    expect(resigned).toBeTruthy();
    expect(idOf(resigned)).toBe(id);
    expect(cookieValue(resigned)).toBe(`s:${csSign(id, SECRET)}`);
    // The re-signed cookie works with the new secret alone.
    const newOnly = setup(SECRET, spy);
    expect(await (await newOnly.handler(request(cookiePair(resigned)))).json()).toEqual({ n: 1, isNew: false });
  });

  it("re-signs with the first secret when the old-secret session is also changed", async () => {
    const spy = spyStorage();
    const oldCookie = await login(setup(SECRET_OLD, spy).handler);
    const rotated = setup([SECRET, SECRET_OLD], spy);
    const res = await rotated.handler(inc(cookiePair(oldCookie)));
    expect(await res.json()).toEqual({ n: 2, isNew: false });
    expect(cookieValue(res.headers.get("set-cookie"))).toBe(`s:${csSign(idOf(oldCookie)!, SECRET)}`);
  });

  it("does not re-sign a cookie already signed with the first secret", async () => {
    const { handler } = setup([SECRET, SECRET_OLD]);
    const setCookie = await login(handler);
    const res = await handler(request(cookiePair(setCookie)));
    expect(await res.json()).toEqual({ n: 1, isNew: false });
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("rejects a cookie signed by a rotated-out secret, without touching the store", async () => {
    const spy = spyStorage();
    const old = setup(SECRET_OLD, spy);
    const oldCookie = await login(old.handler);
    const current = setup([SECRET, SECRET_2], spy);
    spy.reset();
    const res = await current.handler(request(cookiePair(oldCookie)));
    expect(await res.json()).toEqual({ n: null, isNew: true });
    expect(spy.counts().total).toBe(0);
  });
});

describe("signing: tampering", () => {
  const flip = (c: string) => (c === "A" ? "B" : "A");
  const variants = (value: string): Record<string, string> => {
    const dot = value.lastIndexOf(".");
    const id = value.slice(2, dot);
    const mac = value.slice(dot + 1);
    return {
      "a flipped character in the ID": `s:${flip(id[0]!)}${id.slice(1)}.${mac}`,
      "a flipped last character in the ID": `s:${id.slice(0, -1)}${flip(id.at(-1)!)}.${mac}`,
      "a flipped character in the MAC": `s:${id}.${flip(mac[0]!)}${mac.slice(1)}`,
      "a flipped last character in the MAC": `s:${id}.${mac.slice(0, -1)}${mac.at(-1) === "g" ? "w" : "g"}`,
      "a truncated MAC": `s:${id}.${mac.slice(0, -2)}`,
      "a MAC with padding added": `s:${id}.${mac}=`,
      "an empty MAC": `s:${id}.`,
      "no MAC at all": `s:${id}`,
      "the bare ID": id,
      "a missing s: prefix": `${id}.${mac}`,
      "the MAC of another secret": `s:${csSign(id, SECRET_2)}`,
      "an unsigned value": `s:${id}.${"A".repeat(43)}`,
    };
  };

  it("makes every tampered variant anonymous with zero store operations", async () => {
    const { handler, spy } = setup(SECRET);
    const value = cookieValue(await login(handler))!;
    for (const [what, bad] of Object.entries(variants(value))) {
      spy.reset();
      const res = await handler(request(`sid=${encodeURIComponent(bad)}`));
      expect(await res.json(), what).toEqual({ n: null, isNew: true });
      expect(spy.counts().total, what).toBe(0);
      expect(res.headers.get("set-cookie"), what).toBeNull();
    }
  });

  it("never adopts the tampered ID when data is then set", async () => {
    const { handler } = setup(SECRET);
    const value = cookieValue(await login(handler))!;
    const id = idOf(value);
    const bad = `s:${id}.${"A".repeat(43)}`;
    const res = await handler(inc(`sid=${encodeURIComponent(bad)}`));
    expect(await res.json()).toEqual({ n: 1, isNew: true });
    expect(idOf(res.headers.get("set-cookie"))).not.toBe(id);
  });
});

describe("signing: several cookies of one name", () => {
  it("uses the one that verifies, whatever its position", async () => {
    const { handler, spy } = setup(SECRET);
    const good = cookiePair(await login(handler))!;
    const id = idOf(good)!;
    const forged = `sid=${encodeURIComponent(`s:${id}.${"B".repeat(43)}`)}`;
    for (const header of [`${forged}; ${good}`, `${good}; ${forged}`, `sid=garbage; other=1; ${good}`]) {
      spy.reset();
      const res = await handler(request(header));
      expect(await res.json(), header).toEqual({ n: 1, isNew: false });
      expect(spy.counts().reads, header).toBe(1);
    }
  });

  it("ignores cookies of other names that hold a valid signed value", async () => {
    const { handler, spy } = setup(SECRET);
    const value = cookiePair(await login(handler))!.slice(4);
    spy.reset();
    const res = await handler(request(`xsid=${value}; sid2=${value}`));
    expect(await res.json()).toEqual({ n: null, isNew: true });
    expect(spy.counts().total).toBe(0);
  });
});

describe("signing: where the ID comes from", () => {
  it("accepts the ID only from the configured cookie: never from a query string, header or other cookie", async () => {
    const { handler, spy } = setup(SECRET);
    const value = cookiePair(await login(handler))!.slice(4);
    spy.reset();
    const attempts = [
      request(null, { url: `http://127.0.0.1/?sid=${value}` }),
      request(null, { headers: { "x-session-id": value, authorization: `Bearer ${value}`, sid: value } }),
      request(`connect.sid=${value}`),
    ];
    for (const req of attempts) {
      const res = await handler(req);
      expect(await res.json()).toEqual({ n: null, isNew: true });
    }
    expect(spy.counts().total).toBe(0);
  });
});

describe("signing: the verified-value cache", () => {
  it("never takes a value for a cached one that shares its MAC's tail: another ID with a copied MAC is refused", async () => {
    const sessions = createSessions<Data>({ secret: SECRET });
    const s = await sessions.load({ cookie: null });
    s.data.n = 1;
    const setCookie = (await sessions.commit(s))!;
    const value = decodeURIComponent(setCookie.split(";")[0]!.slice("sid=".length));
    expect((await sessions.load({ cookie: `sid=${encodeURIComponent(value)}` })).data.n).toBe(1); // verified, cached
    const dot = value.lastIndexOf(".");
    const other = await sessions.load({ cookie: null });
    other.data.n = 2;
    await sessions.commit(other);
    // The second session's ID with the first one's MAC: the cache keys by the MAC's end, the whole value must match.
    const forged = `s:${other.id}${value.slice(dot)}`;
    const loaded = await sessions.load({ cookie: `sid=${encodeURIComponent(forged)}` });
    expect(loaded.isNew).toBe(true);
    expect(loaded.data.n).toBeUndefined();
  });
});

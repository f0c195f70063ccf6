/**
 * What the core does for express-session compatibility, without the Express adapter: short secrets (verify-only,
 * or signing under `compat`), secrets as bytes, a synchronous `hmac` for signing, an express-session store given
 * as `store` (bridged, no prefix of ours), and a store's own `touch` on unchanged requests.
 * @module
 */
import { createHmac } from "node:crypto";
import { sign as csSign } from "cookie-signature";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSessions, expressStore, isExpressStore, memoryStore, type SessionStore } from "../../src/index.ts";
import { client } from "../helpers/client.ts";
import { SECRET, cookieValue, idOf } from "../helpers/spy-storage.ts";

afterEach(() => void vi.restoreAllMocks());

describe("core compatibility: secrets", () => {
  it("a short secret signs only under compat: 'express-session', with one warning per process", async () => {
    vi.resetModules();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const fresh = await import("../../src/index.ts");
    expect(() => fresh.createSessions({ secret: "keyboard cat" })).toThrow(/at least 32 characters \(got 12\).*secret: \[newSecret, oldSecret\]/);
    const sessions = fresh.createSessions({ secret: "keyboard cat", compat: "express-session" });
    fresh.createSessions({ secret: [SECRET, "asdfasffdas"] });
    const { setCookie } = await client(sessions).run((s) => void (s.data.a = 1));
    expect(cookieValue(setCookie)).toBe("s:" + csSign(idOf(setCookie)!, "keyboard cat"));
    const warnings = warn.mock.calls.map((call) => String(call[0])).filter((m) => m.startsWith("[unsession]"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("openssl rand -base64 32");
  });

  it("bytes are the raw HMAC key, as cookie-signature uses a Buffer", async () => {
    const key = new Uint8Array(48).map((_, i) => (i * 37) & 0xff);
    const sessions = createSessions({ secret: key });
    const browser = client(sessions);
    const { setCookie } = await browser.run((s) => void (s.data.a = 1));
    const id = idOf(setCookie)!;
    const mac = createHmac("sha256", key).update(id).digest("base64").replace(/=+$/, "");
    expect(cookieValue(setCookie)).toBe(`s:${id}.${mac}`);
    expect((await browser.run((s) => s.data.a)).result).toBe(1);
  });

  it("hmac signs; another manager without it (WebCrypto) verifies those cookies and refuses a wrong hmac's", async () => {
    const hmac = vi.fn((key: string | Uint8Array, data: string) => createHmac("sha256", key).update(data).digest("base64").replace(/=+$/, ""));
    const store = memoryStore();
    const { setCookie } = await client(createSessions({ secret: SECRET, store, hmac })).run((s) => void (s.data.a = 1));
    expect(hmac).toHaveBeenCalled();
    expect(cookieValue(setCookie)).toBe("s:" + csSign(idOf(setCookie)!, SECRET));
    const verifier = createSessions({ secret: SECRET, store });
    expect((await client(verifier, setCookie!.split(";")[0]!).run((s) => s.data.a)).result).toBe(1);

    const wrong = await client(createSessions({ secret: SECRET, store, hmac: () => "A".repeat(43) })).run((s) => void (s.data.a = 2));
    expect((await client(verifier, wrong.setCookie!.split(";")[0]!).run((s) => s.isNew)).result).toBe(true);
  });
});

/** An express-session store (callback API) over a Map, recording what it was handed. */
function callbackStore(withTouch: boolean) {
  const data = new Map<string, any>();
  const touched: { sid: string; sess: any }[] = [];
  const store: any = {
    get: (sid: string, cb: any) => setImmediate(() => (sid === "missing-file" ? cb(Object.assign(new Error("no file"), { code: "ENOENT" })) : cb(null, data.get(sid)))),
    set: (sid: string, sess: any, cb: any) => {
      data.set(sid, JSON.parse(JSON.stringify(sess)));
      data.get(sid).__seen = { expiresIsDate: sess.cookie.expires instanceof Date, maxAge: sess.cookie.maxAge };
      setImmediate(cb);
    },
    destroy: (sid: string, cb: any) => setImmediate(() => (data.delete(sid), cb())),
  };
  if (withTouch) store.touch = (sid: string, sess: any, cb: any) => setImmediate(() => (touched.push({ sid, sess }), cb()));
  return { store, data, touched };
}

describe("core compatibility: an express-session store as store", () => {
  it("is bridged: records under the bare ID, the cookie handed over with a Date expires and a maxAge in ms", async () => {
    const { store, data } = callbackStore(false);
    expect(isExpressStore(store)).toBe(true);
    expect(isExpressStore(memoryStore())).toBe(false);
    const sessions = createSessions<{ a?: number }>({ secret: SECRET, store, cookie: { maxAge: 600 } });
    const browser = client(sessions);
    const { setCookie } = await browser.run((s) => void (s.data.a = 1));
    const id = idOf(setCookie)!;
    expect([...data.keys()]).toEqual([id]);
    const seen = data.get(id).__seen;
    expect(seen.expiresIsDate).toBe(true);
    expect(seen.maxAge).toBeGreaterThan(590_000);
    expect(seen.maxAge).toBeLessThanOrEqual(600_000);
    expect((await browser.run((s) => s.data.a)).result).toBe(1);
  });

  it("an ENOENT from get is a missing session, not an error", async () => {
    const bridged: SessionStore = expressStore(callbackStore(false).store);
    await expect(Promise.resolve(bridged.get("missing-file"))).resolves.toBeNull();
  });

  it("its touch is called on unchanged requests (touchAfter unset), never on new or changed ones", async () => {
    const { store, touched } = callbackStore(true);
    const sessions = createSessions<{ a?: number }>({ secret: SECRET, store, cookie: { maxAge: 600 } });
    const browser = client(sessions);
    await browser.run((s) => void (s.data.a = 1));
    expect(touched).toHaveLength(0);
    await browser.run((s) => s.data.a);
    await browser.run((s) => s.data.a);
    expect(touched).toHaveLength(2);
    expect(touched[1]!.sess).toMatchObject({ a: 1 });
    expect(touched[1]!.sess.cookie.expires).toBeInstanceOf(Date);
    await browser.run((s) => void (s.data.a = 2));
    expect(touched).toHaveLength(2);
  });

  it("with touchAfter set, the core's own throttled touch is used instead of the store's", async () => {
    const { store, touched } = callbackStore(true);
    const sessions = createSessions<{ a?: number }>({ secret: SECRET, store, touchAfter: 60, cookie: { maxAge: 600 } });
    const browser = client(sessions);
    await browser.run((s) => void (s.data.a = 1));
    await browser.run((s) => s.data.a);
    expect(touched).toHaveLength(0);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import session from "../../../adapters/express/index.ts";
import { attributes, listen, SECRET, sessionApp, setCookies, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = async (options: Parameters<typeof session>[0], setup?: (app: any) => void) => {
  const { app } = await sessionApp(session({ secret: SECRET, resave: false, saveUninitialized: false, ...options }), setup);
  server = await listen(app);
  return server.url;
};
const https = { "x-forwarded-proto": "https" };
const secureOf = async (url: string, headers: Record<string, string> = {}) => {
  const lines = setCookies(await fetch(url + "/set?a=1", { headers }));
  return lines.length === 0 ? "no cookie" : attributes(lines[0]!).secure === true ? "Secure" : "not Secure";
};

describe("express: proxy and secure 'auto'", () => {
  it("secure 'auto' + proxy: true trusts X-Forwarded-Proto", async () => {
    const url = await start({ proxy: true, cookie: { secure: "auto" } });
    expect(await secureOf(url, https)).toBe("Secure");
    expect(await secureOf(url, { "x-forwarded-proto": "https, http" })).toBe("Secure");
    expect(await secureOf(url, { "x-forwarded-proto": "http" })).toBe("not Secure");
    expect(await secureOf(url)).toBe("not Secure");
  });

  it("secure 'auto' + proxy: false ignores X-Forwarded-Proto, even with Express's trust proxy", async () => {
    const url = await start({ proxy: false, cookie: { secure: "auto" } }, (app) => app.set("trust proxy", true));
    expect(await secureOf(url, https)).toBe("not Secure");
  });

  it("secure 'auto' + proxy unset follows Express's trust proxy (req.secure)", async () => {
    const trusting = await start({ cookie: { secure: "auto" } }, (app) => app.set("trust proxy", "loopback"));
    expect(await secureOf(trusting, https)).toBe("Secure");
    await server!.close();
    const untrusting = await start({ cookie: { secure: "auto" } });
    expect(await secureOf(untrusting, https)).toBe("not Secure");
  });

  it("secure: true sends the cookie only over https (as told by a trusted proxy)", async () => {
    const url = await start({ proxy: true, cookie: { secure: true } });
    expect(await secureOf(url)).toBe("no cookie");
    expect(await secureOf(url, https)).toBe("Secure");
  });

  it("secure: true with trust proxy and proxy unset", async () => {
    const url = await start({ cookie: { secure: true } }, (app) => app.set("trust proxy", 1));
    expect(await secureOf(url, https)).toBe("Secure");
    expect(await secureOf(url)).toBe("no cookie");
  });
});

describe("express: req.session.cookie.secure under 'auto'", () => {
  it("reflects the request, as express-session sets it", async () => {
    const url = await start({ proxy: true, cookie: { secure: "auto" } });
    expect((await (await fetch(url + "/cookie", { headers: https })).json()).secure).toBe(true);
    expect((await (await fetch(url + "/cookie")).json()).secure).toBe(false);
  });
});

describe("express: sameSite 'auto' (express-session 1.19)", () => {
  it("sends SameSite=None; Secure on secure requests and SameSite=Lax otherwise, over one store", async () => {
    const url = await start({ proxy: true, cookie: { sameSite: "auto", secure: "auto" } });
    const secureRes = await fetch(url + "/set?a=1", { headers: https });
    const secureAttrs = attributes(setCookies(secureRes)[0]!);
    expect(String(secureAttrs.samesite).toLowerCase()).toBe("none");
    expect(secureAttrs.secure).toBe(true);
    const plainRes = await fetch(url + "/set?a=1");
    const plainAttrs = attributes(setCookies(plainRes)[0]!);
    expect(String(plainAttrs.samesite).toLowerCase()).toBe("lax");
    expect(plainAttrs.secure).toBeUndefined();
    // The session made over https is the same one over http (one store).
    const cookie = setCookies(secureRes)[0]!.split(";")[0]!;
    expect((await (await fetch(url + "/get", { headers: { cookie } })).json()).data).toEqual({ a: "1" });
    expect((await (await fetch(url + "/cookie", { headers: https })).json())).toMatchObject({ secure: true });
  });
});

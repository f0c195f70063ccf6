import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../../examples/express/app.ts";
import { client, listen, SECRET, setCookies, type Listening } from "./helpers.ts";

let server: Listening | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("examples/express", () => {
  it("counts views, signs in with a new session ID and signs out", async () => {
    server = await listen(createApp({ secret: SECRET }));
    const c = client(server.url);
    expect(await c.text("/")).toContain("Views this session: 1");
    expect(await c.text("/")).toContain("Views this session: 2");
    const before = c.cookie;
    const login = await c.fetch("/login", { method: "POST", body: new URLSearchParams({ user: "<ann>" }) });
    expect(login.status).toBe(303);
    expect(c.cookie).not.toBe(before);
    expect(await (await c.fetch("/api/me")).json()).toEqual({ user: "<ann>", views: 0 });
    expect(await c.text("/")).toContain("Signed in as <b>&#60;ann&#62;</b>");
    const logout = await c.fetch("/logout", { method: "POST" });
    expect(setCookies(logout)[0]).toMatch(/^connect\.sid=;/);
    expect(await (await c.fetch("/api/me")).json()).toEqual({ user: null, views: 0 });
  });

  it("marks the cookie Secure behind a local https proxy (trust proxy + secure: 'auto')", async () => {
    server = await listen(createApp({ secret: SECRET }));
    const res = await fetch(server.url + "/", { headers: { "x-forwarded-proto": "https" } });
    expect(setCookies(res)[0]).toMatch(/; Secure/);
    const plain = await fetch(server.url + "/");
    expect(setCookies(plain)[0]).not.toMatch(/; Secure/);
  });
});

import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExample, type ExampleServer } from "./server.ts";

const which = (name: string): string | undefined => {
  try {
    return execFileSync("which", [name], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
};
const executablePath = process.env.CHROMIUM_PATH || which("chromium") || which("chromium-browser");
if (!executablePath) console.warn("e2e browser: no chromium binary (set CHROMIUM_PATH or apt-get install chromium): skipping the browser test");

const shots = fileURLToPath(new URL("../../test-output/hono-node/", import.meta.url));

describe.skipIf(!executablePath)("e2e: examples/hono-node in headless Chromium", () => {
  let server: ExampleServer;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    server = await startExample({ REDIS_URL: undefined });
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("logs in, fills the cart, keeps it over a reload, hides the cookie from scripts, logs out", { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await context.newPage();
    const shot = (name: string) => page.screenshot({ path: `${shots}${name}.png`, fullPage: true });

    await page.goto(server.url + "/");
    await expect(page.locator("h1").textContent()).resolves.toBe("Shop");
    await shot("1-home");

    await page.click("#login-link");
    await page.waitForURL("**/login");
    await page.fill('input[name="username"]', "demo");
    await page.fill('input[name="password"]', "demo");
    await shot("2-login");
    await page.click("#submit");
    await page.waitForURL(server.url + "/");
    await expect(page.locator("#flash").textContent()).resolves.toBe("Welcome back, demo!");
    await expect(page.locator("#user").textContent()).resolves.toContain("demo");
    await expect(page.locator("#views").textContent()).resolves.toBe("Pages viewed in this session: 3");
    await shot("3-welcome");

    await page.click("#add-mug");
    await page.waitForURL("**/cart");
    await page.goto(server.url + "/");
    await page.click("#add-tee");
    await page.waitForURL("**/cart");
    await expect(page.locator('tr[data-item="mug"] .qty').textContent()).resolves.toBe("1");
    await shot("4-cart");

    await page.reload();
    await expect(page.locator("#flash").count()).resolves.toBe(0); // the flash was shown once
    await expect(page.locator('tr[data-item="tee"] .qty').textContent()).resolves.toBe("1");
    await expect(page.locator("#total").textContent()).resolves.toBe("$37.00");
    await shot("5-cart-reloaded");

    // HttpOnly: the browser holds the cookie, scripts cannot read it.
    const cookies = await context.cookies();
    const sid = cookies.find((c) => c.name === "sid");
    expect(sid?.httpOnly).toBe(true);
    expect(sid?.sameSite).toBe("Lax");
    const visible = await page.evaluate(() => document.cookie);
    expect(visible).not.toContain("sid=");

    await page.click("#logout");
    await page.waitForURL("**/logout");
    await expect(page.locator("#flash").textContent()).resolves.toBe("Goodbye, demo. You are logged out.");
    await shot("6-logged-out");
    expect((await context.cookies()).find((c) => c.name === "sid")).toBeUndefined();

    await page.goto(server.url + "/cart");
    await expect(page.locator("#empty").count()).resolves.toBe(1);
    await expect(page.locator("#login-link").count()).resolves.toBe(1);
    await context.close();
  });

  /** Logs `page` in as demo/demo from the login form. */
  const logIn = async (page: Page) => {
    await page.goto(server.url + "/login");
    await page.fill('input[name="username"]', "demo");
    await page.fill('input[name="password"]', "demo");
    await page.click("#submit");
    await page.waitForURL(server.url + "/");
    await expect(page.locator("#user").textContent()).resolves.toContain("demo");
  };

  it("Back after log-out shows the logged-out page, not the signed-in cart from the cache", { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await context.newPage();
    const shot = (name: string) => page.screenshot({ path: `${shots}${name}.png`, fullPage: true });
    await logIn(page);
    await page.click("#add-socks");
    await page.waitForURL("**/cart");
    const cart = await page.goto(server.url + "/cart");
    expect(cart!.headers()["cache-control"]).toBe("private, no-store");
    expect(cart!.headers()["vary"]).toContain("Cookie");
    await expect(page.locator('tr[data-item="socks"] .qty').textContent()).resolves.toBe("1");
    await shot("7-cart-before-logout");

    await page.click("#logout");
    await page.waitForURL("**/logout");
    await page.goBack();
    await page.waitForURL("**/cart");
    await shot("8-back-after-logout");
    await expect(page.locator("#user").count()).resolves.toBe(0);
    await expect(page.locator("#login-link").count()).resolves.toBe(1);
    await expect(page.locator("#empty").count()).resolves.toBe(1);
    await expect(page.content()).resolves.not.toContain("Wool socks");
    await context.close();
  });

  it("\"Your sessions\": two devices, sign out the other one, then everywhere else", { timeout: 180_000 }, async () => {
    const laptop = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const phone = await browser.newContext({
      viewport: { width: 390, height: 760 },
      isMobile: true,
      userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    });
    const a = await laptop.newPage();
    const b = await phone.newPage();
    await logIn(a);
    await logIn(b);

    await a.click("#sessions-link");
    await a.waitForURL("**/sessions");
    await expect(a.locator("#devices li").count()).resolves.toBe(2);
    await expect(a.locator("#this-device strong").textContent()).resolves.toBe("Chrome on Linuxthis device");
    await expect(a.locator("#devices li:not(#this-device) strong").textContent()).resolves.toBe("Safari on iPhone");
    expect(await a.content()).not.toContain(decodeURIComponent((await laptop.cookies()).find((c) => c.name === "sid")!.value).slice(2, 20));
    await a.screenshot({ path: `${shots}9-sessions-two-devices.png`, fullPage: true });

    // Device A signs device B out; B is anonymous on its next request.
    await a.click("#devices li:not(#this-device) button.revoke");
    await a.waitForURL("**/sessions");
    await expect(a.locator("#flash").textContent()).resolves.toBe("That session is signed out.");
    await expect(a.locator("#devices li").count()).resolves.toBe(1);
    await a.screenshot({ path: `${shots}10-sessions-signed-out-other.png`, fullPage: true });
    await b.reload();
    await expect(b.locator("#login-link").count()).resolves.toBe(1);
    await expect(b.locator("#user").count()).resolves.toBe(0);
    await b.screenshot({ path: `${shots}11-phone-signed-out.png`, fullPage: true });
    await b.goto(server.url + "/sessions");
    await b.waitForURL("**/login");
    await logIn(b);
    await b.goto(server.url + "/sessions");
    await b.screenshot({ path: `${shots}11b-phone-sessions.png`, fullPage: true });

    // B signed in again, and a third browser signs in: A signs out everywhere else.
    const tablet = await browser.newContext();
    const t = await tablet.newPage();
    await logIn(t);
    await a.reload();
    await expect(a.locator("#devices li").count()).resolves.toBe(3);
    await a.click("#revoke-others");
    await a.waitForURL("**/sessions");
    await expect(a.locator("#flash").textContent()).resolves.toBe("Signed out 2 other sessions.");
    await expect(a.locator("#devices li").count()).resolves.toBe(1);
    await expect(a.locator("#only-this").count()).resolves.toBe(1);
    await a.screenshot({ path: `${shots}12-sessions-everywhere-else.png`, fullPage: true });
    for (const other of [b, t]) {
      await other.goto(server.url + "/sessions");
      await other.waitForURL("**/login");
      await expect(other.locator("#flash").textContent()).resolves.toBe("Log in to see your sessions.");
    }
    await a.goto(server.url + "/cart");
    await expect(a.locator("#user").textContent()).resolves.toContain("demo");
    await Promise.all([laptop.close(), phone.close(), tablet.close()]);
  });
});

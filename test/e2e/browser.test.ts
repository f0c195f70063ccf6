import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
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
});

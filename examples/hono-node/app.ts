/**
 * The example shop: Hono + unsession, plain HTML, no build step.
 * `createApp()` builds the app; `server.ts` serves it on Node. Tests and other tools reuse `createApp()`.
 * @module
 */
import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { html, raw } from "hono/html";
import { secureHeaders } from "hono/secure-headers";
import type { Storage } from "unstorage";
// In your app: import { session, type SessionEnv } from "unsession/hono";
import { session, type HonoSessionOptions, type SessionEnv } from "../../adapters/hono.ts";
import { deviceOf, devicesView } from "./devices.ts";
import { money, page } from "./layout.ts";

/** What the shop keeps in a session. */
export interface ShopData {
  [key: string]: unknown;
  /** Set at login. */
  user?: string;
  /** Product id → quantity. */
  cart?: Record<string, number>;
  /** Pages seen in this session. */
  views?: number;
}

/** The app's Hono environment. */
export type ShopEnv = SessionEnv<ShopData>;

/** Options of `createApp`. */
export interface ShopOptions {
  /** Session secret(s), at least 32 characters each. */
  secret: string | readonly string[];
  /** An unstorage Storage (e.g. Redis); default: the embedded memory store. */
  storage?: Storage;
  /** Any other session option (cookie, timeouts, …). */
  session?: Omit<HonoSessionOptions, "secret" | "storage">;
  /** PBKDF2 iterations of the demo user's password hash (OWASP Password Storage Cheat Sheet: 600 000 for SHA-256). @default 600000 */
  iterations?: number;
}

/** The products on sale (prices in cents). */
export const PRODUCTS: Readonly<Record<string, { name: string; price: number }>> = {
  mug: { name: "Coffee mug", price: 1200 },
  tee: { name: "T-shirt", price: 2500 },
  socks: { name: "Wool socks", price: 900 },
  sticker: { name: "Sticker pack", price: 400 },
};

/** The demo account. */
export const DEMO_USER = { username: "demo", password: "demo" } as const;

const encoder = new TextEncoder();

/** PBKDF2-HMAC-SHA256 of a password with WebCrypto: 32 bytes. */
export async function hashPassword(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

/** Compares two byte arrays in time that depends only on their length. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * Builds the shop. Every route but `/healthz` uses the session; `/healthz` shows that a request that
 * touches no session gets no cookie.
 */
export function createApp(options: ShopOptions): Hono<ShopEnv> {
  const iterations = options.iterations ?? 600_000;
  const salt = crypto.getRandomValues(new Uint8Array(16));
  // Computed once at startup: the stored hash of the demo user, as a real user table would hold it.
  const demoHash = hashPassword(DEMO_USER.password, salt, iterations);

  const app = new Hono<ShopEnv>();
  app.use(secureHeaders());
  app.use(csrf()); // form POSTs must come from this origin (Origin / Sec-Fetch-Site)
  // privateWhenSignedIn: every page a signed-in user sees is `Cache-Control: private, no-store`, so after
  // logging out, Back shows the logged-out page instead of the signed-in one from the browser's cache.
  const shopSession = session<ShopData>({ secret: options.secret, storage: options.storage, privateWhenSignedIn: true, ...options.session });
  app.use(shopSession);

  app.get("/healthz", (c) => c.text("ok"));
  app.get("/favicon.ico", (c) => c.body(null, 204)); // browsers ask for it: not a page view

  // Page views: every HTML page counts one.
  app.use(async (c, next) => {
    if (c.req.method === "GET") {
      const d = c.get("session").data;
      d.views = (d.views ?? 0) + 1;
    }
    await next();
  });

  app.get("/", (c) => {
    const s = c.get("session");
    const flash = s.getFlash<string>("message");
    const products = Object.entries(PRODUCTS).map(
      ([id, p]) => html`<div class="card">
        <h3>${p.name}</h3>
        <p>${money(p.price)}</p>
        <form method="post" action="/cart"><input type="hidden" name="item" value="${id}"><button id="add-${id}">Add to cart</button></form>
      </div>`,
    );
    return c.html(page("Shop", html`<h1>Shop</h1><div class="products">${products}</div>`, s.data, flash));
  });

  app.get("/login", (c) => {
    const s = c.get("session");
    return c.html(page("Log in", loginForm(), s.data, s.getFlash<string>("message")));
  });

  app.post("/login", async (c) => {
    const s = c.get("session");
    const form = await c.req.parseBody();
    const username = typeof form.username === "string" ? form.username : "";
    const password = typeof form.password === "string" ? form.password : "";
    // Always hash, so an unknown user takes as long as a wrong password.
    const [given, stored] = await Promise.all([hashPassword(password, salt, iterations), demoHash]);
    const ok = timingSafeEqual(given, stored) && username === DEMO_USER.username;
    if (!ok) {
      c.status(401);
      return c.html(page("Log in", loginForm("Wrong username or password.", username), s.data));
    }
    // A new session ID at login (session fixation, OWASP); the anonymous cart comes along.
    await s.regenerate({ keepData: true });
    s.data.user = username;
    // Lists this session under the user ("Your sessions"), labelled with the browser it was opened in.
    s.setUser(username, { label: deviceOf(c.req.header("user-agent")) });
    s.flash("message", `Welcome back, ${username}!`);
    return c.redirect("/", 303);
  });

  app.post("/logout", async (c) => {
    const s = c.get("session");
    const who = s.data.user;
    await s.destroy();
    // The session is gone, so the message cannot be carried to another request: this page shows it.
    return c.html(page("Logged out", html`<h1>Logged out</h1><p><a href="/">Back to the shop</a></p>`, {}, who ? `Goodbye, ${who}. You are logged out.` : "You are logged out."));
  });

  app.get("/cart", (c) => {
    const s = c.get("session");
    const cart = s.data.cart ?? {};
    const rows = Object.entries(cart).map(([id, qty]) => {
      const p = PRODUCTS[id]!;
      return html`<tr data-item="${id}"><td>${p.name}</td><td class="qty">${qty}</td><td>${money(p.price * qty)}</td></tr>`;
    });
    const total = Object.entries(cart).reduce((sum, [id, qty]) => sum + PRODUCTS[id]!.price * qty, 0);
    const body = rows.length
      ? html`<h1>Your cart</h1><div class="card"><table><tr><th>Item</th><th>Qty</th><th>Price</th></tr>${rows}
          <tr><th colspan="2">Total</th><th id="total">${money(total)}</th></tr></table></div>
          <form method="post" action="/cart/clear"><button>Empty the cart</button></form>`
      : html`<h1>Your cart</h1><p class="card" id="empty">Your cart is empty. <a href="/">Go shopping</a>.</p>`;
    return c.html(page("Cart", body, s.data, s.getFlash<string>("message")));
  });

  app.post("/cart", async (c) => {
    const s = c.get("session");
    const item = (await c.req.parseBody()).item;
    if (typeof item !== "string" || !Object.hasOwn(PRODUCTS, item)) return c.text("Unknown product", 400);
    const cart = (s.data.cart ??= {});
    cart[item] = (cart[item] ?? 0) + 1;
    s.flash("message", `${PRODUCTS[item]!.name} added to your cart.`);
    return c.redirect("/cart", 303);
  });

  app.post("/cart/clear", (c) => {
    const s = c.get("session");
    delete s.data.cart;
    return c.redirect("/cart", 303);
  });

  // "Your sessions": the devices signed in to this account (`listUserSessions`: metadata only, no session IDs).
  app.get("/sessions", async (c) => {
    const s = c.get("session");
    const user = s.data.user;
    if (!user) {
      s.flash("message", "Log in to see your sessions.");
      return c.redirect("/login", 303);
    }
    const list = await shopSession.sessions(c).listUserSessions(user, s);
    return c.html(page("Your sessions", devicesView(user, list), s.data, s.getFlash<string>("message")));
  });

  // Sign out one session, named by the handle the listing gave (never an ID): only this user's sessions can be ended.
  app.post("/sessions/revoke", async (c) => {
    const s = c.get("session");
    const user = s.data.user;
    if (!user) return c.redirect("/login", 303);
    const sid = (await c.req.parseBody()).sid;
    const done = typeof sid === "string" && (await shopSession.sessions(c).revokeUserSession(user, sid));
    s.flash("message", done ? "That session is signed out." : "That session had already ended.");
    return c.redirect("/sessions", 303);
  });

  // Sign out everywhere else (after a password change, a lost phone…): every session of the user but this one.
  app.post("/sessions/revoke-others", async (c) => {
    const s = c.get("session");
    const user = s.data.user;
    if (!user) return c.redirect("/login", 303);
    const count = await shopSession.sessions(c).revokeUser(user, { except: s });
    s.flash("message", count === 1 ? "Signed out 1 other session." : `Signed out ${count} other sessions.`);
    return c.redirect("/sessions", 303);
  });

  return app;
}

const loginForm = (error?: string, username = "") => html`<h1>Log in</h1>
${error ? html`<p class="flash error" id="error" role="alert">${error}</p>` : ""}
<form method="post" action="/login" class="card">
  <label>Username <input name="username" autocomplete="username" value="${username}" required></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button id="submit">Log in</button>
  <p><small>Demo account: ${raw("<code>demo</code> / <code>demo</code>")}</small></p>
</form>`;

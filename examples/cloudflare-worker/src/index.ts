/**
 * A Hono app on Cloudflare Workers with sessions in KV: log in, see who you are, log out.
 * Run it with `npx wrangler dev` (see README.md); the tests build this file and run it in workerd.
 * @module
 */
import { Hono } from "hono";
import { csrf } from "hono/csrf";
// In your app: import { kvStore } from "unsession/cloudflare"; import { session, type SessionEnv } from "unsession/hono";
import { kvStore, type KVNamespaceLike } from "../../../adapters/cloudflare.ts";
import { session, type SessionEnv } from "../../../adapters/hono.ts";

/** The bindings of wrangler.toml (with @cloudflare/workers-types: `SESSIONS: KVNamespace`). */
export interface Env {
  SESSIONS: KVNamespaceLike;
  /** `wrangler secret put SESSION_SECRET` (locally: `.dev.vars`), at least 32 characters. */
  SESSION_SECRET: string;
}

type Data = { user?: string };
type AppEnv = { Bindings: Env } & SessionEnv<Data>;

const app: Hono<AppEnv> = new Hono<AppEnv>();

// Form posts must come from our own origin (login CSRF).
app.use(csrf());
// Options from env, built per request but cheap: kvStore() returns one store per binding, and the
// middleware keeps one session manager per configuration.
app.use(
  session<Data, AppEnv>((c) => ({
    secret: c.env.SESSION_SECRET,
    store: kvStore(c.env.SESSIONS),
    cookie: { maxAge: 60 * 60 * 24 * 7 },
    idleTimeout: 60 * 60 * 24, // a day without a visit logs out
    absoluteTimeout: 60 * 60 * 24 * 7, // and a week at most (OWASP)
  })),
);

app.get("/", (c) => {
  const s = c.get("session");
  const notice = s.getFlash<string>("notice");
  const who = s.data.user ? `Hello, ${s.data.user}.` : "You are not logged in.";
  return c.text(notice ? `${notice}\n${who}` : who);
});

app.post("/login", async (c) => {
  const form = await c.req.parseBody();
  const user = typeof form.user === "string" ? form.user.trim() : "";
  if (!/^[\w.-]{1,64}$/.test(user)) return c.text("a user name of letters, digits, '.', '_' or '-'", 400);
  // Check the password here. Then a new ID for the logged-in user (session fixation):
  const s = c.get("session");
  await s.regenerate();
  s.data.user = user;
  s.flash("notice", "Welcome!");
  return c.redirect("/", 303);
});

app.get("/me", (c) => {
  const user = c.get("session").data.user;
  return user ? c.json({ user }) : c.json({ error: "not logged in" }, 401);
});

app.post("/logout", async (c) => {
  // With KV, other locations may still accept this session for up to a minute; see docs/cloudflare.md.
  await c.get("session").destroy();
  return c.redirect("/", 303);
});

export default app;

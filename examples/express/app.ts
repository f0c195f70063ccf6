/**
 * An express-session app moved to unsession by changing one import. Everything below the import is
 * ordinary express-session code: options, `req.session`, `regenerate`, `destroy`, a connect-redis store.
 * @module
 */
import express, { type Express } from "express";
// Was: import session from "express-session";
import session, { type ExpressStore } from "../../adapters/express/index.ts"; // in an app: "unsession/express"

/** Options of the example app. */
export interface AppOptions {
  secret: string | string[];
  /** An express-session store (e.g. connect-redis); default: the in-process MemoryStore. */
  store?: ExpressStore;
}

const page = (title: string, body: string): string =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>${body}`;
const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Builds the Express app. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.set("trust proxy", "loopback"); // secure: "auto" then follows X-Forwarded-Proto from a local proxy
  app.use(express.urlencoded({ extended: false }));
  app.use(
    session({
      secret: options.secret,
      store: options.store,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 8 * 3_600_000, sameSite: "lax", secure: "auto" },
    }),
  );

  app.get("/", (req: any, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    const who = req.session.user
      ? `<p>Signed in as <b>${escape(req.session.user)}</b>.</p><form method="post" action="/logout"><button>Sign out</button></form>`
      : `<form method="post" action="/login"><input name="user" placeholder="name" required> <button>Sign in</button></form>`;
    res.send(page("unsession on Express", `<p>Views this session: ${req.session.views}</p>${who}`));
  });

  app.post("/login", (req: any, res, next) => {
    const user = String(req.body?.user ?? "").trim().slice(0, 64);
    if (!user) return res.status(400).send(page("Sign in", "<p>A name is required.</p>"));
    // A new ID at login (session fixation), then the user; save before redirecting.
    req.session.regenerate((err: unknown) => {
      if (err) return next(err);
      req.session.user = user;
      req.session.save((saveErr: unknown) => (saveErr ? next(saveErr) : res.redirect(303, "/")));
    });
  });

  app.post("/logout", (req: any, res, next) => {
    req.session.destroy((err: unknown) => (err ? next(err) : res.redirect(303, "/")));
  });

  app.get("/api/me", (req: any, res) => res.json({ user: req.session.user ?? null, views: req.session.views ?? 0 }));

  return app;
}

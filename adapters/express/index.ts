/**
 * Express (and plain Node `http`) middleware for unsession: a drop-in replacement for `express-session`.
 * Same options, same `req.session`, same stores; the semantics come from the core.
 *
 * ```ts
 * import express from "express";
 * import session from "unsession/express";
 *
 * const app = express();
 * app.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));
 * app.get("/", (req, res) => {
 *   req.session.views = (req.session.views ?? 0) + 1;
 *   res.send(`views: ${req.session.views}`);
 * });
 * ```
 * @module
 */
import { Cookie } from "./cookie.ts";
import { session, type ExpressSessionOptions, type SessionMiddleware } from "./middleware.ts";
import { Session } from "./session.ts";
import { MemoryStore, StorageStore, Store } from "./store.ts";

export { Cookie, MemoryStore, Session, Store, StorageStore, session };
export type { CookieClock, CookieOptions } from "./cookie.ts";
export type { CoreExtras, ExpressSessionOptions, SessionMiddleware } from "./middleware.ts";
export type { Callback, ExpressStore, StoreConstructor } from "./store.ts";

/** The middleware factory, with express-session's classes attached (`session.Store`, `session.MemoryStore`, …). */
export interface SessionFactory {
  (options?: ExpressSessionOptions): SessionMiddleware;
  /** express-session's `Store` base class. */
  Store: typeof Store;
  /** The in-memory store, as express-session's. */
  MemoryStore: typeof MemoryStore;
  /** The `req.session` class. */
  Session: typeof Session;
  /** The `req.session.cookie` class. */
  Cookie: typeof Cookie;
  /** An unstorage `Storage` with the express-session store API. */
  StorageStore: typeof StorageStore;
  /** The factory itself, for `import { session }`. */
  session: SessionFactory;
  /** The factory itself, for `import session from`. */
  default: SessionFactory;
}

/** The default export: `session(options)` with `Store`, `MemoryStore`, `Session` and `Cookie` attached, as express-session. */
const factory: SessionFactory = Object.assign((options?: ExpressSessionOptions) => session(options), {
  Store,
  MemoryStore,
  Session,
  Cookie,
  StorageStore,
}) as SessionFactory;
factory.session = factory;
factory.default = factory;

export default factory;
// `require("unsession/express")` returns the factory itself, as `require("express-session")` does (Node ≥ 20.19 require(esm)).
export { factory as "module.exports" };

/**
 * The passport 0.7 + passport-local tutorial app with connect-flash and `cookieParser('keyboard cat')`:
 * `req.login` (which regenerates and saves), a flash set after login, `failureFlash` on a wrong password,
 * `req.logout(cb)` (which saves, then regenerates).
 * @module
 */
import { createRequire } from "node:module";
import type { BuiltApp, Stack } from "./stack.ts";

const require = createRequire(import.meta.url);
const passport = require("passport");
const LocalStrategy = require("passport-local").Strategy;
const flash = require("connect-flash");
const cookieParser = require("cookie-parser");

const users = [{ id: 1, username: "ann", password: "hunter2" }];

passport.use(
  new LocalStrategy((username: string, password: string, cb: any) => {
    const user = users.find((u) => u.username === username);
    if (!user || user.password !== password) return cb(null, false, { message: "Incorrect username or password." });
    return cb(null, user);
  }),
);
passport.serializeUser((user: any, cb: any) => process.nextTick(() => cb(null, { id: user.id, username: user.username })));
passport.deserializeUser((user: any, cb: any) => process.nextTick(() => cb(null, user)));

/** Builds the app on one stack. */
export async function passportApp({ session, express }: Stack): Promise<BuiltApp> {
  const app = express();
  const store = new session.MemoryStore();
  app.use(express.urlencoded({ extended: false }));
  app.use(cookieParser("keyboard cat"));
  app.use(session({ secret: "keyboard cat", resave: false, saveUninitialized: false, store }));
  app.use(flash());
  app.use(passport.authenticate("session"));

  app.get("/", (req: any, res: any) => {
    const info = req.flash("info");
    if (!req.user) return res.send(`home${info.length ? ` [${info.join("|")}]` : ""} <a href="/login">Sign in</a>`);
    res.send(`signed in as ${req.user.username}${info.length ? ` [${info.join("|")}]` : ""}`);
  });
  app.get("/login", (req: any, res: any) => {
    const error = req.flash("error");
    res.send(`sign in${error.length ? ` [${error.join("|")}]` : ""}`);
  });
  app.post("/login/password", passport.authenticate("local", { successRedirect: "/", failureRedirect: "/login", failureFlash: true }));
  app.post("/login", (req: any, res: any, next: any) => {
    passport.authenticate("local", (err: unknown, user: any, info: any) => {
      if (err) return next(err);
      if (!user) {
        req.flash("error", info.message);
        return res.redirect("/login");
      }
      req.login(user, (err: unknown) => {
        if (err) return next(err);
        req.flash("info", `Welcome back, ${user.username}!`);
        res.redirect("/");
      });
    })(req, res, next);
  });
  app.get("/visits", (req: any, res: any) => {
    req.session.views = (req.session.views || 0) + 1;
    res.send(`views: ${req.session.views}`);
  });
  app.post("/logout", (req: any, res: any, next: any) => {
    req.logout((err: unknown) => {
      if (err) return next(err);
      res.redirect("/");
    });
  });
  return { app, store, close: async () => {} };
}

/** Its traffic: visit, count, a wrong password (flash), sign in (flash after login), count, sign out, come back. */
export const passportScript = [
  { path: "/" },
  { path: "/visits", record: true },
  { method: "POST", path: "/login/password", form: { username: "ann", password: "nope" }, record: true },
  { method: "POST", path: "/login", form: { username: "ann", password: "nope" }, record: true },
  { method: "POST", path: "/login", form: { username: "ann", password: "hunter2" }, record: true },
  { path: "/", record: true },
  { path: "/visits", record: true },
  { method: "POST", path: "/logout", record: true },
  { path: "/", record: true },
  { method: "POST", path: "/login/password", form: { username: "ann", password: "hunter2" }, record: true },
  { path: "/visits", record: true },
] as const;

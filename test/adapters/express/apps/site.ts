/**
 * The pages every store tutorial app has, written as those tutorials write them: a home page that greets the
 * signed-in user, a visit counter, express-session's README login (regenerate, set the user,
 * `req.session.save(() => res.redirect('/'))`) and a logout (README style, or `destroy`).
 * @module
 */

/** How the app signs out: express-session's README (save, then regenerate) or `req.session.destroy`. */
export type Logout = "readme" | "destroy";

/** Mounts the tutorial pages on `app` (after the session middleware). */
export function tutorialPages(app: any, express: any, logout: Logout): void {
  app.get("/", (req: any, res: any) => {
    if (req.session.user) res.send(`hello, ${req.session.user}! <a href="/logout">Logout</a>`);
    else res.send('<a href="/login">Login</a>');
  });

  app.get("/visits", (req: any, res: any) => {
    req.session.views = (req.session.views || 0) + 1;
    res.send(`views: ${req.session.views}`);
  });

  app.get("/login", (_req: any, res: any) => {
    res.send('<form action="/login" method="post">Username: <input name="user"><br>Password: <input name="pass" type="password"><input type="submit" value="Login"></form>');
  });

  app.post("/login", express.urlencoded({ extended: false }), (req: any, res: any, next: any) => {
    if (req.body.user !== "ann" || req.body.pass !== "hunter2") return res.status(401).send("wrong username or password");
    // regenerate the session, which is good practice to help guard against forms of session fixation
    req.session.regenerate((err: unknown) => {
      if (err) return next(err);
      req.session.user = req.body.user;
      // save the session before redirection to ensure page load does not happen before session is saved
      req.session.save((err: unknown) => {
        if (err) return next(err);
        res.redirect("/");
      });
    });
  });

  app.get("/logout", (req: any, res: any, next: any) => {
    if (logout === "destroy") {
      req.session.destroy((err: unknown) => {
        if (err) return next(err);
        res.redirect("/");
      });
      return;
    }
    // clear the user from the session object and save; this ensures a re-used old session id does not have a logged in user
    req.session.user = null;
    req.session.save((err: unknown) => {
      if (err) return next(err);
      // regenerate the session, which is good practice to help guard against forms of session fixation
      req.session.regenerate((err: unknown) => {
        if (err) return next(err);
        res.redirect("/");
      });
    });
  });
}

/** The traffic every store app gets: visit, count, fail and succeed to log in, count, log out, come back. */
export const loginScript = [
  { path: "/" },
  { path: "/visits", record: true },
  { path: "/visits", record: true },
  { path: "/login" },
  { method: "POST", path: "/login", form: { user: "ann", pass: "wrong" } },
  { method: "POST", path: "/login", form: { user: "ann", pass: "hunter2" }, record: true },
  { path: "/", record: true },
  { path: "/visits", record: true },
  { path: "/logout", record: true },
  { path: "/", record: true },
  { path: "/visits", record: true },
] as const;

/**
 * express-session's README view counter on the default MemoryStore: `resave` and `saveUninitialized` unset
 * (both default to `true`, with the deprecation warnings), a 60 s cookie, a page written with `res.write`.
 * @module
 */
import type { BuiltApp, Stack } from "./stack.ts";

/** Builds the app on one stack. */
export async function memoryApp({ session, express }: Stack): Promise<BuiltApp> {
  const app = express();
  const store = new session.MemoryStore();
  app.use(session({ secret: "keyboard cat", store, cookie: { maxAge: 60000 } }));

  app.get("/", (req: any, res: any) => {
    if (req.session.views) {
      req.session.views++;
      res.setHeader("Content-Type", "text/html");
      res.write("<p>views: " + req.session.views + "</p>");
      res.write("<p>expires in: " + Math.round(req.session.cookie.maxAge / 1000) + "s</p>");
      res.end();
    } else {
      req.session.views = 1;
      res.end("welcome to the session demo. refresh!");
    }
  });
  app.get("/reset", (req: any, res: any) => {
    req.session.destroy(() => res.redirect("/"));
  });
  return { app, store, close: async () => {} };
}

/** Its traffic: first visit, three refreshes, a reset, and a fresh start. */
export const memoryScript = [
  { path: "/", record: true },
  { path: "/", record: true },
  { path: "/" },
  { path: "/", record: true },
  { path: "/reset", record: true },
  { path: "/", record: true },
] as const;

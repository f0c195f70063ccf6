/**
 * The session-file-store tutorial app: `require('session-file-store')(session)`, files in a directory of their
 * own, express-session's defaults for `resave` and `saveUninitialized` left as the tutorial leaves them (`true`).
 * @module
 */
import { createRequire } from "node:module";
import { tutorialPages } from "./site.ts";
import type { BuiltApp, Stack } from "./stack.ts";

const require = createRequire(import.meta.url);
const sessionFileStore = require("session-file-store");

/** Builds the app on one stack; `path` is this app's own directory. */
export async function fileStoreApp({ session, express }: Stack, path: string): Promise<BuiltApp> {
  const FileStore = sessionFileStore(session);
  const store = new FileStore({ path, logFn: () => {}, reapInterval: -1 });

  const app = express();
  app.use(session({ store, secret: "keyboard cat", resave: true, saveUninitialized: true }));
  tutorialPages(app, express, "destroy");
  return { app, store, close: async () => {} };
}

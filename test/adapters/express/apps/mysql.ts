/**
 * The express-mysql-session tutorial app: connection options spelled out, the store creates its table,
 * a day-long cookie, express-session's README login and logout.
 * @module
 */
import { createRequire } from "node:module";
import { tutorialPages } from "./site.ts";
import { env, type BuiltApp, type Stack } from "./stack.ts";

const require = createRequire(import.meta.url);
const expressMySqlSession = require("express-mysql-session");

/** Builds the app on one stack; `table` keeps this run's rows apart. */
export async function mysqlApp({ session, express }: Stack, table: string): Promise<BuiltApp> {
  const MySQLStore = expressMySqlSession(session);
  const url = new URL(env.MYSQL_URL!);
  const options = {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
    clearExpired: true,
    checkExpirationInterval: 900000,
    expiration: 86400000,
    schema: { tableName: table },
  };
  const sessionStore = new MySQLStore(options);
  await sessionStore.onReady();

  const app = express();
  app.use(
    session({
      key: "connect.sid",
      secret: "secret key",
      store: sessionStore,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 86400000 },
    }),
  );
  tutorialPages(app, express, "readme");
  return { app, store: sessionStore, close: () => sessionStore.close() };
}

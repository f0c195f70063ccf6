/**
 * The connect-session-sequelize tutorial app on PostgreSQL: the store's own `expiration` (short here, 3 s) and
 * `checkExpirationInterval` decide when a row goes; the cookie is a browser-session cookie, as in that README.
 * @module
 */
import { createRequire } from "node:module";
import { tutorialPages } from "./site.ts";
import { env, type BuiltApp, type Stack } from "./stack.ts";

const require = createRequire(import.meta.url);
const { Sequelize } = require("sequelize");
const connectSessionSequelize = require("connect-session-sequelize");

/** The store's row lifetime (ms) and reaper period (ms) in these tests. */
export const EXPIRATION = 3_000;
export const CHECK_EVERY = 500;

/**
 * Builds the app on one stack; `table` keeps this run's rows apart. `sidColumn` creates the table beforehand with
 * a wider `sid` column than the store's own `VARCHAR(36)` (a test-only step, to look at touch apart from ID length).
 */
export async function sequelizeApp({ session, express }: Stack, table: string, sidColumn?: string): Promise<BuiltApp> {
  const SequelizeStore = connectSessionSequelize(session.Store);
  const sequelize = new Sequelize(env.DATABASE_URL, { logging: false });
  if (sidColumn) {
    await sequelize.query(
      `CREATE TABLE "${table}" ("sid" ${sidColumn} PRIMARY KEY, "expires" TIMESTAMP WITH TIME ZONE, "data" TEXT, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL, "updatedAt" TIMESTAMP WITH TIME ZONE NOT NULL)`,
    );
  }
  const store = new SequelizeStore({
    db: sequelize,
    tableName: table,
    checkExpirationInterval: CHECK_EVERY,
    expiration: EXPIRATION,
  });
  await store.sync();

  const app = express();
  app.use(session({ secret: "asdfasffdas", store, resave: false, saveUninitialized: false, proxy: true }));
  tutorialPages(app, express, "readme");
  return {
    app,
    store,
    close: async () => {
      store.stopExpiringSessions();
      await sequelize.close();
    },
  };
}

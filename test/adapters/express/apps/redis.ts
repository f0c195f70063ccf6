/**
 * The connect-redis tutorial app: node-redis client, `RedisStore` with its own prefix, an hour-long cookie,
 * logout by `destroy`.
 * @module
 */
import { RedisStore } from "connect-redis";
import { createClient } from "redis";
import { tutorialPages } from "./site.ts";
import { env, type BuiltApp, type Stack } from "./stack.ts";

/** Builds the app on one stack; `prefix` keeps this run's keys apart. */
export async function redisApp({ session, express }: Stack, prefix: string): Promise<BuiltApp> {
  const redisClient = createClient({ url: env.REDIS_URL });
  redisClient.on("error", (err: unknown) => console.error("redis client", err));
  await redisClient.connect();
  const store = new RedisStore({ client: redisClient, prefix });

  const app = express();
  app.use(
    session({
      store,
      secret: "keyboard cat",
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 1000 * 60 * 60 },
    }),
  );
  tutorialPages(app, express, "destroy");
  return { app, store, close: async () => void (await redisClient.quit()) };
}

/**
 * unsession on Deno: `Deno.serve` with the core's `wrap()`. No framework.
 *
 *   deno run --allow-net --allow-env examples/deno/main.ts
 *
 * In your own project: `deno add jsr:@unsession/unsession` and
 * `import { createSessions } from "@unsession/unsession";`.
 * @module
 */
import { createSessions } from "../../src/index.ts";

type Data = { views?: number; user?: string };

const sessions = createSessions<Data>({
  // Set SESSION_SECRET in production: at least 32 random characters.
  secret: Deno.env.get("SESSION_SECRET") ?? "dev-only-secret-change-me-0123456789abcdef",
  cookie: { maxAge: 60 * 60 * 24 },
});

const handler = sessions.wrap(async (request, session) => {
  const { pathname, searchParams } = new URL(request.url);
  if (request.method === "POST" && pathname === "/login") {
    await session.regenerate(); // a new ID at every login (session fixation)
    session.data.user = searchParams.get("user") ?? "guest";
    return new Response(`hello, ${session.data.user}`);
  }
  if (request.method === "POST" && pathname === "/logout") {
    await session.destroy();
    return new Response("bye");
  }
  if (pathname === "/") {
    session.data.views = (session.data.views ?? 0) + 1;
    const who = session.data.user ? ` as ${session.data.user}` : "";
    return new Response(`views: ${session.data.views}${who}`);
  }
  return new Response("not found", { status: 404 });
});

Deno.serve(
  {
    hostname: Deno.env.get("HOST") ?? "127.0.0.1",
    port: Number(Deno.env.get("PORT") ?? 8000),
    onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}/`),
  },
  handler,
);

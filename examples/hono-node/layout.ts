/**
 * The shop's page layout: one HTML shell with its styles, the header (cart, user, log out) and the flash message.
 * Plain template strings through `hono/html`, which escapes every value.
 * @module
 */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/** What the layout shows of the session. */
export interface PageState {
  /** The signed-in user, if any. */
  user?: string;
  /** Product id → quantity. */
  cart?: Record<string, number>;
  /** Pages seen in this session. */
  views?: number;
}

/** Cents as dollars: `$12.00`. */
export const money = (cents: number): string => `$${(cents / 100).toFixed(2)}`;
const cartCount = (cart: Record<string, number> | undefined): number => Object.values(cart ?? {}).reduce((n, q) => n + q, 0);

/** A whole page of the shop: the header (cart, user, log out), an optional flash message, `body`, the view counter. */
export const page = (title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>, d: PageState, flash?: string): HtmlEscapedString | Promise<HtmlEscapedString> => html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · unsession shop</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
  header { background: #1d2330; color: #fff; padding: .8rem 1.5rem; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; }
  header a { color: #fff; text-decoration: none; }
  header .grow { flex: 1; }
  main { max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; }
  .card { background: #fff; border-radius: 8px; padding: 1rem 1.25rem; box-shadow: 0 1px 3px #0002; margin-bottom: 1rem; }
  .flash { background: #e6f4ea; border: 1px solid #9bd3ac; padding: .6rem 1rem; border-radius: 6px; margin-bottom: 1rem; }
  .error { background: #fdecea; border-color: #f1a9a0; }
  .products { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: 1rem; }
  button { background: #3451b2; color: #fff; border: 0; border-radius: 5px; padding: .4rem .9rem; font: inherit; cursor: pointer; }
  input { font: inherit; padding: .35rem .5rem; border: 1px solid #bbb; border-radius: 5px; width: 100%; box-sizing: border-box; }
  label { display: block; margin: .5rem 0; }
  table { width: 100%; border-collapse: collapse; } td, th { padding: .3rem; text-align: left; border-bottom: 1px solid #eee; }
  small { color: #666; }
  .devices { list-style: none; padding: 0; margin: 0 0 1rem; }
  .device { display: flex; align-items: center; gap: 1rem; }
  .device .icon { width: 2.5rem; height: 2.5rem; flex: none; color: #3451b2; }
  .device .what { flex: 1; }
  .device .what strong { display: block; }
  .device code { background: #eef0f4; padding: 0 .3rem; border-radius: 4px; font-size: .85em; }
  .badge { white-space: nowrap; background: #e6f4ea; color: #1e6b34; border-radius: 999px; padding: .05rem .6rem; font-size: .8rem; margin-left: .4rem; }
  button.quiet { background: #fff; color: #b3261e; border: 1px solid #e0b4b0; }
  button.danger { background: #b3261e; }
  @media (max-width: 36rem) {
    header { padding: .6rem 1rem; gap: .4rem 1rem; }
    .device { flex-wrap: wrap; }
    .device .what { min-width: 12rem; }
  }
</style>
</head>
<body>
<header>
  <a href="/"><strong>unsession shop</strong></a>
  <a href="/cart" id="cart-link">Cart (${cartCount(d.cart)})</a>
  <span class="grow"></span>
  ${d.user
    ? html`<a href="/sessions" id="sessions-link">Your sessions</a>
      <span id="user">Signed in as <strong>${d.user}</strong></span>
      <form method="post" action="/logout" style="margin:0"><button id="logout">Log out</button></form>`
    : html`<a href="/login" id="login-link">Log in</a>`}
</header>
<main>
${flash ? html`<p class="flash" id="flash" role="status">${flash}</p>` : ""}
${body}
<p><small id="views">Pages viewed in this session: ${d.views ?? 0}</small></p>
</main>
</body>
</html>`;

/**
 * The "Your sessions" page of the shop: what `sessions.listUserSessions` reports (no session IDs), shown as
 * devices with "sign out" buttons; and the device label each session gets at login from its `User-Agent`.
 * @module
 */
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
// In your app: import type { UserSessionInfo } from "unsession";
import type { UserSessionInfo } from "../../src/index.ts";

/** "Chrome on Linux", "Safari on iPhone": a short label of a `User-Agent`, for the session listing. */
export function deviceOf(userAgent: string | undefined): string {
  const ua = userAgent ?? "";
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : /curl\//.test(ua)
            ? "curl"
            : "A browser";
  const system = /iPhone/.test(ua)
    ? "iPhone"
    : /iPad/.test(ua)
      ? "iPad"
      : /Android/.test(ua)
        ? "Android"
        : /Windows/.test(ua)
          ? "Windows"
          : /Mac OS X|Macintosh/.test(ua)
            ? "macOS"
            : /Linux|X11/.test(ua)
              ? "Linux"
              : undefined;
  return system ? `${browser} on ${system}` : browser;
}

const isPhone = (label: string | undefined): boolean => /iPhone|Android/.test(label ?? "");

/** "3 minutes ago", "tomorrow": how far `date` is from now, rounded to the largest unit that fits. */
export function relative(date: Date, now: number = Date.now()): string {
  const seconds = (date.getTime() - now) / 1000;
  if (Math.abs(seconds) < 45) return seconds <= 0 ? "just now" : "in a few seconds";
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return format.format(minutes, "minute");
  const hours = Math.round(seconds / 3600);
  if (Math.abs(hours) < 24) return format.format(hours, "hour");
  return format.format(Math.round(seconds / 86_400), "day");
}

// Line icons (inline SVG: no emoji font or image request needed).
const LAPTOP = raw(
  '<svg class="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.6" aria-hidden="true"><rect x="4" y="5" width="16" height="11" rx="1.5"/><path d="M2 19h20"/></svg>',
);
const PHONE = raw(
  '<svg class="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.6" aria-hidden="true"><rect x="7" y="2.5" width="10" height="19" rx="2"/><path d="M11 18.5h2"/></svg>',
);

/** The body of "Your sessions": the current session first, then the others, newest first. */
export function devicesView(user: string, sessions: readonly UserSessionInfo[]): HtmlEscapedString | Promise<HtmlEscapedString> {
  const list = [...sessions].sort((a, b) => Number(b.current) - Number(a.current) || b.createdAt.getTime() - a.createdAt.getTime());
  const others = list.filter((x) => !x.current).length;
  const rows = list.map(
    (x) => html`<li class="card device" data-sid="${x.sid}"${x.current ? raw(' id="this-device"') : ""}>
      ${isPhone(x.label) ? PHONE : LAPTOP}
      <span class="what">
        <strong>${x.label ?? "Unknown device"}${x.current ? html`<span class="badge">this device</span>` : ""}</strong>
        <small>Signed in ${relative(x.createdAt)} · expires ${relative(x.expiresAt)} · session <code>${x.sid.slice(0, 8)}</code></small>
      </span>
      ${x.current
        ? html`<form method="post" action="/logout" style="margin:0"><button class="quiet">Log out</button></form>`
        : html`<form method="post" action="/sessions/revoke" style="margin:0"><input type="hidden" name="sid" value="${x.sid}"><button class="quiet revoke">Sign out</button></form>`}
    </li>`,
  );
  return html`<h1>Your sessions</h1>
    <p>Where <strong>${user}</strong> is signed in right now. Signing a session out ends it at once: its next request is anonymous.</p>
    <ul class="devices" id="devices">${rows}</ul>
    ${others > 0
      ? html`<form method="post" action="/sessions/revoke-others"><button class="danger" id="revoke-others">Sign out everywhere else (${others})</button></form>`
      : html`<p class="card" id="only-this"><small>No other session is signed in.</small></p>`}`;
}

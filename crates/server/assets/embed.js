// Talkshop embed. One tag on the merchant's page:
//   <script type="module" src="https://<server>/embed.js" data-shop="<shop id>" data-locale="pt-BR" async></script>
// It draws the launcher at once inside a Shadow DOM (host CSS cannot reach it),
// loads the chat (wasm) when the buyer opens it or the browser is idle, and
// exposes window.Talkshop. No eval, no inline scripts or styles: works under a
// strict Content-Security-Policy. The server fills in the hashed asset names.
const ASSETS = { js: "__TALKSHOP_JS__", wasm: "__TALKSHOP_WASM__", css: "__TALKSHOP_CSS__" };
const METHODS = ["open", "close", "toggle", "identify", "logout", "setLocale", "on", "off"];
const LABELS = { en: "Open chat", pt: "Abrir chat", th: "เปิดแชท", id: "Buka chat" };

const here = new URL(import.meta.url);
const asset = (name) => new URL(name, here).href;

function ownScript() {
  for (const s of document.querySelectorAll("script[src]")) {
    try {
      if (new URL(s.src, location.href).href === here.href) return s;
    } catch (_) { /* not a URL */ }
  }
  return document.querySelector("script[data-shop][src*='embed.js']");
}

const tag = ownScript();
const data = (key) => (tag && tag.dataset[key]) || "";
const options = {
  shop: data("shop") || "demo",
  api: data("api") || here.origin,
  locale: data("locale"),
  theme: data("theme"), // light | dark | "" (follow the system)
  position: data("position") || "right", // right | left
  load: data("load") || "idle", // idle | open
};

// Calls made before this script ran: window.Talkshop = { q: [[method, args], ...] } (see README).
const early = window.Talkshop && Array.isArray(window.Talkshop.q) ? window.Talkshop.q.slice() : [];
const listeners = new Map();
const pending = [];
let widget = null;
let loading = null;

function emit(name, detail) {
  for (const cb of [...(listeners.get(name) || [])]) {
    try { cb(detail); } catch (err) { console.error("Talkshop listener failed", err); }
  }
}

if (!customElements.get("talkshop-widget")) {
  customElements.define("talkshop-widget", class extends HTMLElement {});
}
const host = document.createElement("talkshop-widget");
if (options.theme) host.setAttribute("data-theme", options.theme);
host.setAttribute("data-position", options.position === "left" ? "left" : "right");
const shadow = host.attachShadow({ mode: "open" });
const sheet = document.createElement("link");
sheet.rel = "stylesheet";
sheet.href = asset(ASSETS.css);
const mountPoint = document.createElement("div");
mountPoint.className = "ts-mount";
// The launcher before the wasm: the same markup and class the widget renders.
const placeholder = document.createElement("div");
placeholder.className = "ts-root";
const launcher = document.createElement("button");
launcher.type = "button";
launcher.className = "ts-launcher";
const lang = (options.locale || navigator.language || "en").slice(0, 2).toLowerCase();
launcher.setAttribute("aria-label", LABELS[lang === "in" ? "id" : lang] || LABELS.en);
launcher.setAttribute("aria-expanded", "false");
const svgNs = "http://www.w3.org/2000/svg";
const icon = document.createElementNS(svgNs, "svg");
icon.setAttribute("class", "ts-launcher__icon");
icon.setAttribute("viewBox", "0 0 24 24");
icon.setAttribute("aria-hidden", "true");
const path = document.createElementNS(svgNs, "path");
path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
icon.append(path);
launcher.append(icon);
placeholder.append(launcher);
shadow.append(sheet, mountPoint, placeholder);
launcher.addEventListener("click", () => load(true));

function load(open) {
  if (!loading) {
    loading = import(asset(ASSETS.js))
      .then(async (bindings) => {
        await bindings.default({ module_or_path: asset(ASSETS.wasm) });
        widget = bindings.mount(mountPoint, { shop: options.shop, api: options.api, locale: options.locale, open }, emit);
        // A buyer in another language than English waits for its strings
        // (a small part of the wasm): the static launcher stays until then.
        if (widget.ready) await widget.ready();
        const hadFocus = shadow.activeElement === launcher;
        placeholder.remove();
        host.setAttribute("data-ready", "");
        if (hadFocus && !open) shadow.querySelector(".ts-launcher")?.focus();
        for (const [method, args, resolve, reject] of pending.splice(0)) {
          const result = widget.call(method, args);
          if (resolve) Promise.resolve(result).then(resolve, reject);
        }
        return widget;
      })
      .catch((err) => {
        loading = null;
        console.error("Talkshop could not load", err);
        throw err;
      });
  } else if (open) {
    loading.then((w) => w.open(), () => {});
  }
  return loading;
}

function call(method, args) {
  if (method === "on" || method === "off") {
    const [name, cb] = args;
    if (typeof cb !== "function") return api;
    const set = listeners.get(name) || new Set();
    if (method === "on") set.add(cb); else set.delete(cb);
    listeners.set(name, set);
    return api;
  }
  if (widget) return widget.call(method, args);
  switch (method) {
    case "open":
    case "toggle":
      return void load(true);
    case "close":
      return undefined;
    case "setLocale":
      options.locale = String(args[0] || "");
      return undefined;
    case "identify":
      // Applied once the widget has loaded (on open or when idle); resolves to true or rejects with the reason.
      return new Promise((resolve, reject) => pending.push([method, args, resolve, reject]));
    default:
      pending.push([method, args]);
      return undefined;
  }
}

const api = {};
for (const method of METHODS) api[method] = (...args) => call(method, args);
api.version = "1";
api.isOpen = () => (widget ? widget.isOpen() : false);
api.unreadCount = () => (widget ? widget.unreadCount() : 0);
window.Talkshop = api;

const ready = () => {
  document.body.append(host);
  for (const [method, args] of early) call(method, Array.isArray(args) ? args : []);
};
if (document.body) ready(); else document.addEventListener("DOMContentLoaded", ready, { once: true });

// Load when the browser is idle (so unread messages show on the badge), unless asked to wait for a click.
if (options.load !== "open") {
  const whenIdle = window.requestIdleCallback || ((f) => setTimeout(f, 1500));
  const start = () => whenIdle(() => load(false).catch(() => {}), { timeout: 4000 });
  if (document.readyState === "complete") start(); else window.addEventListener("load", start, { once: true });
}

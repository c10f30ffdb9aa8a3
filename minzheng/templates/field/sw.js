{% autoescape off %}/* Service worker of the field app (ADR 0039), scope {{ shell }}: the shell and its files are cached at
   install; the shell is served from the cache first and refreshed in the background, so it opens without a
   connection. Nothing else is cached here: lists, drafts and photos live in IndexedDB (docs/field.md). */
const VERSION = "{{ version }}";
const CACHE = `minzheng-field-${VERSION}`;
const SHELL = "{{ shell }}";
const ASSETS = {{ assets }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([SHELL, ...ASSETS])).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("minzheng-field-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

async function shell(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(SHELL);
  // A signed-out user is redirected to the login page: that answer is never cached as the shell.
  const fresh = fetch(request).then((response) => {
    if (response.ok && !response.redirected) cache.put(SHELL, response.clone());
    return response;
  });
  if (cached) {
    fresh.catch(() => undefined);
    return cached;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (event.request.mode === "navigate" && url.pathname === SHELL) {
    event.respondWith(shell(event.request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(event.request)));
  }
});

// Background sync where the browser has it: wake the open pages, which hold the session and run the sync.
self.addEventListener("sync", (event) => {
  if (event.tag !== "field-sync") return;
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((pages) => pages.forEach((p) => p.postMessage("sync"))));
});
{% endautoescape %}

// Tryon's service worker (written by `tryon web build`): keeps this build's files so a second visit starts
// offline. The asset folder's name is its contents' hash, so a new build brings a new cache; the old one is deleted
// when the new worker takes over.
const CACHE = "__CACHE__";
const FILES = __FILES__;
self.addEventListener("install", event => {
  event.waitUntil(caches.open(CACHE).then(cache => cache.addAll(FILES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", event => {
  event.waitUntil(caches.keys()
    .then(keys => Promise.all(keys.filter(key => key !== CACHE).map(key => caches.delete(key))))
    .then(() => self.clients.claim()));
});
self.addEventListener("fetch", event => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  // The pages: the network first (a new build shows at once), the cache when offline. The assets: the cache first.
  if (request.mode === "navigate") {
    event.respondWith(fetch(request)
      .then(response => { const copy = response.clone(); caches.open(CACHE).then(c => c.put(request, copy)); return response; })
      .catch(() => caches.match(request, { ignoreSearch: true })));
  } else {
    event.respondWith(caches.match(request).then(hit => hit || fetch(request)));
  }
});

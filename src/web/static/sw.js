// The guided run's offline copy. Pages of the guided run and the run log are
// fetched from the network when there is one (and kept), and served from
// the cache when there isn't; the stylesheet and scripts come from the cache.
"use strict";
var CACHE = "jogette-ASSET_VERSION";
var ASSETS = ["/static/style.css?v=ASSET_VERSION", "/static/app.js?v=ASSET_VERSION", "/static/run.js?v=ASSET_VERSION", "/static/icon.svg?v=ASSET_VERSION", "/manifest.webmanifest", "/run"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE && k.indexOf("jogette-") === 0; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// A page asks for itself to be kept: it was loaded before this worker ran.
self.addEventListener("message", function (event) {
  var url = event.data && event.data.keep;
  if (url && new URL(url).origin === self.location.origin) {
    event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.add(url); }).catch(function () {}));
  }
});

function offlinePage(path) {
  return path === "/run" || path === "/runs";
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (offlinePage(url.pathname)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) { return hit || caches.match("/run", { ignoreSearch: true }); });
    }));
  } else if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/manifest.webmanifest") {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});

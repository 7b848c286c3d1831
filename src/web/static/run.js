// The guided run: a timer over the run's segments (read from the page's own
// table) that says each change aloud, vibrates, keeps the screen on, carries
// on after a reload and works offline. And runs logged while offline, sent
// once the connection is back, each once. Every page works without this file.
(function () {
  "use strict";

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
  }
  function save(key, value) {
    try {
      if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode: the run still works, it just won't survive a reload */ }
  }
  // Whole seconds as m:ss; a countdown rounds up, time gone rounds down.
  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // ---- Runs logged offline wait here, then go to the server, once each.
  var QUEUE = "jogette.runs.pending";

  function pending() { return load(QUEUE) || []; }

  function tell(form, text) {
    var note = (form || document).querySelector(".offline-note");
    if (note) note.textContent = text;
  }

  function flush() {
    var queue = pending();
    if (!queue.length || navigator.onLine === false) return;
    var entry = queue[0];
    fetch("/runs", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: entry.body
    }).then(function (response) {
      var path = new URL(response.url).pathname;
      if (response.ok && path === "/runs") {
        // Logged (or logged before: the client id makes a repeat harmless).
        save(QUEUE, pending().filter(function (e) { return e.id !== entry.id; }));
        tell(null, "Your run saved offline is now in your log.");
        flush();
      } else if (path === "/login") {
        tell(null, "A run saved on this phone is waiting: log in and it will be added to your log.");
      } else if (response.status === 422) {
        save(QUEUE, pending().filter(function (e) { return e.id !== entry.id; }));
        tell(null, "A run saved offline couldn't be logged as it was: please log it again.");
      }
    }).catch(function () { /* still offline: try again later */ });
  }

  document.querySelectorAll("form[data-offline-log]").forEach(function (form) {
    var id = form.querySelector("input[name=client_id]");
    if (id) id.value = newId();
    var date = form.querySelector("input[name=date]");
    if (date && form.action.indexOf("/edit") < 0) {
      // The member's own calendar day, not the server's.
      var now = new Date();
      date.value = now.getFullYear() + "-" + String(now.getMonth() + 1).padStart(2, "0") + "-" + String(now.getDate()).padStart(2, "0");
    }
    form.addEventListener("submit", function (event) {
      if (navigator.onLine !== false || !id) return;
      event.preventDefault();
      var queue = pending();
      queue.push({ id: id.value, body: new URLSearchParams(new FormData(form)).toString(), at: Date.now() });
      save(QUEUE, queue);
      id.value = newId();
      tell(form, "You're offline, so this run is saved on this phone. It will be added to your log when you're back online.");
    });
  });
  window.addEventListener("online", flush);
  flush();

  // ---- The guided run.
  var box = document.querySelector("section.guided");
  if (!box) return;
  box.hidden = false;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (registration.active) registration.active.postMessage({ keep: location.href });
    }).catch(function () { /* no offline copy, the run still works */ });
  }

  var segments = Array.prototype.map.call(document.querySelectorAll("table.segments tbody tr"), function (row) {
    return { kind: row.dataset.kind, label: row.cells[1].textContent, start: +row.dataset.start, seconds: +row.dataset.seconds };
  });
  var cues = Array.prototype.map.call(document.querySelectorAll("ol.cues li"), function (item) {
    return { at: +item.dataset.at, say: item.querySelector(".say").textContent, change: item.dataset.change === "1" };
  });
  var total = +box.dataset.total;
  var key = "jogette.run." + box.dataset.key;
  var ui = {
    now: box.querySelector(".now-label"), timer: box.querySelector(".timer"), next: box.querySelector(".next"),
    bar: box.querySelector(".run-progress"), elapsed: box.querySelector(".elapsed-clock"),
    start: box.querySelector(".run-start"), pause: box.querySelector(".run-pause"), reset: box.querySelector(".run-reset"),
    cues: box.querySelector(".run-cues")
  };
  var state = load(key);
  var timer = null;
  var wakeLock = null;

  ui.cues.checked = localStorage.getItem("jogette.run.cues") !== "off";
  ui.cues.addEventListener("change", function () {
    try { localStorage.setItem("jogette.run.cues", ui.cues.checked ? "on" : "off"); } catch (e) { /* ignore */ }
    if (!ui.cues.checked && window.speechSynthesis) speechSynthesis.cancel();
  });

  function say(cue) {
    if (!ui.cues.checked) return;
    if (window.speechSynthesis && window.SpeechSynthesisUtterance) {
      speechSynthesis.cancel();
      speechSynthesis.speak(new SpeechSynthesisUtterance(cue.say));
    }
    if (cue.change && navigator.vibrate) navigator.vibrate([300, 150, 300]);
  }

  function elapsed() {
    if (!state) return 0;
    var until = state.pausedAt || Date.now();
    return Math.min(total, (until - state.started - state.paused) / 1000);
  }

  function keepAwake(on) {
    if (on && navigator.wakeLock && !wakeLock) {
      navigator.wakeLock.request("screen").then(function (lock) {
        wakeLock = lock;
        lock.addEventListener("release", function () { wakeLock = null; });
      }).catch(function () { /* not allowed here: the screen may sleep */ });
    } else if (!on && wakeLock) {
      wakeLock.release();
    }
  }

  function show() {
    var e = elapsed();
    var index = 0;
    while (index + 1 < segments.length && segments[index + 1].start <= e) index++;
    var segment = segments[index];
    var following = segments[index + 1];
    var finished = state && e >= total;
    ui.bar.value = e;
    ui.elapsed.textContent = clock(e);
    if (finished) {
      ui.now.textContent = "Finished. Well done!";
      ui.timer.textContent = "0:00";
      ui.next.textContent = "Log your run below.";
    } else {
      ui.now.textContent = state ? segment.label + (state.pausedAt ? " (paused)" : "") : "Ready when you are";
      ui.timer.textContent = clock(Math.ceil(segment.start + segment.seconds - e));
      ui.next.textContent = following ? "Next: " + following.label.toLowerCase() + " for " + clock(following.seconds) : "Last one: then you're done.";
    }
    ui.start.hidden = !!state;
    ui.pause.hidden = !state || finished;
    ui.reset.hidden = !state;
    ui.pause.textContent = state && state.pausedAt ? "Resume" : "Pause";
  }

  // Says what has come due since the last tick. After a reload only what is
  // due now is said, not everything missed while the page was away.
  function tick() {
    if (!state) return show();
    var e = elapsed();
    while (state.fired < cues.length && cues[state.fired].at <= e) {
      var cue = cues[state.fired];
      state.fired++;
      if (e - cue.at < 3) say(cue);
    }
    save(key, state);
    show();
    if (e >= total) finish();
  }

  function finish() {
    stop();
    keepAwake(false);
    save(key, null);
    var form = document.querySelector("form.run-log");
    var minutes = form && form.querySelector("input[name=duration_min]");
    if (minutes && !minutes.value) minutes.value = clock(total);
    var heading = document.getElementById("log");
    if (heading) heading.textContent = "Well done! Log this run";
  }

  function run() {
    if (!timer) timer = setInterval(tick, 250);
    keepAwake(true);
  }
  function stop() {
    clearInterval(timer);
    timer = null;
  }

  ui.start.addEventListener("click", function () {
    state = { started: Date.now(), pausedAt: null, paused: 0, fired: 0 };
    tick();
    run();
  });
  ui.pause.addEventListener("click", function () {
    if (!state) return;
    if (state.pausedAt) {
      state.paused += Date.now() - state.pausedAt;
      state.pausedAt = null;
      run();
    } else {
      state.pausedAt = Date.now();
      stop();
      keepAwake(false);
      if (window.speechSynthesis) speechSynthesis.cancel();
    }
    save(key, state);
    show();
  });
  ui.reset.addEventListener("click", function () {
    if (!window.confirm("Start this run again from the beginning?")) return;
    stop();
    keepAwake(false);
    state = null;
    save(key, null);
    show();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && timer) keepAwake(true);
  });

  // Carry on from where a reload left the run.
  if (state && !state.pausedAt) {
    state.fired = state.fired || 0;
    run();
  }
  tick();
})();

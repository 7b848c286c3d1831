// Small enhancements; every page works without this file.
(function () {
  "use strict";

  // "Quote" with text highlighted in that post quotes just the highlighted part.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.quote");
    if (!link) return;
    var selection = window.getSelection ? String(window.getSelection()).trim() : "";
    var post = link.closest("article.post");
    if (!selection || !post || !post.querySelector(".body").contains(window.getSelection().anchorNode)) return;
    event.preventDefault();
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("selection", selection.slice(0, 2000));
    window.location.href = url.toString();
  });

  // Ask before destructive actions.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // A safety card a member has closed stays closed on this device.
  var dismissed = [];
  try { dismissed = JSON.parse(localStorage.getItem("jogette.safety.dismissed") || "[]"); } catch (e) { dismissed = []; }
  document.querySelectorAll("details.safety[data-safety]").forEach(function (card) {
    if (dismissed.indexOf(card.dataset.safety) >= 0) card.open = false;
    card.addEventListener("toggle", function () {
      var key = card.dataset.safety, at = dismissed.indexOf(key);
      if (!card.open && at < 0) dismissed.push(key);
      if (card.open && at >= 0) dismissed.splice(at, 1);
      try { localStorage.setItem("jogette.safety.dismissed", JSON.stringify(dismissed.slice(-200))); } catch (e) { /* private mode */ }
    });
  });

  // While composing, show red-flag signposting above the submit button.
  function card(assessment) {
    var advice = assessment.advice;
    var box = document.createElement("details");
    box.className = "safety safety-" + assessment.tier;
    box.open = true;
    var summary = document.createElement("summary");
    summary.textContent = advice.headline;
    var body = document.createElement("p");
    body.textContent = advice.body;
    var action = document.createElement("p");
    action.className = "safety-action";
    var strong = document.createElement("strong");
    strong.textContent = advice.action;
    action.appendChild(strong);
    var note = document.createElement("p");
    note.className = "safety-note";
    note.textContent = "Jogette spots warning signs in what people write and suggests where to get help. It can't diagnose, and it never stops anyone posting.";
    box.append(summary, body, action, note);
    return box;
  }

  document.querySelectorAll("form.compose").forEach(function (form) {
    var text = form.querySelector("textarea[name=body]");
    var slot = form.querySelector(".safety-slot");
    if (!text || !slot) return;
    var timer = null, last = null, shown = "";
    text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var value = text.value;
        if (value === last) return;
        last = value;
        fetch("/api/v1/safety/check", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: value })
        }).then(function (r) { return r.ok ? r.json() : null; }).then(function (assessment) {
          if (!assessment || value !== text.value) return;
          var key = assessment.tier + "|" + (assessment.advice ? assessment.advice.body : "");
          if (key === shown) return;
          shown = key;
          slot.replaceChildren();
          if (assessment.tier !== "none" && assessment.advice) slot.appendChild(card(assessment));
        }).catch(function () { /* offline: the card appears on preview or after posting */ });
      }, 600);
    });
  });
})();

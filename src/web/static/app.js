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

  // Drafts: what a member writes is kept on this device as they type, so a
  // reload, a session that ended elsewhere, or a trip through the login page
  // loses nothing. A form's draft is known by where it posts and the post it
  // answers.
  var DRAFT = "jogette-draft:", SENT = "jogette-sent";
  var store = {
    get: function (key) { try { return JSON.parse(localStorage.getItem(DRAFT + key)); } catch (e) { return null; } },
    set: function (key, draft) { try { localStorage.setItem(DRAFT + key, JSON.stringify(draft)); } catch (e) { /* full or private: the server keeps what's sent */ } },
    drop: function (key) { try { localStorage.removeItem(DRAFT + key); } catch (e) { /* nothing to drop */ } }
  };
  var draftKey = function (form) {
    var to = form.querySelector("input[name=reply_to]");
    return form.getAttribute("action") + (to && to.value ? "#" + to.value : "");
  };
  var composers = Array.prototype.filter.call(document.querySelectorAll("form.compose"), function (form) {
    return form.querySelector("textarea[name=body]");
  });
  // After sending, the draft is spent unless the words came back: the same
  // composer refilled (an error, a preview, words carried through the login
  // page), or the login page carrying them.
  var sent = null;
  try { sent = sessionStorage.getItem(SENT); sessionStorage.removeItem(SENT); } catch (e) { /* no storage */ }
  if (sent) {
    var carried = document.querySelector("form.account input[name=draft_for]");
    var back = composers.some(function (form) { return draftKey(form) === sent && form.querySelector("textarea[name=body]").value.trim() !== ""; });
    if (carried) { try { sessionStorage.setItem(SENT, sent); } catch (e) { /* no storage */ } }
    else if (!back) store.drop(sent);
  }
  composers.forEach(function (form) {
    var key = draftKey(form);
    var body = form.querySelector("textarea[name=body]");
    var title = form.querySelector("input[name=title]");
    var category = form.querySelector("select[name=category]");
    var save = function () {
      if (!body.value.trim() && !(title && title.value.trim())) { store.drop(key); return; }
      store.set(key, { body: body.value, title: title ? title.value : "", category: category ? category.value : "", at: Date.now() });
    };
    var saving = null;
    form.addEventListener("input", function () { clearTimeout(saving); saving = setTimeout(save, 300); });
    window.addEventListener("pagehide", function () { clearTimeout(saving); save(); });
    form.addEventListener("submit", function (event) {
      save();
      var preview = event.submitter && event.submitter.name === "preview";
      if (!preview) { try { sessionStorage.setItem(SENT, key); } catch (e) { /* no storage */ } }
    });

    var draft = store.get(key);
    if (!draft || draft.body === body.value || (!draft.body.trim() && !draft.title)) return;
    var note = document.createElement("div");
    note.className = "draft-note";
    note.setAttribute("role", "status");
    var words = document.createElement("p");
    var put = function () {
      body.value = draft.body;
      if (title && draft.title) title.value = draft.title;
      if (category && draft.category) category.value = draft.category;
      body.dispatchEvent(new Event("input", { bubbles: true }));
    };
    var button = function (label, onclick) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = label;
      b.addEventListener("click", onclick);
      return b;
    };
    if (body.value.trim() === "") {
      put();
      words.textContent = "We kept what you were writing here, and it's back. It isn't posted yet.";
      note.append(words, button("Start again", function () {
        body.value = "";
        if (title) title.value = "";
        store.drop(key);
        note.remove();
        body.focus();
      }));
    } else {
      words.textContent = "You have an unsent draft here from earlier.";
      note.append(words, button("Use my draft", function () { put(); note.remove(); body.focus(); }), button("Keep this", function () { store.drop(key); save(); note.remove(); }));
    }
    form.insertBefore(note, form.firstChild);
  });

  // Pictures: picked, dropped on the text or pasted into it, each is sent
  // as soon as it's chosen and its Markdown goes where the member is typing.
  // (Without a script, the "Add picture" button sends the whole draft.)
  composers.forEach(function (form) {
    var body = form.querySelector("textarea[name=body]");
    var pick = form.querySelector("input[data-upload]");
    var status = form.querySelector(".upload-status");
    var csrf = form.querySelector("input[name=csrf]");
    if (!pick || !status || !csrf) return;
    var button = form.querySelector("[data-upload-button]");
    if (button) button.hidden = true;
    var say = function (text, bad) {
      status.hidden = false;
      status.textContent = text;
      status.classList.toggle("field-error", !!bad);
    };
    var insert = function (markdown) {
      var at = body.selectionStart != null ? body.selectionEnd : body.value.length;
      var before = body.value.slice(0, at), after = body.value.slice(at);
      var gap = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
      body.value = before + gap + markdown + "\n" + after;
      var caret = (before + gap + markdown + "\n").length;
      body.setSelectionRange(caret, caret);
      body.dispatchEvent(new Event("input", { bubbles: true }));
    };
    var send = function (file) {
      if (!file) return;
      if (!/^image\/(jpeg|png|webp)$/.test(file.type)) { say("Please choose a JPEG, PNG or WebP picture.", true); return; }
      var data = new FormData();
      data.append("csrf", csrf.value);
      data.append("picture", file);
      data.append("alt", (file.name || "picture").replace(/\.[a-z0-9]+$/i, "").replace(/[-_]+/g, " "));
      say("Adding your picture…");
      fetch("/uploads", { method: "POST", body: data, headers: { accept: "application/json" } })
        .then(function (r) { return r.json().then(function (answer) { return { ok: r.ok, answer: answer }; }); })
        .then(function (result) {
          if (!result.ok) {
            var why = result.answer.errors && result.answer.errors.length ? result.answer.errors[0].message : result.answer.detail;
            say(why || "Sorry, that picture couldn't be added.", true);
            return;
          }
          insert(result.answer.markdown);
          say("Picture added. You can change the words in its square brackets to describe it for people who can't see it.");
        })
        .catch(function () { say("The picture couldn't be sent: check your connection and try again.", true); });
    };
    pick.addEventListener("change", function () {
      Array.prototype.forEach.call(pick.files, send);
      pick.value = "";
    });
    body.addEventListener("dragover", function (event) { if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) event.preventDefault(); });
    body.addEventListener("drop", function (event) {
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      event.preventDefault();
      Array.prototype.forEach.call(event.dataTransfer.files, send);
    });
    body.addEventListener("paste", function (event) {
      var files = event.clipboardData ? Array.prototype.filter.call(event.clipboardData.files, function (f) { return /^image\//.test(f.type); }) : [];
      if (!files.length) return;
      event.preventDefault();
      files.forEach(send);
    });
  });

  // The length limit, shown before posting: a count as the member types.
  document.querySelectorAll("[data-limit]").forEach(function (hint) {
    var field = document.getElementById(hint.getAttribute("data-limit-for"));
    var limit = parseInt(hint.getAttribute("data-limit"), 10);
    if (!field || !limit) return;
    var number = function (n) { return n.toLocaleString("en-GB"); };
    var count = function () {
      var used = Array.from(field.value).length;
      hint.classList.toggle("over", used > limit);
      hint.textContent = used > limit
        ? number(used - limit) + " characters over the limit of " + number(limit) + ": please shorten it, or split it into two posts."
        : number(used) + " of " + number(limit) + " characters";
    };
    field.addEventListener("input", count);
    count();
  });

  // Live updates: new replies and threads announce themselves politely; edits,
  // deletions and thanks update in place. EventSource reconnects by itself and
  // sends Last-Event-ID, so nothing is missed.
  var bar = document.querySelector(".live-bar[data-live]");
  var bell = document.querySelector("[data-unread-for] [data-unread]");
  // One stream per page: the page's own, which also carries the member's
  // notification count, or just the count where the page follows nothing.
  var source = null;
  if (window.EventSource && (bar || bell)) {
    source = new EventSource(bar ? bar.getAttribute("data-live") : "/api/v1/events?mine=true");
  }
  if (source && bell) {
    source.addEventListener("notification", function () {
      fetch("/api/v1/notifications/unread", { headers: { accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (count) {
          if (!count) return;
          bell.firstChild.nodeValue = String(count.unread);
          bell.hidden = count.unread === 0;
        });
    });
  }
  if (bar && source) {
    var onThread = bar.getAttribute("data-live-kind") === "thread";
    source.addEventListener("open", function () { bar.setAttribute("data-connected", ""); });
    source.addEventListener("error", function () { bar.removeAttribute("data-connected"); });
    var fresh = [];
    var say = function (text, href) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      bar.replaceChildren(link);
    };
    var refreshPost = function (id) {
      var thanks = document.querySelector('[data-thanks="' + id + '"]');
      var article = thanks && thanks.closest("article.post");
      if (!article) return;
      fetch("/api/v1/posts/" + id, { headers: { accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (post) {
          if (!post) return;
          if (typeof post.thanks === "number") thanks.textContent = post.thanks + (post.thanks === 1 ? " thank" : " thanks");
          var body = article.querySelector(".body");
          var words = post.deleted ? "This post was deleted." : (post.hidden && !post.html ? "This post is hidden while the moderators look at it." : null);
          if (words && body) {
            var note = document.createElement("p");
            note.className = "body deleted-note";
            var em = document.createElement("em");
            em.textContent = words;
            note.appendChild(em);
            body.replaceWith(note);
          } else if (body && post.html) {
            body.innerHTML = post.html; // sanitized by the server when it was written
          }
        });
    };
    source.addEventListener("post-created", function (e) {
      var event = JSON.parse(e.data);
      fresh.push(event.post_id);
      if (onThread) {
        say(fresh.length + (fresh.length === 1 ? " new reply" : " new replies") + ": show", "/p/" + fresh[0]);
      } else {
        say(fresh.length + (fresh.length === 1 ? " thread updated" : " threads updated") + ": refresh", window.location.href);
      }
    });
    source.addEventListener("thread-created", function () {
      fresh.push(0);
      say(fresh.length + (fresh.length === 1 ? " new thread" : " new threads") + ": refresh", window.location.href);
    });
    ["post-edited", "post-deleted", "thanks"].forEach(function (kind) {
      source.addEventListener(kind, function (e) { refreshPost(JSON.parse(e.data).post_id); });
    });
    source.addEventListener("reset", function () { say("This page has changed a lot: reload", window.location.href); });
    // The review queue: an item another moderator settled leaves this page too.
    if (bar.getAttribute("data-live-kind") === "queue") {
      source.addEventListener("review", function (e) {
        var id = JSON.parse(e.data).post_id;
        fetch("/api/v1/mod/queue", { headers: { accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (queue) {
            if (!queue) return;
            var pending = queue.items.some(function (item) { return item.post_id === id; });
            var card = document.getElementById("review-" + id);
            if (card && !pending) {
              card.remove();
              bar.textContent = "Another moderator dealt with an item, so it has left the queue.";
            } else if (!card && pending) {
              say("New in the queue: refresh", window.location.href);
            }
          });
      });
    }
  }

  // "Has this been asked before?" while a new thread's title is typed.
  var similar = document.querySelector("[data-similar]");
  var titleInput = document.getElementById("title");
  if (similar && titleInput) {
    var bodyInput = document.getElementById("body");
    var wait = null, asked = "";
    var ask = function () {
      var title = titleInput.value.trim();
      var key = title + "\n" + (bodyInput ? bodyInput.value.slice(0, 600) : "");
      if (title.length < 5 || key === asked) return;
      asked = key;
      var url = "/api/v1/threads/similar?title=" + encodeURIComponent(title) + "&body=" + encodeURIComponent(bodyInput ? bodyInput.value.slice(0, 600) : "");
      fetch(url, { headers: { accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (found) {
          if (!found || asked !== key) return;
          similar.replaceChildren();
          if (!found.threads.length) return;
          var heading = document.createElement("h2");
          heading.id = "similar-heading";
          heading.textContent = "Has this been asked before?";
          var list = document.createElement("ul");
          found.threads.forEach(function (t) {
            var item = document.createElement("li");
            var link = document.createElement("a");
            link.href = t.url;
            link.textContent = t.title;
            var meta = document.createElement("span");
            meta.className = "meta";
            meta.textContent = " " + t.replies + (t.replies === 1 ? " reply" : " replies");
            var snippet = document.createElement("p");
            snippet.className = "excerpt";
            snippet.innerHTML = t.snippet; // escaped by the server, with <mark> around matches
            item.append(link, meta, snippet);
            list.appendChild(item);
          });
          similar.append(heading, list);
        })
        .catch(function () { /* offline: the list appears on preview */ });
    };
    [titleInput, bodyInput].forEach(function (input) {
      if (input) input.addEventListener("input", function () { clearTimeout(wait); wait = setTimeout(ask, 500); });
    });
  }
})();

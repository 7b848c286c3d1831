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
})();

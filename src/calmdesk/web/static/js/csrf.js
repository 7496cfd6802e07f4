// Every htmx request carries the session's CSRF token in a header, read from the page's meta tag.
// Plain forms carry it as a hidden field rendered by the server; this file only covers htmx.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta || !document.body) {
    return;
  }
  document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRF-Token": meta.content }));
})();

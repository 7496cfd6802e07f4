// The connection indicator in the console's top bar: "Connected", or "Offline: retrying" while
// requests fail to reach the server; it checks /api/v1/health until the server answers again.
(function () {
  "use strict";
  var el = document.getElementById("connection");
  if (!el) {
    return;
  }
  var timer = null;

  function set(state) {
    el.setAttribute("data-state", state);
    el.textContent = state === "online" ? "Connected" : "Offline: retrying…";
    document.body.setAttribute("data-connection", state);
    if (state === "offline" && !timer) {
      timer = setInterval(probe, 3000);
    } else if (state === "online" && timer) {
      clearInterval(timer);
      timer = null;
    }
  }

  function probe() {
    fetch("/api/v1/health", { cache: "no-store", credentials: "same-origin" })
      .then(function (r) {
        if (r.ok) {
          set("online");
          document.dispatchEvent(new CustomEvent("calmdesk:online"));
        }
      })
      .catch(function () {});
  }

  window.calmdeskConnection = { set: set, probe: probe };
  document.addEventListener("htmx:sendError", function () {
    set("offline");
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    if (ev.detail.xhr && ev.detail.xhr.status > 0) {
      set("online");
    }
  });
  window.addEventListener("offline", function () {
    set("offline");
  });
  window.addEventListener("online", probe);
})();

// The live queue: a socket on the desk channel says "something moved"; the table is re-read
// from the server (what this person may see), at most once a second. Reconnects with back-off.
(function () {
  "use strict";
  var root = document.getElementById("live-queue");
  if (!root || !window.htmx) {
    return;
  }
  var retries = 0;
  var pending = null;
  var last = 0;

  function refresh() {
    var wait = Math.max(0, 1000 - (Date.now() - last));
    if (pending) {
      return;
    }
    pending = setTimeout(function () {
      pending = null;
      last = Date.now();
      window.htmx.trigger(root, "refresh");
    }, wait);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + root.getAttribute("data-desk-ws"));
    socket.addEventListener("open", function () {
      retries = 0;
      root.setAttribute("data-live", "on");
    });
    socket.addEventListener("message", function (ev) {
      try {
        if (JSON.parse(ev.data).type === "queue") {
          refresh();
        }
      } catch (e) {
        return;
      }
    });
    socket.addEventListener("close", function (ev) {
      root.setAttribute("data-live", "off");
      if (ev.code === 4401) {
        return;
      }
      var delay = Math.min(5000, 300 * Math.pow(2, retries));
      retries += 1;
      setTimeout(function () {
        refresh(); // catch up on what moved while the socket was down
        connect();
      }, delay);
    });
  }
  connect();
})();

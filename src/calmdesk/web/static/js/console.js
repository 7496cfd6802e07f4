// The agent console: a live channel per open conversation (new turns refresh the server-rendered
// transcript and signals, typing shows an indicator), "use suggestion" buttons that fill the reply
// box, and a reply box that clears itself after a successful send. No inline handlers anywhere.
(function () {
  "use strict";

  function refresh(id) {
    var el = document.getElementById(id);
    if (el && window.htmx) {
      window.htmx.trigger(el, "refresh");
    }
  }

  function liveChannel(root) {
    var wsPath = root.getAttribute("data-ws");
    var typing = document.getElementById("customer-typing");
    var live = {
      socket: null,
      lastId: Number(root.getAttribute("data-last-id") || "0"),
      retries: 0,
      typingAt: "",
    };
    window.calmdeskConsole = live;
    var typingTimer = null;

    function onEvent(ev) {
      var msg;
      try {
        msg = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (msg.type === "message" && msg.id > live.lastId) {
        live.lastId = msg.id;
        if (typing && msg.role === "customer" && msg.at >= live.typingAt) {
          typing.hidden = true; // the message they were typing has arrived
        }
        refresh("transcript");
        if (msg.role === "customer") {
          // new signals, risk and chart; the agent's own replies refresh it when they succeed
          refresh("insight");
        }
      } else if (msg.type === "status" && msg.by !== root.getAttribute("data-user")) {
        refresh("insight");
      } else if (msg.type === "typing" && msg.role === "customer" && typing) {
        live.typingAt = msg.at || "";
        typing.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () {
          typing.hidden = true;
        }, 4000);
      }
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + wsPath + "?after=" + live.lastId);
      live.socket = socket;
      socket.addEventListener("open", function () {
        live.retries = 0;
        root.setAttribute("data-live", "on");
      });
      socket.addEventListener("message", onEvent);
      socket.addEventListener("close", function (ev) {
        root.setAttribute("data-live", "off");
        if (live.socket !== socket || ev.code === 4401 || ev.code === 4403) {
          return;
        }
        var delay = Math.min(5000, 300 * Math.pow(2, live.retries));
        live.retries += 1;
        setTimeout(connect, delay);
      });
    }

    live.sendTyping = function () {
      if (live.socket && live.socket.readyState === WebSocket.OPEN) {
        live.socket.send(JSON.stringify({ type: "typing" }));
      }
    };
    connect();
    return live;
  }

  function replyBox(live) {
    var form = document.getElementById("reply-form");
    var draft = document.getElementById("reply-draft");
    if (!form || !draft) {
      return;
    }
    var lastTyping = 0;
    draft.addEventListener("input", function () {
      var now = Date.now();
      if (live && now - lastTyping > 1500) {
        lastTyping = now;
        live.sendTyping();
      }
    });
    draft.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        form.requestSubmit();
      }
    });
    document.addEventListener("click", function (ev) {
      var cite = ev.target.closest("[data-insert-text]");
      if (cite) {
        ev.preventDefault();
        var at = draft.selectionEnd || draft.value.length;
        var text = cite.getAttribute("data-insert-text");
        var before = draft.value.slice(0, at);
        var gap = before && !/\s$/.test(before) ? " " : "";
        draft.value = before + gap + text + draft.value.slice(at);
        draft.focus();
        draft.dispatchEvent(new Event("input", { bubbles: true }));
        return;
      }
      var button = ev.target.closest("[data-use-text]");
      if (!button) {
        return;
      }
      ev.preventDefault();
      draft.value = button.getAttribute("data-use-text");
      draft.focus();
      draft.dispatchEvent(new Event("input", { bubbles: true }));
    });
    form.addEventListener("htmx:afterRequest", function (ev) {
      if (ev.detail.elt === form && ev.detail.successful) {
        draft.value = "";
        refresh("review");
        refresh("insight");
      }
    });
  }

  var root = document.getElementById("conversation");
  var live = root ? liveChannel(root) : null;
  replyBox(live);
})();

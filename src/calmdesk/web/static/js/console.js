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
    var viewers = document.getElementById("viewers");
    var drafting = document.getElementById("other-drafting");
    var draftingTimer = null;

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
      } else if (msg.type === "access") {
        // the case changed hands; if this person lost it, the socket closes after this message
        if (msg.lost) {
          var held = document.getElementById("other-drafting");
          if (held) {
            held.textContent =
              "This case has just moved to someone else. Your draft is kept; the details are beside the conversation.";
            held.hidden = false;
          }
        }
        refresh("insight");
      } else if (msg.type === "presence" && viewers) {
        var me = root.getAttribute("data-name");
        var others = (msg.viewers || []).filter(function (n) {
          return n !== me;
        });
        viewers.textContent = others.length ? "Also viewing: " + others.join(", ") : "";
      } else if (msg.type === "typing" && msg.role === "agent" && msg.user !== root.getAttribute("data-user") && drafting) {
        drafting.textContent = (msg.name || "Another agent") + " is also writing a reply to this customer.";
        drafting.hidden = false;
        clearTimeout(draftingTimer);
        draftingTimer = setTimeout(function () {
          drafting.hidden = true;
        }, 6000);
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
          if (ev.code === 4403) {
            refresh("insight");
          }
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
    // One client id per draft: a retry after a lost connection is stored once (idempotency key).
    var clientId = document.getElementById("reply-client-id");
    var result = document.getElementById("reply-result");
    var retries = 0;
    var retryTimer = null;
    function newId() {
      return "c-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
    }
    if (clientId && !clientId.value) {
      clientId.value = newId();
    }
    function retry() {
      if (retries >= 8 || !draft.value.trim()) {
        return;
      }
      retries += 1;
      var delay = Math.min(8000, 500 * Math.pow(2, retries));
      clearTimeout(retryTimer);
      if (result) {
        result.innerHTML = "";
        var p = document.createElement("p");
        p.className = "banner banner--warn";
        p.setAttribute("role", "status");
        p.textContent = "Not sent: the connection to calmdesk was lost. Your draft is kept; retrying in " + Math.round(delay / 1000) + " s.";
        result.appendChild(p);
      }
      retryTimer = setTimeout(function () {
        form.requestSubmit();
      }, delay);
    }
    form.addEventListener("htmx:sendError", function (ev) {
      if (ev.detail.elt === form) {
        retry();
      }
    });
    form.addEventListener("htmx:afterRequest", function (ev) {
      if (ev.detail.elt !== form) {
        return;
      }
      if (ev.detail.successful) {
        retries = 0;
        draft.value = "";
        if (clientId) {
          clientId.value = newId();
        }
        refresh("review");
        refresh("insight");
      } else if (ev.detail.xhr && ev.detail.xhr.status >= 500) {
        retry();
      }
    });
    document.addEventListener("calmdesk:online", function () {
      if (retries > 0 && draft.value.trim()) {
        clearTimeout(retryTimer);
        form.requestSubmit();
      }
    });
  }

  var root = document.getElementById("conversation");
  var live = root ? liveChannel(root) : null;
  replyBox(live);
})();

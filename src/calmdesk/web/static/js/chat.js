// The customer chat: one websocket, reconnect with back-off, replay after the last message seen,
// an outbox that re-sends unacknowledged messages under the same id (the server stores each once),
// and a typing indicator. Text is always inserted with textContent, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) {
    return;
  }
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var typing = document.getElementById("chat-typing");
  var state = document.getElementById("chat-state");
  var wsPath = root.getAttribute("data-ws");
  var selfRole = root.getAttribute("data-role") || "customer";

  var chat = {
    socket: null,
    lastId: Number(root.getAttribute("data-last-id") || "0"),
    seen: new Set(),
    outbox: new Map(),
    retries: 0,
    offline: false,
    closedByPage: false,
  };
  window.calmdeskChat = chat;

  log.querySelectorAll("[data-id]").forEach(function (el) {
    chat.seen.add(Number(el.getAttribute("data-id")));
  });

  function newId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }

  function setState(text, kind) {
    state.textContent = text;
    state.className = "chat-state chat-state--" + kind;
  }

  // One time format on the page: the server writes times for the viewer's Accept-Language; with
  // JavaScript every time (those on the page and those that arrive live) uses the browser's own.
  function clockLabel(at) {
    return new Date(at).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }
  Array.prototype.forEach.call(log.querySelectorAll("time.bubble__time"), function (t) {
    if (t.dateTime) {
      t.textContent = clockLabel(t.dateTime);
    }
  });

  function bubble(role, author, text, at) {
    var li = document.createElement("li");
    li.className = "bubble bubble--" + (role === selfRole ? "mine" : "theirs");
    var who = document.createElement("span");
    who.className = "bubble__who";
    who.textContent = author;
    var body = document.createElement("p");
    body.className = "bubble__text";
    body.textContent = text;
    li.appendChild(who);
    li.appendChild(body);
    if (at) {
      var time = document.createElement("time");
      time.className = "bubble__time";
      time.dateTime = at;
      time.textContent = clockLabel(at);
      li.appendChild(time);
    }
    return li;
  }

  function showMessage(msg) {
    if (chat.seen.has(msg.id)) {
      return;
    }
    chat.seen.add(msg.id);
    chat.lastId = Math.max(chat.lastId, msg.id);
    if (msg.client_id && chat.outbox.has(msg.client_id)) {
      var pending = chat.outbox.get(msg.client_id);
      chat.outbox.delete(msg.client_id);
      pending.el.remove();
    }
    var who = msg.role === selfRole ? "You" : msg.author || "Support";
    var li = bubble(msg.role, who, msg.text, msg.at);
    li.setAttribute("data-id", String(msg.id));
    log.appendChild(li);
    typing.hidden = true;
    li.scrollIntoView({ block: "end" });
  }

  function showNotice(text) {
    var li = document.createElement("li");
    li.className = "notice";
    li.textContent = text;
    log.appendChild(li);
  }

  var typingTimer = null;
  function showTyping(role) {
    if (role === selfRole) {
      return;
    }
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () {
      typing.hidden = true;
    }, 4000);
  }

  function onEvent(ev) {
    var msg;
    try {
      msg = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    if (msg.type === "message") {
      showMessage(msg);
    } else if (msg.type === "ack" && msg.id) {
      showMessage(msg);
    } else if (msg.type === "typing") {
      showTyping(msg.role);
    } else if (msg.type === "status" && msg.notice) {
      showNotice(msg.notice);
    } else if (msg.type === "error") {
      setState(msg.message || "Something went wrong.", "error");
    }
  }

  function send(obj) {
    if (chat.socket && chat.socket.readyState === WebSocket.OPEN) {
      chat.socket.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  function flushOutbox() {
    chat.outbox.forEach(function (pending, clientId) {
      send({ type: "message", text: pending.text, client_id: clientId });
    });
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + wsPath + "?after=" + String(chat.lastId);
    var socket = new WebSocket(url);
    chat.socket = socket;
    setState("Connecting…", "wait");
    socket.addEventListener("open", function () {
      chat.retries = 0;
      setState("Connected", "ok");
      flushOutbox();
    });
    socket.addEventListener("message", onEvent);
    socket.addEventListener("close", function (ev) {
      if (chat.socket !== socket || chat.closedByPage) {
        return;
      }
      if (chat.offline) {
        setState("Offline", "wait");
        return;
      }
      if (ev.code === 4401 || ev.code === 4403) {
        setState("This chat link is no longer valid.", "error");
        return;
      }
      var delay = Math.min(5000, 300 * Math.pow(2, chat.retries));
      chat.retries += 1;
      setState("Reconnecting…", "wait");
      setTimeout(connect, delay);
    });
  }

  // Simulate a network failure: drop the socket and stay offline until reconnect() (or, with
  // no hold, reconnect on the normal back-off). Messages written meanwhile wait in the outbox.
  chat.drop = function (hold) {
    chat.offline = Boolean(hold);
    if (chat.socket) {
      chat.socket.close();
    }
  };
  chat.reconnect = function () {
    chat.offline = false;
    connect();
  };

  if (!form) {
    connect();
    return;
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) {
      return;
    }
    var clientId = newId();
    var el = bubble(selfRole, "You", text, null);
    el.classList.add("bubble--pending");
    log.appendChild(el);
    chat.outbox.set(clientId, { text: text, el: el });
    send({ type: "message", text: text, client_id: clientId });
    input.value = "";
    input.focus();
  });

  var lastTyping = 0;
  input.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTyping > 1500) {
      lastTyping = now;
      send({ type: "typing" });
    }
  });

  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });

  window.addEventListener("beforeunload", function () {
    chat.closedByPage = true;
  });

  connect();
})();

// calmdesk chat widget. Embed with:
//   <script src="https://support.example.com/widget.js" data-team="Orders" async></script>
// It adds a chat bubble; the conversation runs in an iframe served by calmdesk (which decides who
// may frame it), so nothing of the host page is read and nothing loads from third parties.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__calmdeskWidget) {
    return;
  }
  window.__calmdeskWidget = true;
  var origin = new URL(script.src, window.location.href).origin;
  var team = script.getAttribute("data-team") || "";
  var label = script.getAttribute("data-label") || "Chat with us";
  var frame = null;
  var open = false;
  var key = "calmdesk.chat." + team;

  function saved() {
    try {
      return window.localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  // The frame tells this page the chat token of the conversation it started (or to forget it),
  // so the same browser resumes it even where the frame itself may not keep storage.
  window.addEventListener("message", function (ev) {
    var data = ev.data;
    if (ev.origin !== origin || !data || data.calmdesk !== true || data.team !== team) {
      return;
    }
    try {
      if (data.forget) {
        window.localStorage.removeItem(key);
      } else if (typeof data.token === "string" && data.token.length < 600) {
        window.localStorage.setItem(key, data.token);
      }
    } catch (e) {
      return;
    }
  });

  function css(el, rules) {
    for (var k in rules) {
      el.style[k] = rules[k];
    }
  }

  var button = document.createElement("button");
  button.type = "button";
  button.id = "calmdesk-bubble";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  css(button, {
    position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483000",
    padding: "12px 18px", border: "0", borderRadius: "24px", cursor: "pointer",
    background: "#2f5d8a", color: "#fff", font: "600 15px system-ui, sans-serif",
    boxShadow: "0 4px 14px rgba(0,0,0,.25)",
  });

  function toggle() {
    open = !open;
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "calmdesk-frame";
      frame.title = label;
      var token = saved();
      frame.src = origin + "/widget/frame?team=" + encodeURIComponent(team) +
        (token ? "#t=" + encodeURIComponent(token) : "");
      css(frame, {
        position: "fixed", right: "20px", bottom: "76px", zIndex: "2147483000",
        width: "min(380px, calc(100vw - 40px))", height: "min(560px, calc(100vh - 100px))",
        border: "1px solid #d5dbe3", borderRadius: "12px", background: "#fff",
        boxShadow: "0 8px 28px rgba(0,0,0,.25)",
      });
      document.body.appendChild(frame);
    }
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "Close chat" : label;
  }

  button.addEventListener("click", toggle);

  function mount() {
    document.body.appendChild(button);
  }
  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();

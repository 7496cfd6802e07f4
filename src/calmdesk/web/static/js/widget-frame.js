// The widget frame's start page: resume the conversation this browser already has (its chat
// token is kept in localStorage, per team), or start one through the public API.
(function () {
  "use strict";
  var root = document.getElementById("widget-start");
  if (!root) {
    return;
  }
  var team = root.getAttribute("data-team") || "";
  var key = "calmdesk.chat." + team;
  var store = null;
  try {
    store = window.localStorage;
  } catch (e) {
    store = null;
  }
  // Browsers often refuse storage to third-party frames: the embedding page keeps the token
  // too (widget.js) and hands it back in the frame's #t= fragment, which never reaches a server.
  var hinted = /[#&]t=([^&]+)/.exec(window.location.hash);
  var fromHost = hinted ? decodeURIComponent(hinted[1]) : null;
  function kept() {
    return (store && store.getItem(key)) || fromHost;
  }
  function tell(message) {
    if (window.parent !== window) {
      message.calmdesk = true;
      message.team = team;
      window.parent.postMessage(message, "*");
    }
  }
  function chatUrl(token) {
    return "/widget/chat/" + encodeURIComponent(token) + "?team=" + encodeURIComponent(team);
  }
  if (root.getAttribute("data-reset") === "yes") {
    if (store) {
      store.removeItem(key);
    }
    fromHost = null;
    tell({ forget: true });
  }
  if (kept() && root.getAttribute("data-new") !== "yes") {
    window.location.replace(chatUrl(kept()));
    return;
  }
  var form = document.getElementById("widget");
  var error = document.getElementById("widget-error");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var data = new FormData(form);
    var body = { name: data.get("name"), text: data.get("text") };
    if (data.get("email")) {
      body.email = data.get("email");
    }
    if (team) {
      body.team = team;
    }
    if (data.get("website")) {
      body.website = data.get("website");
    }
    var headers = { "Content-Type": "application/json" };
    if (kept()) {
      headers.Authorization = "Bearer " + kept();
    }
    var button = form.querySelector("button");
    button.disabled = true;
    fetch("/api/v1/public/conversations", {
      method: "POST", headers: headers, body: JSON.stringify(body), credentials: "omit",
    })
      .then(function (res) {
        return res.json().then(function (json) {
          return { ok: res.ok, json: json };
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          var err = answer.json && answer.json.error;
          error.textContent = (err && err.message) || "That did not work; please try again.";
          error.hidden = false;
          button.disabled = false;
          return;
        }
        if (store) {
          store.setItem(key, answer.json.chat_token);
        }
        tell({ token: answer.json.chat_token });
        window.location.replace(chatUrl(answer.json.chat_token));
      })
      .catch(function () {
        error.textContent = "We could not reach the server; check your connection and try again.";
        error.hidden = false;
        button.disabled = false;
      });
  });
})();

/*
 * The progress page, live: on each pushed event (collab/live.js) fetch the server-rendered live
 * part and swap it in. The actions block is swapped only when the available actions change, so
 * a half-typed message survives an unrelated update. Without script the page works by reload.
 * Texts come from the JavaScript catalogue (/jsi18n/), loaded before this script.
 */
(function () {
  "use strict";
  var main = document.querySelector("[data-collab-live]");
  var indicator = document.getElementById("live-indicator");
  if (!main) return;
  var pending = null;
  var STATUS_TEXT = {
    live: gettext("Live: this page updates by itself"),
    offline: gettext("Reconnecting…"),
    refused: gettext("Reload the page to see the latest."),
  };

  function refresh() {
    fetch(main.getAttribute("data-partial-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var next = document.createElement("div");
        next.innerHTML = html;
        var status = document.getElementById("live-status");
        status.replaceWith(next.querySelector("#live-status"));
        var actions = document.getElementById("live-actions");
        var newActions = next.querySelector("#live-actions");
        if (actions.getAttribute("data-actions-key") !== newActions.getAttribute("data-actions-key")) {
          actions.replaceWith(newActions);
        }
      });
  }

  main.addEventListener("collab:event", function () {
    // Several events often arrive together (route, accept): render once.
    clearTimeout(pending);
    pending = setTimeout(refresh, 50);
  });
  main.addEventListener("collab:status", function (event) {
    indicator.textContent = STATUS_TEXT[event.detail.status] || "";
    indicator.className = "status-line " + event.detail.status;
  });
})();

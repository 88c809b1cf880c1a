/* Collab portal: keyboard shortcuts, SLA countdowns, live status. Needs htmx, live.js and the
 * JavaScript catalogue (/jsi18n/: gettext, interpolate) loaded before it. */
(function () {
  "use strict";

  // ---- Keyboard: j/k move through a ticket list, Enter/o opens, x selects, / searches. ----
  var selected = -1;
  var pendingG = false;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr.row"));
  }

  function select(index) {
    var all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    var link = all[selected].querySelector("a");
    if (link) link.focus();
  }

  function typing(target) {
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "i") { window.location.href = "/portal/inbox/"; }
      return;
    }
    if (key === "j") { select(selected + 1); event.preventDefault(); }
    else if (key === "k") { select(selected - 1); event.preventDefault(); }
    else if ((key === "o" || key === "Enter") && selected >= 0 && rows()[selected]) {
      window.location.href = rows()[selected].dataset.href;
      event.preventDefault();
    } else if (key === "x" && selected >= 0) {
      var box = rows()[selected] && rows()[selected].querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; event.preventDefault(); }
    } else if (key === "/") {
      var search = document.querySelector("input[name=q]");
      if (search) { search.focus(); event.preventDefault(); }
    } else if (key === "c") {
      var body = document.querySelector(".composer textarea");
      if (body) { body.focus(); event.preventDefault(); }
    } else if (key === "g") {
      pendingG = true;
    } else if (key === "?") {
      var help = document.querySelector(".footer details");
      if (help) { help.open = !help.open; help.querySelector("summary").focus(); }
    }
  });

  // ---- SLA countdowns: the server renders them; this keeps them current between events. ----
  function remaining(ms) {
    var minutes = Math.floor(ms / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var parts = { days: days, hours: hours, minutes: Math.max(minutes % 60, 0) };
    if (days > 0) return interpolate(gettext("%(days)sd %(hours)sh"), parts, true);
    if (hours > 0) return interpolate(gettext("%(hours)sh %(minutes)sm"), parts, true);
    return interpolate(gettext("%(minutes)sm"), parts, true);
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".sla[data-deadline]").forEach(function (badge) {
      var left = Date.parse(badge.dataset.deadline) - now;
      var time = badge.querySelector("time");
      if (left <= 0) {
        badge.classList.remove("sla-ok", "sla-warning");
        badge.classList.add("sla-breached");
        if (time) time.textContent = gettext("overdue");
      } else if (time) {
        time.textContent = interpolate(gettext("in %(time)s"), { time: remaining(left) }, true);
      }
    });
  }

  // ---- Live: collab/live.js dispatches collab:event on the element carrying
  // data-collab-live (the body); htmx regions listen for it with hx-trigger. Here we only show
  // the connection state so people know whether the page is current. ----
  var LIVE_TEXT = {
    connecting: gettext("connecting…"),
    live: gettext("live"),
    offline: gettext("offline, retrying"),
    refused: gettext("not live"),
  };
  document.addEventListener("collab:status", function (event) {
    document.body.dataset.liveState = event.detail.status;
    var badge = document.getElementById("live-status");
    if (badge) badge.textContent = LIVE_TEXT[event.detail.status] || event.detail.status;
  });

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 30000);
    document.body.addEventListener("htmx:afterSwap", function () { tick(); if (selected >= 0) select(selected); });
  });
})();

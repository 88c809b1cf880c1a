/* Collab portal: keyboard shortcuts, SLA countdowns and live refresh. No dependencies but htmx. */
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
    if (days > 0) return days + "d " + hours + "h";
    if (hours > 0) return hours + "h " + (minutes % 60) + "m";
    return Math.max(minutes, 0) + "m";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".sla[data-deadline]").forEach(function (badge) {
      var left = Date.parse(badge.dataset.deadline) - now;
      var time = badge.querySelector("time");
      if (left <= 0) {
        badge.classList.remove("sla-ok", "sla-warning");
        badge.classList.add("sla-breached");
        if (time) time.textContent = document.body.dataset.textOverdue || "!";
      } else if (time) {
        time.textContent = remaining(left);
      }
    });
  }

  // ---- Live: every event for the party (inbox) or the ticket (ticket page) refreshes the
  // htmx regions listening for "collab:event"; a burst of events causes one refresh. ----
  var refreshTimer = null;

  function refresh(detail) {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(function () {
      if (window.htmx) window.htmx.trigger(document.body, "collab:event", detail || {});
    }, 250);
  }

  function liveUrl() {
    var kind = document.body.dataset.live;
    if (kind === "party") return "/ws/party/";
    if (kind === "ticket") return "/ws/tickets/" + encodeURIComponent(document.body.dataset.liveRef) + "/";
    return null;
  }

  function connect(path, delay) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + path);
    socket.onopen = function () {
      delay = 1000;
      document.body.dataset.liveState = "open";
    };
    socket.onmessage = function (message) {
      var detail = {};
      try { detail = JSON.parse(message.data); } catch (e) { detail = {}; }
      refresh(detail);
    };
    socket.onclose = function () {
      document.body.dataset.liveState = "closed";
      window.setTimeout(function () { connect(path, Math.min(delay * 2, 30000)); }, delay);
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 30000);
    document.body.addEventListener("htmx:afterSwap", function () { tick(); if (selected >= 0) select(selected); });
    var path = liveUrl();
    if (path) connect(path, 1000);
  });
})();

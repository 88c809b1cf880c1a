/*
 * Collab live client: dependency-free, served as a static file.
 *
 *   <main data-collab-live="/ws/track/TOKEN/" data-collab-after="7">…</main>
 *
 * Every element with data-collab-live gets a socket. The client connects with the last cursor
 * it saw (?after=N), so the server first sends what was missed from the event log and then live
 * events; it answers the server's pings, notices a silent socket, and reconnects with backoff.
 * It dispatches DOM events on the element (they bubble):
 *
 *   collab:event   detail = {cursor, event}   one new event, never twice
 *   collab:status  detail = {status}          "connecting" | "live" | "offline" | "refused"
 *   collab:resync  detail = {}                the backlog was too long: reload the list
 *   collab:bulk    detail = job               a bulk job's progress (party inbox only)
 *   collab:notification detail = {unread, notification?}  the person's bell (/ws/notifications/)
 *
 * Refused joins (close codes 4400, 4401, 4403, 4404: bad cursor, signed out, no party, not
 * found) are final; every other close is retried. Pages can also call CollabLive.connect().
 */
(function (global) {
  "use strict";

  var FINAL_CODES = [4400, 4401, 4403, 4404];
  var MAX_DELAY_MS = 30000;

  function connect(options) {
    var element = options.element || document;
    var cursor = options.after === undefined || options.after === "" ? null : +options.after;
    var lastSeq = {}; // per ticket: the highest sequence number dispatched
    var attempt = 0;
    var socket = null;
    var watchdog = null;
    var retry = null;
    var stopped = false;

    function emit(name, detail) {
      var event;
      try {
        event = new CustomEvent(name, { detail: detail, bubbles: true });
      } catch (e) { // old WebViews
        event = document.createEvent("CustomEvent");
        event.initCustomEvent(name, true, false, detail);
      }
      element.dispatchEvent(event);
    }

    function url() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var params = [];
      if (cursor !== null) params.push("after=" + cursor);
      var lang = document.documentElement.lang;
      if (lang) params.push("lang=" + encodeURIComponent(lang));
      return scheme + location.host + options.path + (params.length ? "?" + params.join("&") : "");
    }

    function arm(seconds) {
      clearTimeout(watchdog);
      if (!seconds) return;
      // Three missed pings: the connection is dead even if the browser has not noticed.
      watchdog = setTimeout(function () { if (socket) socket.close(); }, seconds * 3000);
    }

    function open() {
      if (stopped) return;
      emit("collab:status", { status: "connecting" });
      var heartbeat = 0;
      socket = new WebSocket(url());
      socket.onmessage = function (message) {
        var frame;
        try { frame = JSON.parse(message.data); } catch (e) { return; }
        arm(heartbeat);
        if (frame.type === "ping") {
          socket.send('{"type":"pong"}');
        } else if (frame.type === "ready") {
          attempt = 0;
          heartbeat = frame.heartbeat;
          arm(heartbeat);
          emit("collab:status", { status: "live" });
        } else if (frame.type === "event") {
          var key = frame.event.ticket || "";
          if (frame.event.seq <= (lastSeq[key] || 0)) return;
          lastSeq[key] = frame.event.seq;
          cursor = cursor === null ? frame.cursor : Math.max(cursor, frame.cursor);
          emit("collab:event", { cursor: frame.cursor, event: frame.event });
        } else if (frame.type === "resync") {
          emit("collab:resync", {});
        } else if (frame.type === "bulk.progress") {
          emit("collab:bulk", frame.job);
        } else if (frame.type === "notification") {
          emit("collab:notification", frame);
        } else if (frame.type === "insight.top_issues") {
          emit("collab:top_issues", frame.top_issues);
        }
      };
      socket.onclose = function (close) {
        clearTimeout(watchdog);
        socket = null;
        if (FINAL_CODES.indexOf(close.code) !== -1) {
          stopped = true;
          emit("collab:status", { status: "refused", code: close.code });
          return;
        }
        emit("collab:status", { status: "offline" });
        schedule();
      };
    }

    function schedule() {
      if (stopped || retry) return;
      var delay = Math.min(MAX_DELAY_MS, 500 * Math.pow(2, attempt));
      attempt += 1;
      retry = setTimeout(function () { retry = null; open(); }, delay * (0.5 + Math.random() / 2));
    }

    function now() { // the network is back or the page is visible again: do not wait
      if (stopped || socket) return;
      clearTimeout(retry);
      retry = null;
      open();
    }

    global.addEventListener("online", now);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") now();
    });
    open();

    return {
      close: function () {
        stopped = true;
        clearTimeout(retry);
        clearTimeout(watchdog);
        if (socket) socket.close(1000);
      },
      cursor: function () { return cursor; },
    };
  }

  function start() {
    var elements = document.querySelectorAll("[data-collab-live]");
    for (var i = 0; i < elements.length; i++) {
      var element = elements[i];
      element.collabLive = connect({
        element: element,
        path: element.getAttribute("data-collab-live"),
        after: element.getAttribute("data-collab-after"),
      });
    }
  }

  global.CollabLive = { connect: connect };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})(window);

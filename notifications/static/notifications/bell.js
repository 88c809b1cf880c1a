/*
 * The portal's bell: its count comes from the page (read fresh at load) and then from
 * /ws/notifications/ (live.js), whose every frame carries the current unread count. The bell's
 * own connection state is not the page's, so its collab:status events stop here.
 */
(function () {
  "use strict";

  function show(bell, unread) {
    var count = bell.querySelector(".bell-count");
    if (count) count.textContent = unread;
    bell.classList.toggle("has-unread", unread > 0);
  }

  function start() {
    var bell = document.getElementById("bell");
    if (!bell) return;
    show(bell, +(bell.querySelector(".bell-count") || {}).textContent || 0);
    bell.addEventListener("collab:status", function (event) { event.stopPropagation(); });
    bell.addEventListener("collab:notification", function (event) {
      event.stopPropagation();
      show(bell, event.detail.unread);
      if (event.detail.notification) bell.title = event.detail.notification.text;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

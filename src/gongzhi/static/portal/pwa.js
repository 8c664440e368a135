/* Installable on ordinary mobile browsers: register the portal's service worker, never
   inside WeChat's in-app browser (which the server leaves this script out of, too). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !("serviceWorker" in navigator) || /MicroMessenger/i.test(navigator.userAgent)) {
    return;
  }
  window.addEventListener("load", function () {
    navigator.serviceWorker
      .register(script.dataset.worker, { scope: script.dataset.scope })
      .catch(function () {
        /* An old or private browser: the portal works the same without it. */
      });
  });
})();

// Household binding: choosing the community reloads the form with its buildings to pick
// from (before the address and name are typed). Without this script the address is typed.
(function () {
  "use strict";
  var form = document.querySelector("[data-bind]");
  if (!form) { return; }
  var community = form.querySelector('[name="community"]');
  community.addEventListener("change", function () {
    if (community.value) {
      window.location.search = "?community=" + encodeURIComponent(community.value);
    }
  });
}());

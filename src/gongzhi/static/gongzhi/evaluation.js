// 民主评议: the count of 优秀 chosen in a proposal or decision form, against the cap,
// updated as grades are chosen (the service refuses above the cap all the same).
(function () {
  "use strict";
  function setup(box) {
    var cap = parseInt(box.getAttribute("data-excellent-cap"), 10);
    var form = document.querySelector("form[data-grades]");
    var counter = box.querySelector("[data-excellent-count]");
    if (!form || !counter) {
      return;
    }
    function update() {
      var count = 0;
      form.querySelectorAll("select").forEach(function (select) {
        if (/^e[0-9]+$/.test(select.name) && select.value === "excellent") {
          count += 1;
        }
      });
      counter.textContent = String(count);
      box.classList.toggle("alert-danger", count > cap);
      box.classList.toggle("alert-info", count <= cap);
    }
    form.addEventListener("change", update);
    update();
  }
  document.querySelectorAll("[data-excellent-cap]").forEach(setup);
})();

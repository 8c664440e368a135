/* Gongzhi page behaviour, declared in the markup with data attributes.
 *
 * Pages run under a strict Content-Security-Policy (script-src 'self', no inline
 * script, no eval), so no template carries an onclick or a <script> block: an element
 * says what it wants (data-confirm, data-autosubmit, …) and this file does it. Values
 * from the page only ever reach the DOM as text (textContent, value), never as HTML.
 */
(function () {
  "use strict";

  function closest(target, selector) {
    return target instanceof Element ? target.closest(selector) : null;
  }

  // <form data-confirm="确定删除？">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = closest(event.target, "form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // <select data-autosubmit>: submit its form on change.
  // <select data-navigate>: go to the chosen option's value (a same-site path).
  document.addEventListener("change", function (event) {
    var select = closest(event.target, "select[data-autosubmit]");
    if (select && select.form) {
      select.form.submit();
      return;
    }
    select = closest(event.target, "select[data-navigate]");
    if (select && select.value.charAt(0) === "/" && select.value.charAt(1) !== "/") {
      window.location.assign(select.value);
    }
  });

  document.addEventListener("click", function (event) {
    // <button data-print>: print the page.
    if (closest(event.target, "[data-print]")) {
      window.print();
      return;
    }
    // <a data-back>: back to the previous page (the href is the fallback).
    var back = closest(event.target, "a[data-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
      return;
    }
    // <button data-fill="#id_category" data-value="3">: put a value into a field.
    var fill = closest(event.target, "[data-fill]");
    if (fill) {
      var field = document.querySelector(fill.getAttribute("data-fill"));
      if (field) {
        field.value = fill.getAttribute("data-value") || "";
        field.dispatchEvent(new Event("change", {bubbles: true}));
      }
      var clear = fill.getAttribute("data-clear");
      if (clear) {
        var list = document.querySelector(clear);
        if (list) list.replaceChildren();
      }
      var labelTarget = fill.getAttribute("data-label-target");
      if (labelTarget) {
        var label = document.querySelector(labelTarget);
        if (label) label.textContent = fill.getAttribute("data-label") || "";
      }
    }
  });

  // <div hx-post=… data-error="…">: a request that failed (a server error, no network)
  // shows the element's failure text, never an empty or stale answer.
  function showFailure(event) {
    var target = event.detail && event.detail.target;
    var text = target instanceof Element ? target.getAttribute("data-error") : null;
    if (!text) return;
    var failure = document.createElement("span");
    failure.className = "text-danger";
    failure.setAttribute("role", "alert");
    failure.textContent = text;
    target.replaceChildren(failure);
  }
  document.addEventListener("htmx:responseError", showFailure);
  document.addEventListener("htmx:sendError", showFailure);
})();

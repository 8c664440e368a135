/* The header's search box (core.finder): suggestions as one types, grouped by kind,
 * from the search API; arrow keys move through them, Enter opens the chosen one or,
 * with none chosen, the full results page (the form's own submit); Escape closes.
 *
 * Strict CSP: a static file, no inline handler. Results reach the DOM as text only
 * (textContent), never as HTML.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.gz-search");
  if (!form) {
    return;
  }
  var input = form.querySelector("input[name=q]");
  var box = form.querySelector(".gz-search-results");
  var api = form.getAttribute("data-search-api");
  var timer = null;
  var asked = "";
  var active = -1;

  function options() {
    return Array.prototype.slice.call(box.querySelectorAll("[role=option]"));
  }

  function close() {
    box.hidden = true;
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function open() {
    box.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function mark(index) {
    var items = options();
    if (!items.length) {
      return;
    }
    active = (index + items.length) % items.length;
    items.forEach(function (item, i) {
      item.classList.toggle("active", i === active);
      item.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function line(text, className) {
    var div = document.createElement("div");
    div.className = className;
    div.textContent = text;
    return div;
  }

  function show(data) {
    box.replaceChildren();
    active = -1;
    var n = 0;
    data.groups.forEach(function (group) {
      box.appendChild(line(group.label, "list-group-item gz-search-group small text-muted py-1"));
      group.hits.forEach(function (hit) {
        var link = document.createElement("a");
        link.className = "list-group-item list-group-item-action py-1";
        link.id = "gz-search-option-" + n++;
        link.setAttribute("role", "option");
        link.setAttribute("aria-selected", "false");
        // Only a same-site path is followed.
        link.href = hit.url.charAt(0) === "/" && hit.url.charAt(1) !== "/" ? hit.url : "#";
        link.appendChild(line(hit.title, "gz-search-title"));
        if (hit.detail) {
          link.appendChild(line(hit.detail, "small text-muted"));
        }
        box.appendChild(link);
      });
    });
    if (!n) {
      box.appendChild(line(box.getAttribute("data-empty"), "list-group-item text-muted py-1"));
    } else {
      var all = document.createElement("a");
      all.className = "list-group-item list-group-item-action small text-center py-1";
      all.id = "gz-search-option-" + n;
      all.setAttribute("role", "option");
      all.href = form.getAttribute("action") + "?q=" + encodeURIComponent(data.query);
      all.textContent = box.getAttribute("data-more");
      box.appendChild(all);
    }
    open();
  }

  function ask() {
    var query = input.value.trim();
    if (query === asked) {
      return;
    }
    asked = query;
    if (!query) {
      close();
      return;
    }
    fetch(api + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (query === asked) {
          show(data); // the answer to what the box still asks
        }
      })
      .catch(function () {
        asked = "";
        box.replaceChildren(line(box.getAttribute("data-failed"), "list-group-item text-danger py-1"));
        open();
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 200);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (box.hidden) {
        window.clearTimeout(timer);
        asked = "";
        ask();
        return;
      }
      mark(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && !box.hidden && active >= 0) {
      event.preventDefault();
      window.location.assign(options()[active].href);
    } else if (event.key === "Escape") {
      close();
    }
  });

  document.addEventListener("click", function (event) {
    if (!form.contains(event.target)) {
      close();
    }
  });
})();

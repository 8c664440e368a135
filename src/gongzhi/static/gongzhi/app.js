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

  // <table data-columns="<user id>" data-columns-label="列">: a button above the table
  // hides and shows its columns; the choice is kept per user and page (localStorage).
  function columnChooser(table, n) {
    var head = table.tHead && table.tHead.rows[0];
    var panel = table.closest(".table-responsive");
    if (!head || !panel || head.cells.length < 3) return;
    var key = "gz-columns:" + table.getAttribute("data-columns") + ":" + window.location.pathname;
    var names = Array.prototype.map.call(head.cells, function (th) { return th.textContent.trim(); });
    var hidden = [];
    try {
      hidden = JSON.parse(window.localStorage.getItem(key) || "[]");
    } catch (e) {
      hidden = [];
    }
    if (!Array.isArray(hidden)) hidden = [];

    function apply() {
      Array.prototype.forEach.call(table.rows, function (row) {
        if (row.cells.length !== names.length) return;  // "no records" spans them all
        names.forEach(function (name, i) {
          row.cells[i].classList.toggle("gz-col-hidden", hidden.indexOf(name) !== -1);
        });
      });
    }

    var tools = document.createElement("div");
    tools.className = "gz-columns dropdown d-flex justify-content-end mb-1";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary btn-sm dropdown-toggle";
    button.setAttribute("data-bs-toggle", "dropdown");
    button.setAttribute("data-bs-auto-close", "outside");
    button.setAttribute("aria-expanded", "false");
    var icon = document.createElement("i");
    icon.className = "bi bi-layout-three-columns";
    icon.setAttribute("aria-hidden", "true");
    button.append(icon, " " + (table.getAttribute("data-columns-label") || ""));
    var menu = document.createElement("div");
    menu.className = "dropdown-menu dropdown-menu-end px-3 py-2";
    names.forEach(function (name, i) {
      var item = document.createElement("div");
      item.className = "form-check text-nowrap";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.className = "form-check-input";
      box.id = "gz-col-" + n + "-" + i;
      box.checked = hidden.indexOf(name) === -1;
      box.addEventListener("change", function () {
        if (box.checked) {
          hidden = hidden.filter(function (h) { return h !== name; });
        } else if (hidden.length < names.length - 1) {
          hidden.push(name);
        } else {
          box.checked = true;  // one column always stays
          return;
        }
        try {
          window.localStorage.setItem(key, JSON.stringify(hidden));
        } catch (e) { /* private mode: the choice lasts until the page is left */ }
        apply();
      });
      var label = document.createElement("label");
      label.className = "form-check-label";
      label.htmlFor = box.id;
      label.textContent = name;
      item.append(box, label);
      menu.append(item);
    });
    tools.append(button, menu);
    panel.parentNode.insertBefore(tools, panel);
    apply();
  }

  document.querySelectorAll("table[data-columns]").forEach(columnChooser);

  // <select data-area-picker="/areas/pick/?perm=…">: a type-ahead by area name or code
  // over the user's areas (the endpoint is scoped); the select stays in the form, hidden,
  // and carries the choice. Without this script it is an ordinary select.
  function areaPicker(select) {
    var url = select.getAttribute("data-area-picker");
    if (url.charAt(0) !== "/" || url.charAt(1) === "/") return;
    var input = document.createElement("input");
    input.type = "search";
    input.autocomplete = "off";
    input.className = select.className.replace(/form-select/g, "form-control");
    input.placeholder = select.getAttribute("data-placeholder") || "";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    if (select.hasAttribute("aria-label")) {
      input.setAttribute("aria-label", select.getAttribute("aria-label"));
    }
    if (select.id) {
      input.id = select.id + "_search";
      document.querySelectorAll("label[for='" + select.id + "']").forEach(function (l) {
        l.htmlFor = input.id;
      });
    }
    var list = document.createElement("div");
    list.className = "dropdown-menu gz-area-results";
    list.setAttribute("role", "listbox");
    if (input.id) {
      list.id = input.id + "_results";
      input.setAttribute("aria-controls", list.id);
    }
    var box = document.createElement("div");
    box.className = "gz-area-picker position-relative";
    select.parentNode.insertBefore(box, select);
    box.append(input, list, select);
    select.hidden = true;
    select.tabIndex = -1;

    function chosenLabel() {
      var option = select.options[select.selectedIndex];
      return option && option.value ? option.textContent : "";
    }
    input.value = chosenLabel();

    var timer = null, asked = 0, active = -1;

    function close() {
      list.classList.remove("show");
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function note(text) {
      var item = document.createElement("span");
      item.className = "dropdown-item-text text-muted small";
      item.textContent = text;
      list.replaceChildren(item);
      list.classList.add("show");
      input.setAttribute("aria-expanded", "true");
    }

    function pick(id, label) {
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === id; });
      if (!option) {
        option = new Option(label, id);
        select.add(option);
      }
      select.value = id;
      input.value = label;
      close();
      select.dispatchEvent(new Event("change", {bubbles: true}));
    }

    function show(results) {
      if (!results.length) {
        note(select.getAttribute("data-empty") || "");
        return;
      }
      var items = results.map(function (r) {
        var item = document.createElement("button");
        item.type = "button";
        item.className = "dropdown-item";
        item.setAttribute("role", "option");
        item.textContent = r.label;
        var level = document.createElement("small");
        level.className = "text-muted ms-2";
        level.textContent = r.level;
        item.append(level);
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { pick(String(r.id), r.label); });
        return item;
      });
      list.replaceChildren.apply(list, items);
      list.classList.add("show");
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function ask() {
      var mine = ++asked;
      var sep = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + sep + "q=" + encodeURIComponent(input.value.trim()), {
        credentials: "same-origin", headers: {"Accept": "application/json"}
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (answer) {
        if (mine === asked) show(answer.results || []);
      }).catch(function () {
        if (mine === asked) note(select.getAttribute("data-failed") || "");
      });
    }

    input.addEventListener("input", function () {
      if (!input.value.trim()) select.value = "";
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 200);
    });
    input.addEventListener("focus", function () {
      if (!list.classList.contains("show")) ask();
    });
    input.addEventListener("blur", function () {
      window.clearTimeout(timer);
      asked++;
      close();
      if (input.value.trim()) input.value = chosenLabel();
    });
    input.addEventListener("keydown", function (event) {
      var items = list.querySelectorAll("button.dropdown-item");
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!items.length) return;
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        items.forEach(function (item, i) { item.classList.toggle("active", i === active); });
        items[active].scrollIntoView({block: "nearest"});
      } else if (event.key === "Enter" && list.classList.contains("show") && items.length) {
        event.preventDefault();
        items[active === -1 ? 0 : active].click();
      } else if (event.key === "Escape") {
        close();
      }
    });
  }

  document.querySelectorAll("select[data-area-picker]").forEach(areaPicker);
})();

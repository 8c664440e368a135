/* The portal's demand forms: photos compressed in the browser before upload (canvas →
   JPEG, longest side at most 1600 px), the category suggested as the resident types, the
   place narrowed on the grid map, and what others raised at the chosen place ("me too"). Without this script every form still
   works (the server checks and re-encodes every photo). Text goes in with textContent only. */
(function () {
  "use strict";
  var MAX_EDGE = 1600;
  var QUALITY = 0.85;
  var MAX_PHOTOS = 9;

  function debounce(fn, ms) {
    var timer;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function compress(file) {
    // createImageBitmap decodes the file itself: a blob: image would need the CSP to
    // allow blob: sources. HEIC and the like are left to the server, which converts them.
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file).then(function (img) {
      var scale = Math.min(1, MAX_EDGE / Math.max(img.width, img.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || (scale === 1 && blob.size >= file.size)) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg" }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; }); // not decodable here: the server decides
  }

  function setUpPhotos(input) {
    var form = input.form;
    var status = document.getElementById("photo-status");
    var words = status ? status.dataset : {};  // the page's translated messages
    var buttons = form.querySelectorAll("button[type=submit]");
    function say(text) { if (status) { status.textContent = text; } }
    function busy(on) { buttons.forEach(function (b) { b.disabled = on; }); }
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (files.length > MAX_PHOTOS) {
        say(words.tooMany.replace("%(n)s", MAX_PHOTOS).replace("%(k)s", files.length));
        input.value = "";
        return;
      }
      if (!files.length || typeof DataTransfer === "undefined") { return; }
      busy(true);
      say(words.compressing);
      Promise.all(files.map(compress)).then(function (smaller) {
        var transfer = new DataTransfer();
        smaller.forEach(function (f) { transfer.items.add(f); });
        input.files = transfer.files;
        say(words.chosen.replace("%(k)s", smaller.length));
      }).finally(function () { busy(false); });
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  function setUpSuggestions(form) {
    var text = form.querySelector("[data-suggest]");
    var box = document.getElementById("category-choices");
    if (!text || !box) { return; }
    var update = debounce(function () {
      var value = text.value.trim();
      if (value.length < 4) { return; }
      getJSON(form.dataset.suggestUrl + "?text=" + encodeURIComponent(value)).then(function (rows) {
        if (!rows) { return; }
        var checked = form.querySelector("input[name=category]:checked");
        var keep = checked ? checked.value : "";
        while (box.firstChild) { box.removeChild(box.firstChild); }
        rows.forEach(function (row) {
          var label = document.createElement("label");
          label.className = "gz-choice";
          var radio = document.createElement("input");
          radio.type = "radio";
          radio.name = "category";
          radio.value = String(row.category_id);
          radio.checked = radio.value === keep;
          label.appendChild(radio);
          label.appendChild(document.createTextNode(" " + row.name));
          box.appendChild(label);
        });
      });
    }, 400);
    text.addEventListener("input", update);
  }

  function meToo(form, id) {
    var post = document.createElement("form");
    post.method = "post";
    post.action = form.dataset.meTooUrl.replace("/0/", "/" + id + "/");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").cloneNode();
    post.appendChild(token);
    document.body.appendChild(post);
    post.submit();
  }

  // The grid map (drawn by the server, shown only with this script): a tap on a grid
  // keeps the grid's places in the list, a second tap all of them again.
  function setUpGridMap(select) {
    var map = document.getElementById("grid-map");
    if (!map) { return; }
    var grids = map.querySelectorAll("g[data-grid]");
    var options = Array.prototype.slice.call(select.options, 1);
    var chosen = "";
    map.hidden = false;
    grids.forEach(function (g) {
      g.addEventListener("click", function () {
        chosen = chosen === g.dataset.grid ? "" : g.dataset.grid;
        grids.forEach(function (other) {
          other.classList.toggle("gz-on", other.dataset.grid === chosen);
        });
        var shown = options.filter(function (o) {
          o.hidden = o.disabled = chosen !== "" && o.dataset.grid !== chosen;
          return !o.hidden;
        });
        if (select.selectedIndex > 0 && select.options[select.selectedIndex].disabled) {
          select.value = "";
        }
        if (shown.length === 1) { select.value = shown[0].value; }
        select.dispatchEvent(new Event("change"));
      });
    });
  }

  function setUpPlace(form) {
    var select = form.querySelector("[data-place]");
    var section = document.getElementById("place-demands");
    var list = document.getElementById("place-list");
    var row = document.getElementById("place-row");
    var text = form.querySelector("[data-suggest]");
    if (!select || !section || !list || !row) { return; }
    setUpGridMap(select);
    function fill(rows) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      rows.forEach(function (d) {
        var item = row.content.firstElementChild.cloneNode(true);
        item.querySelector(".gz-card-title").textContent = d.title;
        item.querySelector(".gz-card-meta").textContent =
          (d.open ? form.dataset.openWord : form.dataset.answeredWord) + " · " +
          (d.answered_at || d.received_at).slice(0, 10);
        item.querySelector(".gz-card-answer").textContent = d.answer;
        var button = item.querySelector("button");
        if (d.open) {
          button.hidden = false;
          button.addEventListener("click", function () { meToo(form, d.id); });
        }
        list.appendChild(item);
      });
      section.hidden = rows.length === 0;
    }
    var update = debounce(function () {
      if (!select.value) { fill([]); return; }
      var url = form.dataset.placeUrl + "?area_id=" + encodeURIComponent(select.value) +
        "&text=" + encodeURIComponent(text ? text.value.trim().slice(0, 2000) : "");
      getJSON(url).then(function (answer) {
        if (!answer) { return; }
        var seen = {};
        var rows = answer.similar.concat(answer.demands).filter(function (d) {
          if (seen[d.id]) { return false; }
          seen[d.id] = true;
          return true;
        });
        fill(rows);
      });
    }, 400);
    select.addEventListener("change", update);
    if (text) { text.addEventListener("input", update); }
    update();
  }

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("input[data-photos]").forEach(setUpPhotos);
  var form = document.getElementById("demand-form");
  if (form) {
    setUpSuggestions(form);
    setUpPlace(form);
  }
})();

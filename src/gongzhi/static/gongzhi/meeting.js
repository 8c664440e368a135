/* The meeting's items as rows of one table (demands/meeting.html): add a row, remove a
 * row, and paste rows copied from Excel (tab-separated text, quoted cells may hold tabs,
 * line breaks and doubled quotes). Rows are cloned from the <template> of an empty row;
 * pasted values reach the page only as field values, never as HTML. The formset's
 * TOTAL_FORMS and every row's field names are kept in step with the rows.
 */
(function () {
  "use strict";

  var table = document.querySelector("table[data-paste]");
  if (!table) return;
  var body = table.tBodies[0];
  var prefix = table.getAttribute("data-prefix");
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var template = document.getElementById(table.getAttribute("data-row-template"));
  var names = new RegExp("^(id_)?" + prefix + "-(\\d+|__prefix__)-");

  function rows() {
    return Array.prototype.slice.call(body.querySelectorAll("tr[data-row]"));
  }

  function cells(row) {
    return Array.prototype.slice.call(
      row.querySelectorAll("input:not([type=hidden]), select, textarea")
    );
  }

  // Row n's fields are named items-n-…, n counted from 0 without gaps.
  function renumber() {
    rows().forEach(function (row, index) {
      row.querySelectorAll("[name], [id], [for]").forEach(function (element) {
        ["name", "id", "for"].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) {
            element.setAttribute(attribute, value.replace(names, function (match, id) {
              return (id || "") + prefix + "-" + index + "-";
            }));
          }
        });
      });
      var number = row.querySelector("[data-row-number]");
      if (number) number.textContent = String(index + 1);
    });
    total.value = String(rows().length);
  }

  function addRow() {
    var row = document.importNode(template.content, true).querySelector("tr");
    body.appendChild(row);
    renumber();
    return row;
  }

  function clearRow(row) {
    cells(row).forEach(function (field) {
      if (field.tagName === "SELECT") {
        field.selectedIndex = Math.max(0, Array.prototype.findIndex.call(
          field.options, function (option) { return option.defaultSelected; }));
      } else {
        field.value = "";
      }
    });
  }

  // Excel's clipboard text: rows end with a line break, cells with a tab; a cell holding
  // a tab, a line break or a quote is quoted, its quotes doubled.
  function parse(text) {
    var grid = [], row = [], cell = "", quoted = false;
    text = text.replace(/\r\n?/g, "\n");
    for (var i = 0; i < text.length; i += 1) {
      var ch = text.charAt(i);
      if (quoted) {
        if (ch === "\"" && text.charAt(i + 1) === "\"") {
          cell += "\"";
          i += 1;
        } else if (ch === "\"") {
          quoted = false;
        } else {
          cell += ch;
        }
      } else if (ch === "\"" && cell === "") {
        quoted = true;
      } else if (ch === "\t") {
        row.push(cell);
        cell = "";
      } else if (ch === "\n") {
        row.push(cell);
        grid.push(row);
        row = [];
        cell = "";
      } else {
        cell += ch;
      }
    }
    if (cell !== "" || row.length) {
      row.push(cell);
      grid.push(row);
    }
    return grid;
  }

  // A choice pasted as its label (居民, 匿名) or its value.
  function setValue(field, value) {
    value = value.trim();
    if (field.tagName === "SELECT") {
      var match = Array.prototype.find.call(field.options, function (option) {
        return option.value === value || option.textContent.trim() === value;
      });
      if (match) field.value = match.value;
      return;
    }
    field.value = value;
  }

  function headings() {
    return Array.prototype.map.call(table.tHead.rows[0].cells, function (cell) {
      return cell.textContent.replace("*", "").trim();
    }).slice(1);
  }

  body.addEventListener("paste", function (event) {
    var target = event.target;
    var row = target instanceof Element ? target.closest("tr[data-row]") : null;
    var clipboard = event.clipboardData || window.clipboardData;
    if (!row || !clipboard) return;
    var text = clipboard.getData("text/plain");
    if (text.indexOf("\t") < 0 && text.replace(/\n+$/, "").indexOf("\n") < 0) return;
    event.preventDefault();
    var grid = parse(text);
    var start = rows().indexOf(row);
    var column = cells(row).indexOf(target);
    if (grid.length && grid[0][0].trim() === headings()[column]) grid.shift(); // the header row
    grid.forEach(function (values, offset) {
      var current = rows()[start + offset] || addRow();
      var fields = cells(current);
      values.forEach(function (value, index) {
        var field = fields[column + index];
        if (field) setValue(field, value);
      });
    });
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest("[data-add-row]")) {
      cells(addRow())[0].focus();
      return;
    }
    var remove = target.closest("[data-remove-row]");
    var row = remove ? remove.closest("tr[data-row]") : null;
    if (!row) return;
    if (rows().length > 1) {
      row.remove();
      renumber();
    } else {
      clearRow(row);
    }
  });
})();

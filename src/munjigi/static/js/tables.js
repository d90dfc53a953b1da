/* Tables as stacked rows on phones: every cell learns its column's name (data-label).
 *
 * munjigi.css shows a `.table--stack` table on a narrow screen as one block per row, each
 * cell as "label: value". Templates may write data-label themselves; this fills in the
 * rest from the header row. Without script a table scrolls inside its own box instead.
 */
(function () {
  "use strict";

  function label(table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) {
      return;
    }
    var names = [];
    for (var i = 0; i < heads.length; i++) {
      names.push(heads[i].textContent.replace(/\s+/g, " ").trim());
    }
    var rows = table.querySelectorAll("tbody tr");
    for (var r = 0; r < rows.length; r++) {
      var cells = rows[r].children;
      for (var c = 0; c < cells.length && c < names.length; c++) {
        if (!cells[c].hasAttribute("data-label")) {
          cells[c].setAttribute("data-label", names[c]);
        }
      }
    }
    table.classList.add("table--stack");
  }

  function run() {
    var tables = document.querySelectorAll("table.table");
    for (var i = 0; i < tables.length; i++) {
      label(tables[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
}());

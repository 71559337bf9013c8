// cmedbench leaderboard: table sorting and the compare picker. No libraries, works from file://.
(function () {
  "use strict";

  function cellValue(row, col, type) {
    var cell = row.cells[col];
    var raw = cell ? cell.getAttribute("data-value") : null;
    if (raw === null) { raw = cell ? cell.textContent.trim() : ""; }
    if (type === "num") {
      var x = parseFloat(raw);
      return isNaN(x) ? null : x;
    }
    return raw.toLowerCase();
  }

  function sortTable(table, header, button) {
    var col = parseInt(button.getAttribute("data-sort"), 10);
    var type = button.getAttribute("data-type");
    var body = table.tBodies[0];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    if (header.getAttribute("aria-sort") === null) {
      ascending = type !== "num" || col === 0;  // scores: best (highest) first on the first press
    }
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var va = cellValue(a, col, type), vb = cellValue(b, col, type);
      if (va === vb) { return 0; }
      if (va === null) { return 1; }  // missing values last either way
      if (vb === null) { return -1; }
      var order = va < vb ? -1 : 1;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.querySelectorAll("th button[data-sort]"), function (button) {
      button.addEventListener("click", function () { sortTable(table, button.parentNode, button); });
    });
  });

  var pickA = document.getElementById("pick-a"), pickB = document.getElementById("pick-b");
  var result = document.getElementById("pick-result");
  if (!pickA || !pickB || !result) { return; }
  var wanted = decodeURIComponent(location.hash.replace(/^#with-/, ""));
  if (wanted && wanted !== location.hash) {
    Array.prototype.forEach.call(pickA.options, function (o) { if (o.value === wanted) { pickA.value = wanted; } });
    if (pickB.value === pickA.value && pickB.options.length > 1) { pickB.selectedIndex = pickA.selectedIndex === 0 ? 1 : 0; }
  }
  function show() {
    var a = pickA.value, b = pickB.value;
    Array.prototype.forEach.call(document.querySelectorAll("#pairs tbody tr"), function (tr) { tr.className = ""; });
    if (a === b) { result.textContent = "Choose two different records."; return; }
    var row = document.getElementById("pair-" + a + "-" + b) || document.getElementById("pair-" + b + "-" + a);
    if (!row) { result.textContent = "No comparison for these two."; return; }
    row.className = "chosen";
    var cells = row.cells, flipped = row.getAttribute("data-a") !== a;
    if (cells.length < 6) { result.textContent = cells[2].textContent; return; }
    function diff(text) { var x = parseFloat(text); return (flipped ? -x : x); }
    function signed(x) { return (x >= 0 ? "+" : "") + x.toFixed(4); }
    result.textContent = "A − B: UF1 " + signed(diff(cells[2].textContent)) + " (p = " + cells[3].textContent +
      "), UAR " + signed(diff(cells[4].textContent)) + " (p = " + cells[5].textContent + ")";
  }
  pickA.addEventListener("change", show);
  pickB.addEventListener("change", show);
  show();
})();

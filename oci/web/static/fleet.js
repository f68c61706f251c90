// The fleet page, live: every few seconds, ask what changed since the last look
// and update those rows and the counts. A machine seen booting (a row by its
// MAC) gives way to its machine's row once it is known. Built with DOM methods and textContent
// only (nothing a machine reports is ever read as HTML). Without JavaScript the
// page is the same, and its Reload link does this by hand.
(function () {
  "use strict";
  var table = document.getElementById("fleet");
  if (!table) { return; }
  var since = table.dataset.since;
  var filtered = table.dataset.filtered === "yes";
  var machineUrl = table.dataset.machine;
  var body = table.tBodies[0];
  var live = document.getElementById("live");
  var columns = ["hostname", "status", "cluster", "role", "place", "profile", "product", "last_seen"];
  var added = 0;
  var removed = false;

  function stateSpan(status) {
    var span = document.createElement("span");
    span.className = "state s-" + status;
    span.textContent = status;
    return span;
  }

  function fill(tr, row) {
    var cells = tr.cells;
    for (var i = 0; i < columns.length; i++) {
      var cell = cells[i + 1];
      var name = columns[i];
      if (name === "status") {
        var old = cell.textContent;
        if (old !== row.status) {
          cell.replaceChildren(stateSpan(row.status));
          tr.classList.remove("changed");
          void tr.offsetWidth;  // restart the highlight
          tr.classList.add("changed");
        }
      } else if (cell.textContent !== row[name]) {
        cell.textContent = row[name];
      }
    }
  }

  function newRow(row) {
    var tr = document.createElement("tr");
    tr.id = row.row;
    var first = document.createElement("td");
    if (row.key) {  // a booting machine has no page yet
      var link = document.createElement("a");
      link.href = machineUrl.replace("KEY", encodeURIComponent(row.key));
      link.textContent = row.serial || String(row.id);
      first.appendChild(link);
    }
    tr.appendChild(first);
    for (var i = 0; i < columns.length; i++) { tr.appendChild(document.createElement("td")); }
    body.appendChild(tr);
    added += 1;
    return tr;
  }

  function apply(answer) {
    since = answer.since;
    var total = 0;
    Object.keys(answer.counts).forEach(function (state) {
      total += answer.counts[state];
      var n = document.querySelector('[data-count="' + state + '"]');
      if (n) { n.textContent = String(answer.counts[state]); }
    });
    var all = document.getElementById("count-all");
    if (all) { all.textContent = String(total); }
    (answer.known || []).forEach(function (id) {
      var gone = document.getElementById(id);
      if (gone) { gone.remove(); removed = true; }
    });
    answer.rows.forEach(function (row) {
      var tr = document.getElementById(row.row);
      if (!tr) {
        if (filtered) { return; }  // a filtered page keeps its rows; Reload re-filters
        tr = newRow(row);
      }
      fill(tr, row);
    });
    if ((added || removed) && live) {
      live.firstChild.textContent = body.rows.length + " machines shown (" + added + " new). ";
    }
  }

  function poll() {
    fetch(table.dataset.feed + "?since=" + encodeURIComponent(since), {credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(apply)
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();

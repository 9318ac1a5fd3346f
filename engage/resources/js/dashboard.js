/* The dashboard's sorting, filters and URL-fragment view (briefs/index.html, inlined).
   It only reorders the rows the HTML already holds and sets attributes and textContent:
   nothing is built from record text, and nothing is fetched. The view lives in the
   fragment: #sort=overall&dir=desc&area=minerals&band=high&country=DE&state=overdue&q=text&due=60 */
(function () {
  "use strict";
  var table = document.getElementById("dashboard");
  var form = document.getElementById("controls");
  if (!table || !form) { return; }
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var keys = heads.map(function (th) { return th.getAttribute("data-key"); });
  var groups = Array.prototype.slice.call(table.querySelectorAll("tbody.group"));
  var groupHead = table.querySelector("tbody.group-head");
  var rows = [];
  groups.forEach(function (body) {
    Array.prototype.forEach.call(body.rows, function (tr, i) { tr.setAttribute("data-order", String(i)); rows.push(tr); });
  });
  var status = form.querySelector(".status");
  var empty = document.querySelector("#companies .empty");
  var areaKeys = keys.slice(3, keys.length - 5);
  var ascFirst = { company: true, agm: true, state: true };
  var states = ["escalate", "overdue", "awaiting-response", "responded", "none"];
  var bands = ["low", "moderate", "elevated", "high"];
  var defaults = { sort: "overall", dir: "desc" };
  var view = {};
  var shownArea = -1;

  function parse(hash) {
    var out = { sort: defaults.sort, dir: defaults.dir };
    (hash || "").replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) { return; }
      var eq = part.indexOf("=");
      var name = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, " "));
      var value = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " "));
      out[name] = value;
    });
    if (keys.indexOf(out.sort) < 0) { out.sort = defaults.sort; }
    if (out.dir !== "asc" && out.dir !== "desc") { out.dir = ascFirst[out.sort] ? "asc" : "desc"; }
    if (areaKeys.indexOf(out.area) < 0) { delete out.area; }
    if (states.indexOf(out.state) < 0) { delete out.state; }
    if (out.band) {
      out.band = out.band.split(",").filter(function (b) { return bands.indexOf(b) >= 0; }).join(",");
      if (!out.band) { delete out.band; }
    }
    if (out.due !== undefined) {
      var n = parseInt(out.due, 10);
      out.due = isNaN(n) || n < 0 ? table.getAttribute("data-due-days") : String(n);
    }
    ["q", "country"].forEach(function (k) { if (!out[k]) { delete out[k]; } });
    return out;
  }

  function fragment(v) {
    var parts = ["sort=" + encodeURIComponent(v.sort), "dir=" + v.dir];
    ["area", "band", "country", "state", "q", "due"].forEach(function (k) {
      if (v[k] !== undefined && v[k] !== "") { parts.push(k + "=" + encodeURIComponent(v[k])); }
    });
    return "#" + parts.join("&");
  }

  function value(tr, col) {
    var cell = tr.cells[col];
    var v = cell ? cell.getAttribute("data-v") : "";
    return v === null ? "" : v;
  }

  // Each column's sort keys, read from the cells once: {tr, empty, v, o} per row and group.
  var keyCache = {};
  function sortKeys(col, numeric) {
    if (!keyCache[col]) {
      keyCache[col] = groups.map(function (body) {
        return Array.prototype.map.call(body.rows, function (tr) {
          var raw = value(tr, col);
          return { tr: tr, empty: raw === "", v: numeric ? parseFloat(raw) : raw.toLowerCase(), o: +tr.getAttribute("data-order") };
        });
      });
    }
    return keyCache[col];
  }

  function sortRows(v) {
    var col = keys.indexOf(v.sort);
    var sign = v.dir === "asc" ? 1 : -1;
    var numeric = !(v.sort === "company" || v.sort === "agm");
    sortKeys(col, numeric).forEach(function (keyed, g) {
      var sorted = keyed.slice().sort(function (a, b) {
        if (a.empty !== b.empty) { return a.empty ? 1 : -1; }  // no value: last either way
        if (!a.empty && a.v !== b.v) { return (a.v < b.v ? -1 : 1) * sign; }
        return a.o - b.o;
      });
      // One call moves the whole group: the rows stay the table's own, in reading order.
      groups[g].replaceChildren.apply(groups[g], sorted.map(function (k) { return k.tr; }));
    });
    heads.forEach(function (th, i) {
      if (i === col) { th.setAttribute("aria-sort", v.dir === "asc" ? "ascending" : "descending"); }
      else { th.removeAttribute("aria-sort"); }
    });
  }

  function isDue(tr, days) {
    var d = tr.getAttribute("data-days");
    var state = tr.getAttribute("data-state");
    if (state === "overdue" || state === "escalate") { return true; }
    return d !== "" && +d >= 0 && +d <= days;
  }

  function filterRows(v) {
    var areaCol = v.area ? keys.indexOf(v.area) : -1;
    var wanted = v.band ? v.band.split(",") : null;
    var q = v.q ? v.q.toLowerCase() : "";
    var shown = 0;
    rows.forEach(function (tr) {
      var band = areaCol >= 0 ? (tr.cells[areaCol].getAttribute("data-band") || "") : tr.getAttribute("data-band");
      var ok = (!wanted || wanted.indexOf(band) >= 0)
        && (!v.country || tr.getAttribute("data-country") === v.country)
        && (!v.state || tr.getAttribute("data-state") === v.state)
        && (!q || tr.getAttribute("data-text").toLowerCase().indexOf(q) >= 0)
        && (v.due === undefined || isDue(tr, +v.due));
      tr.hidden = !ok;
      if (ok) { shown += 1; }
    });
    if (areaCol !== shownArea) {
      shownArea = areaCol;
      heads.forEach(function (th, i) {
        th.classList.toggle("off", areaCol >= 0 && i >= 3 && i < 3 + areaKeys.length && i !== areaCol);
      });
      rows.forEach(function (tr) {
        for (var i = 3; i < 3 + areaKeys.length; i += 1) {
          tr.cells[i].classList.toggle("off", areaCol >= 0 && i !== areaCol);
        }
      });
      table.classList.toggle("one-area", areaCol >= 0);
    }
    if (groupHead) {
      var rest = table.querySelector("tbody.not-rated");
      groupHead.hidden = !rest || !Array.prototype.some.call(rest.rows, function (tr) { return !tr.hidden; });
    }
    if (empty) { empty.hidden = shown > 0; }
    status.textContent = "Showing " + shown + " of " + rows.length + " compan" + (rows.length === 1 ? "y" : "ies") + ".";
  }

  function syncForm(v) {
    form.elements.q.value = v.q || "";
    form.elements.band.value = v.band || "";
    if (v.band && form.elements.band.value !== v.band) { form.elements.band.value = ""; }
    form.elements.area.value = v.area || "";
    form.elements.country.value = v.country || "";
    form.elements.state.value = v.state || "";
    form.elements.due.checked = v.due !== undefined;
    if (v.due !== undefined) { form.elements.days.value = v.due; }
  }

  // Why a company is due in a window of `days` (as engage.documents.dashboard.due_reasons words it).
  function reasons(d, state, days) {
    var out = [];
    if (d !== "" && +d >= 0 && +d <= days) { out.push("AGM in " + d + " day" + (+d === 1 ? "" : "s")); }
    if (state === "overdue") { out.push("reply overdue"); }
    if (state === "escalate") { out.push("escalation due"); }
    return out.join(", ");
  }

  // The page is written for the default window; another (due=N) rewords the list and the rows.
  var defaultDays = +table.getAttribute("data-due-days");
  var shownWindow = defaultDays;
  var dueList = document.getElementById("due");
  function showWindow(days) {
    if (days === shownWindow) { return; }
    shownWindow = days;
    var listed = 0;
    if (dueList) {
      Array.prototype.forEach.call(dueList.querySelectorAll("li[data-state]"), function (li) {
        var why = reasons(li.getAttribute("data-days"), li.getAttribute("data-state"), days);
        li.hidden = !why;
        if (why) { li.querySelector(".why").textContent = why; listed += 1; }
      });
      Array.prototype.forEach.call(dueList.querySelectorAll(".window"), function (span) { span.textContent = String(days); });
      dueList.querySelector(".note.some").hidden = listed === 0;
      dueList.querySelector(".note.none").hidden = listed > 0;
    }
    rows.forEach(function (tr) {
      var span = tr.querySelector("td.engagement .due");
      if (!span) { return; }
      var why = reasons(tr.getAttribute("data-days"), tr.getAttribute("data-state"), days);
      span.hidden = !why;
      span.textContent = why ? "Due: " + why : "";
    });
  }

  var filtered = null;
  function apply(v, write) {
    // Moving rows is the costly part: only when the order asked for changed.
    if (v.sort !== view.sort || v.dir !== view.dir) { sortRows(v); }
    view = v;
    var filters = fragment({ sort: "", dir: "", area: v.area, band: v.band, country: v.country, state: v.state, q: v.q, due: v.due });
    if (filters !== filtered) {
      filtered = filters;
      filterRows(v);
      showWindow(v.due !== undefined ? +v.due : defaultDays);
    }
    syncForm(v);
    if (write) {
      var f = fragment(v);
      if (location.hash !== f) {
        try { history.replaceState(null, "", f); } catch (e) { location.hash = f; }
      }
    }
  }

  function fromForm() {
    var v = { sort: view.sort, dir: view.dir };
    var e = form.elements;
    if (e.q.value.trim()) { v.q = e.q.value.trim(); }
    if (e.band.value) { v.band = e.band.value; }
    if (e.area.value) { v.area = e.area.value; }
    if (e.country.value) { v.country = e.country.value; }
    if (e.state.value) { v.state = e.state.value; }
    if (e.due.checked) {
      var n = parseInt(e.days.value, 10);
      v.due = String(isNaN(n) || n < 0 ? +table.getAttribute("data-due-days") : n);
    }
    return v;
  }

  heads.forEach(function (th) {
    var button = th.querySelector("button.sort");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      var v = fromForm();
      v.sort = key;
      if (view.sort === key) { v.dir = view.dir === "asc" ? "desc" : "asc"; }
      else { v.dir = ascFirst[key] ? "asc" : "desc"; }
      apply(v, true);
    });
  });
  form.addEventListener("input", function () { apply(fromForm(), true); });
  form.addEventListener("change", function () { apply(fromForm(), true); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () {
    setTimeout(function () { apply({ sort: view.sort, dir: view.dir }, true); }, 0);
  });
  window.addEventListener("hashchange", function () { apply(parse(location.hash), false); });

  form.hidden = false;
  document.documentElement.classList.add("js");
  apply(parse(location.hash), false);
})();

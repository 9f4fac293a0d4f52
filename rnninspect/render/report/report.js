/* rnninspect report: selection, highlighting, sorting, filtering. No dependencies. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var VARS = DATA.inspection.variables;
  var INDEX = {};
  VARS.forEach(function (v, k) { INDEX[v.name] = k; });
  var NODE_TO_VAR = {};  // view -> node id -> [variable index]
  Object.keys(DATA.views).forEach(function (view) {
    var m = {};
    Object.keys(DATA.views[view]).forEach(function (name) {
      var node = DATA.views[view][name].node;
      (m[node] = m[node] || []).push(INDEX[name]);
    });
    NODE_TO_VAR[view] = m;
  });
  var ROLE = DATA.role_labels;
  var $ = function (s, r) { return (r || document).querySelector(s); };
  var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };
  function vis(t) {  // model text: control and bidi characters shown as escapes, never obeyed
    return String(t).replace(/[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, function (c) {
      var h = c.charCodeAt(0).toString(16);
      return c.charCodeAt(0) < 256 ? "\\x" + ("0" + h).slice(-2) : "\\u" + ("000" + h).slice(-4);
    });
  }
  function esc(t) {
    return vis(t).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  // Full names on hover: the <title> graphviz writes is a node id; show the variable.
  $$(".diagram").forEach(function (div) {
    var m = NODE_TO_VAR[div.dataset.view] || {};
    $$("g.node", div).forEach(function (g) {
      var ks = m[g.dataset.node];
      var t = g.querySelector("title");
      if (ks && t) {
        t.textContent = ks.map(function (k) {
          var v = VARS[k];
          return vis(v.name) + " · " + (ROLE[v.role] || v.role) + " · [" + v.shape.join(" × ") + "]";
        }).join("\n");
      }
    });
  });

  function clear() {
    $$(".sel").forEach(function (e) { e.classList.remove("sel"); });
    $$(".hl").forEach(function (e) { e.classList.remove("hl"); });
    $$(".diagram.has-sel").forEach(function (e) { e.classList.remove("has-sel"); });
    $("#detail-body").innerHTML = "Click a variable in the table, a diagram, the heat-strip or a finding.";
    $("#detail-body").className = "muted";
    document.body.removeAttribute("data-selected");
  }

  function highlight(ks) {
    $$(".diagram").forEach(function (div) {
      var map = DATA.views[div.dataset.view] || {};
      var nodes = {}, edges = {};
      ks.forEach(function (k) {
        var e = map[VARS[k].name];
        if (!e) { return; }
        nodes[e.node] = true;
        e.edges.forEach(function (ed) {
          edges[ed[0] + ">" + ed[1]] = true;
          if (ed[3] > 0) { nodes[ed[2]] = true; }  // a step (or cell) that reads it
        });
      });
      var any = false;
      $$("g.node", div).forEach(function (g) {
        if (nodes[g.dataset.node]) { g.classList.add("hl"); any = true; }
      });
      $$("g.edge", div).forEach(function (g) {
        if (edges[g.dataset.edge]) { g.classList.add("hl"); }
      });
      if (any) { div.classList.add("has-sel"); }
    });
    ks.forEach(function (k) {
      $$('[data-var="' + k + '"]').forEach(function (e) { e.classList.add("sel"); });
    });
  }

  function select(ks, finding) {
    clear();
    if (!ks.length) { return; }
    highlight(ks);
    if (finding) { finding.classList.add("sel"); }
    document.body.setAttribute("data-selected", ks.join(","));
    detail(ks);
  }

  function detail(ks) {
    var body = $("#detail-body");
    body.className = "";
    body.innerHTML = ks.map(function (k) {
      var v = VARS[k];
      var steps = v.dynamic && !v.steps.length ? "every iteration" : stepsText(v.steps);
      var rows = [["role", ROLE[v.role] || v.role], ["shape", "[" + v.shape.join(" × ") + "]"],
        ["params", v.params.toLocaleString("en")], ["cell", v.cell || "—"],
        ["layer", v.layer === null ? "—" : v.layer], ["steps", steps],
        ["shared", v.shared || v.also_cells.length ? "yes" : "no"]];
      if (v.also_cells.length) { rows.push(["also read by", v.also_cells.join(", ")]); }
      return '<div class="vname">' + esc(v.name) + "</div><dl>" + rows.map(function (r) {
        return "<dt>" + esc(r[0]) + "</dt><dd>" + esc(r[1]) + "</dd>";
      }).join("") + "</dl>" + matrix(v);
    }).join("<hr>");
  }

  function stepsText(s) {
    if (!s.length) { return "none (read outside the steps)"; }
    var out = [], a = s[0], p = s[0];
    for (var i = 1; i <= s.length; i++) {
      if (i < s.length && s[i] === p + 1) { p = s[i]; continue; }
      out.push(a === p ? String(a) : a + "–" + p);
      if (i < s.length) { a = p = s[i]; }
    }
    return out.join(", ") + " (" + s.length + ")";
  }

  // A small picture of a 2-D weight: row split (input vs hidden rows), gate column blocks.
  function matrix(v) {
    if (v.shape.length !== 2 || !v.shape[0] || !v.shape[1]) { return ""; }
    var R = v.shape[0], C = v.shape[1], W = 260, H = 150, x0 = 96, y0 = 18;
    var w = W - x0 - 6, h = H - y0 - 6;
    var parts = ['<svg class="matrix" width="' + W + '" height="' + H + '" role="img" aria-label="matrix layout">'];
    parts.push('<rect x="' + x0 + '" y="' + y0 + '" width="' + w + '" height="' + h + '" fill="none" stroke="currentColor"/>');
    var split = v.row_split;
    if (split) {
      var yh = y0 + h * split.hidden[0] / R;
      parts.push('<rect x="' + x0 + '" y="' + y0 + '" width="' + w + '" height="' + (yh - y0) + '" fill="#cfe8f7" opacity=".8"/>');
      parts.push('<rect x="' + x0 + '" y="' + yh + '" width="' + w + '" height="' + (y0 + h - yh) + '" fill="#c9eadf" opacity=".8"/>');
      parts.push('<text x="2" y="' + ((y0 + yh) / 2 + 3) + '">input ' + split.input[0] + "–" + (split.input[1] - 1) + "</text>");
      parts.push('<text x="2" y="' + ((yh + y0 + h) / 2 + 3) + '">hidden ' + split.hidden[0] + "–" + (split.hidden[1] - 1) + "</text>");
    } else {
      parts.push('<text x="2" y="' + (y0 + h / 2 + 3) + '">' + R + " rows</text>");
    }
    var maps = (DATA.probe_maps || {})[v.name] || {};  // report --probe: gate -> heat-map id
    (v.gates || []).forEach(function (g, i) {
      var xa = x0 + w * g.columns[0] / C, xb = x0 + w * g.columns[1] / C;
      if (i > 0) { parts.push('<line x1="' + xa + '" x2="' + xa + '" y1="' + y0 + '" y2="' + (y0 + h) + '" stroke="currentColor" stroke-dasharray="3 2"/>'); }
      var label = '<text x="' + ((xa + xb) / 2) + '" y="' + (y0 - 5) + '" text-anchor="middle">' + esc(g.gate) + "</text>";
      if (maps[g.gate]) {  // the gate's column block leads to its heat-map
        label = '<a href="#' + esc(maps[g.gate]) + '"><title>heat-map of gate ' + esc(g.gate) + "</title>" + label +
          '<rect x="' + xa + '" y="' + y0 + '" width="' + (xb - xa) + '" height="' + h + '" fill="transparent"/></a>';
      }
      parts.push(label);
    });
    if (!v.gates) { parts.push('<text x="' + (x0 + w / 2) + '" y="' + (y0 - 5) + '" text-anchor="middle">' + C + " columns</text>"); }
    parts.push("</svg>");
    return parts.join("");
  }

  // Clicks: table rows, strip rows, grads charts, diagram nodes, findings, diff entries.
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    var f = t.closest(".finding");
    if (f) { select(JSON.parse(f.dataset.vars), f); return; }
    var zb = t.closest("button.zoom");
    if (zb) {
      var fit = zb.parentNode.nextElementSibling.classList.toggle("fit");
      zb.textContent = fit ? "actual size" : "fit width";
      zb.setAttribute("aria-pressed", String(!fit));
      return;
    }
    var th = t.closest("th[data-sort]");
    if (th) { sortBy(th); return; }
    var dv = t.closest("[data-var]");
    if (dv && dv.dataset.var !== "-1") { select([Number(dv.dataset.var)]); return; }
    var ch = t.closest("li[data-name]");
    if (ch && ch.dataset.name in INDEX) { select([INDEX[ch.dataset.name]]); return; }
    var g = t.closest("g.node");
    var div = t.closest(".diagram");
    if (g && div) {
      var ks = (NODE_TO_VAR[div.dataset.view] || {})[g.dataset.node];
      if (ks) { select(ks); return; }
    }
  });

  // Sorting (stable; numbers numerically) and filtering.
  function sortBy(th) {
    var key = th.dataset.sort, dir = th.dataset.dir === "asc" ? "desc" : "asc";
    $$("th[data-sort]").forEach(function (h) { h.removeAttribute("data-dir"); });
    th.dataset.dir = dir;
    var tbody = $("#vars tbody"), rows = $$("tr", tbody);
    var val = function (r) {
      if (key === "params" || key === "layer") { return Number(r.dataset[key]); }
      if (key === "role") { return r.dataset.role; }
      return VARS[Number(r.dataset.var)].name;
    };
    rows.sort(function (a, b) {
      var x = val(a), y = val(b), c = x < y ? -1 : x > y ? 1 : Number(a.dataset.var) - Number(b.dataset.var);
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  var filter = $("#filter");
  function applyFilter() {
    var q = filter.value.trim().toLowerCase(), shown = 0;
    $$("#vars tbody tr").forEach(function (r) {
      var v = VARS[Number(r.dataset.var)];
      var hay = (v.name + " " + v.role + " " + (ROLE[v.role] || "") + " " + v.shape.join("x")).toLowerCase();
      var ok = !q || hay.indexOf(q) >= 0;
      r.hidden = !ok;
      if (ok) { shown++; }
    });
    $("#count").textContent = shown + " of " + VARS.length + " variables";
  }
  filter.addEventListener("input", applyFilter);
  applyFilter();

  document.addEventListener("keydown", function (ev) {
    var typing = /INPUT|TEXTAREA/.test(document.activeElement.tagName);
    if (ev.key === "/" && !typing) { ev.preventDefault(); filter.focus(); filter.select(); }
    else if (ev.key === "Escape") { filter.value = ""; applyFilter(); clear(); filter.blur(); }
    else if (ev.key === "Enter" && !typing) {
      var el = document.activeElement;
      if (el.dataset.vars !== undefined) { select(JSON.parse(el.dataset.vars), el); }
      else if (el.dataset.var !== undefined) { select([Number(el.dataset.var)]); }
      else if (el.dataset.sort !== undefined) { sortBy(el); }
    }
  });
  document.body.setAttribute("data-ready", "1");
})();

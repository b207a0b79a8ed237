/// The UI's script, served at a content-hashed URL. Pages work without it; it adds live refresh
/// of a running run, the copy button and chart hover values.
let appJS = #"""
    "use strict";
    (function () {
      // Copy buttons: data-copy names the element whose text goes to the clipboard.
      document.querySelectorAll("[data-copy]").forEach(function (b) {
        b.addEventListener("click", function () {
          var el = document.getElementById(b.getAttribute("data-copy"));
          if (!el || !navigator.clipboard) return;
          navigator.clipboard.writeText(el.textContent).then(function () { b.textContent = "Copied"; });
        });
      });

      // Chart hover values: the point nearest the pointer (by x, then y) of any line or dot that
      // carries data-x/data-y (the chart renderer writes them) shows "series · x: value".
      var tip = document.createElement("div");
      tip.className = "chart-tip";
      tip.setAttribute("role", "status");
      tip.hidden = true;
      document.body.appendChild(tip);
      function points(svg) {
        var out = [];
        svg.querySelectorAll("polyline[data-x]").forEach(function (l) {
          var xs = l.getAttribute("data-x").split("|"), ys = l.getAttribute("data-y").split("|");
          l.getAttribute("points").split(" ").forEach(function (p, i) {
            var c = p.split(",");
            out.push({ px: +c[0], py: +c[1], s: l.getAttribute("data-series"), x: xs[i], y: ys[i] });
          });
        });
        svg.querySelectorAll("circle[data-x]").forEach(function (d) {
          out.push({ px: +d.getAttribute("cx"), py: +d.getAttribute("cy"), s: d.getAttribute("data-series"),
            x: d.getAttribute("data-x"), y: d.getAttribute("data-y") });
        });
        return out;
      }
      function hover(svg, e) {
        var m = svg.getScreenCTM();
        if (!m) return;
        var at = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
        var best = null, bestD = Infinity;
        points(svg).forEach(function (p) {
          var d = Math.abs(p.px - at.x) * 1000 + Math.abs(p.py - at.y);
          if (d < bestD) { best = p; bestD = d; }
        });
        if (!best || Math.abs(best.px - at.x) > 12) { tip.hidden = true; return; }
        tip.textContent = (best.s ? best.s + " · " : "") + best.x + ": " + best.y;
        tip.hidden = false;
        tip.style.left = (e.pageX + 12) + "px";
        tip.style.top = (e.pageY + 12) + "px";
      }
      document.addEventListener("mousemove", function (e) {
        var svg = e.target.closest ? e.target.closest("svg") : null;
        if (svg && svg.querySelector("[data-x]")) hover(svg, e); else tip.hidden = true;
      });

      // A running run: poll its JSON every 5 s and update figures and charts until it ends.
      var live = document.body.getAttribute("data-live");
      if (live) {
        var timer = setInterval(function () {
          fetch(live, { credentials: "same-origin", cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
            if (!d) return;
            var st = document.getElementById("run-status");
            if (st) { st.textContent = d.status.toLowerCase(); st.className = "badge " + d.status; }
            d.metrics.forEach(function (m) {
              var row = document.querySelector('tr[data-metric="' + CSS.escape(m.key) + '"]');
              if (row) ["latest", "min", "max", "count"].forEach(function (f) {
                var td = row.querySelector('[data-field="' + f + '"]');
                if (td) td.textContent = m[f];
              });
              var fig = document.querySelector('figure[data-chart="' + CSS.escape(m.key) + '"]');
              if (fig && m.svg) {
                var old = fig.querySelector("svg, .chart-pending");
                var doc = new DOMParser().parseFromString(m.svg, "image/svg+xml");
                var node = document.importNode(doc.documentElement, true);
                if (old) old.replaceWith(node); else fig.appendChild(node);
              }
            });
            if (d.status !== "RUNNING") clearInterval(timer);
          }).catch(function () {});
        }, 5000);
      }
    })();
    """#

/// The UI's script, served at a content-hashed URL. Pages work without it; it adds chart hover
/// values, live refresh of a running run, and the copy button.
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

      // Chart hover: shows the value of the nearest point (elements carrying data-x/data-y or a <title>).
      function hover(fig) {
        var svg = fig.querySelector("svg");
        if (!svg) return;
        var tip = document.createElement("div");
        tip.className = "hover hidden";
        tip.setAttribute("aria-hidden", "true");
        fig.appendChild(tip);
        var marks = Array.prototype.slice.call(svg.querySelectorAll("[data-x][data-y], circle"));
        svg.addEventListener("mousemove", function (ev) {
          var best = null, bestD = Infinity;
          marks.forEach(function (m) {
            var r = m.getBoundingClientRect();
            var d = Math.abs(r.left + r.width / 2 - ev.clientX);
            if (d < bestD) { bestD = d; best = m; }
          });
          if (!best || bestD > 40) { tip.className = "hover hidden"; return; }
          var t = best.querySelector("title");
          var label = best.getAttribute("data-label") ||
            (best.hasAttribute("data-x") ? best.getAttribute("data-x") + ": " + best.getAttribute("data-y") : (t ? t.textContent : ""));
          if (!label) { tip.className = "hover hidden"; return; }
          tip.textContent = label;
          tip.className = "hover";
        });
        svg.addEventListener("mouseleave", function () { tip.className = "hover hidden"; });
      }
      document.querySelectorAll("figure.chart").forEach(hover);

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

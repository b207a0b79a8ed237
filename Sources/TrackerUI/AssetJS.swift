/// The UI's script, served at a content-hashed URL. Pages work without it; it adds live refresh
/// of a running run and the copy button.
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

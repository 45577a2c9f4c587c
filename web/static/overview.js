// The overview's motivation charts: one point per check-in, dates on the axis.
// Chart.js is served from /static/vendor (npm, copied by `make widget`), never a CDN.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return; // the text inside each canvas stays
  var day = new Intl.DateTimeFormat("nl-NL", { day: "numeric", month: "short" });
  var noon = function (iso) { return Date.parse(iso + "T12:00:00"); };
  document.querySelectorAll("canvas.motivation").forEach(function (canvas) {
    var points = JSON.parse(canvas.dataset.points || "[]").map(function (point) {
      return { x: noon(point[0]), y: point[1] };
    });
    var label = canvas.dataset.label || "";
    var week = 7 * 24 * 3600 * 1000;
    var first = points[0].x, last = points[points.length - 1].x;
    new Chart(canvas, {
      type: "line",
      data: { datasets: [{ data: points, borderColor: "#0b3d91", backgroundColor: "#0b3d91",
                           pointRadius: 4, tension: 0 }] },
      options: {
        animation: false,
        responsive: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: {
            title: function (items) { return day.format(items[0].parsed.x); },
            label: function (item) { return label + ": " + item.parsed.y; }
          } }
        },
        scales: {
          x: { type: "linear", min: first - week / 2, max: last + week / 2,
               ticks: { callback: function (value) { return day.format(value); },
                        maxTicksLimit: 5 } },
          y: { min: 1, max: 5, ticks: { stepSize: 1 } }
        }
      }
    });
  });
})();

// A campaign's result as bars: reached, seen, replied, task done.
// Chart.js is served from /static/vendor (npm, copied by `make widget`), never a CDN.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return; // the text inside the canvas stays
  document.querySelectorAll("canvas.funnel").forEach(function (canvas) {
    var points = JSON.parse(canvas.dataset.points || "[]");
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: points.map(function (point) { return point[0]; }),
        datasets: [{ data: points.map(function (point) { return point[1]; }),
                     backgroundColor: "#0b3d91" }]
      },
      options: {
        animation: false,
        responsive: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  });
})();

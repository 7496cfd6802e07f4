// Draws every <canvas data-chart='{chart.js config}'> of the QA analytics page with the vendored
// chart.js (static/vendor/chart.umd.min.js). The numbers are also in the table under each chart.
(function () {
  "use strict";
  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas.qa-chart[data-chart]").forEach(function (canvas) {
      var config;
      try { config = JSON.parse(canvas.getAttribute("data-chart")); } catch (e) { return; }
      canvas.qaChart = new window.Chart(canvas, config);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

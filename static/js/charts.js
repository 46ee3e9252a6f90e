// Draws the results radar from the figure data in <script type="application/json" id="radar-data">.
// Progressive enhancement: without this file (or plotly) the page shows the same numbers in a table.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("radar-data");
    var targets = document.querySelectorAll(".chart[data-chart='radar']");
    if (!source || !targets.length || typeof window.Plotly === "undefined") {
      return;
    }
    var figure;
    try {
      figure = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    Array.prototype.forEach.call(targets, function (el) {
      window.Plotly.newPlot(el, figure.data, figure.layout, figure.config);
    });
  }

  function printButtons() {
    // The report's print button is hidden until this script can make it work.
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function start() {
    draw();
    printButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());

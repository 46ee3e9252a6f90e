// Draws the results radar from the figure data in <script type="application/json" id="radar-data">.
// Progressive enhancement: without this file (or plotly) the page shows the same numbers in a table.
(function () {
  "use strict";

  // Below this width (px) the radar gets a smaller font and narrower margins, so that the axis
  // labels stay inside the chart and the radar itself keeps most of a phone's width.
  var NARROW = 560;

  function fitted(layout, width) {
    var copy = JSON.parse(JSON.stringify(layout));
    if (width < NARROW) {
      var small = width < 360;
      copy.font = copy.font || {};
      copy.font.size = small ? 11 : 12;
      copy.margin = small ? { l: 78, r: 78, t: 60, b: 20 } : { l: 92, r: 92, t: 66, b: 24 };
    }
    return copy;
  }

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
      window.Plotly.newPlot(el, figure.data, fitted(figure.layout, el.clientWidth), figure.config);
    });
    var last = window.innerWidth;
    window.addEventListener("resize", function () {
      // Crossing the narrow width (a phone turned, a window resized) redraws with other margins.
      if ((last < NARROW) === (window.innerWidth < NARROW)) {
        return;
      }
      last = window.innerWidth;
      Array.prototype.forEach.call(targets, function (el) {
        window.Plotly.relayout(el, fitted(figure.layout, el.clientWidth));
      });
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

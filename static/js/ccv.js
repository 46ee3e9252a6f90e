// Draws the CCV benchmark charts from figure JSON blocks; the tables beside them hold the same numbers.
(function () {
  "use strict";
  if (typeof window.Plotly === "undefined") { return; }
  var nodes = document.querySelectorAll("script[type='application/json'][data-plotly-target]");
  Array.prototype.forEach.call(nodes, function (node) {
    var target = document.getElementById(node.getAttribute("data-plotly-target"));
    if (!target) { return; }
    var figure;
    try { figure = JSON.parse(node.textContent); } catch (e) { return; }
    var layout = figure.layout || {};
    layout.font = layout.font || {family: "inherit"};
    window.Plotly.newPlot(target, figure.data, layout, {displaylogo: false, displayModeBar: false, responsive: true});
  });
}());

// Draws the CCV benchmark charts from figure JSON blocks; the tables beside them hold the same numbers.
// Colours and font come from the page's design tokens (custom properties in css/ccv.css), read here,
// so the charts look like the rest of the site and follow any change of the tokens.
(function () {
  "use strict";
  if (typeof window.Plotly === "undefined") { return; }

  var style = window.getComputedStyle(document.body);

  // A custom property as a colour plotly understands (var() references resolved by the browser).
  var probe = document.createElement("span");
  probe.hidden = true;
  document.body.appendChild(probe);
  function token(name, fallback) {
    var value = style.getPropertyValue(name).trim();
    if (!value) { return fallback; }
    probe.style.color = "";
    probe.style.color = value;
    return window.getComputedStyle(probe).color || fallback;
  }

  var ink = token("--ccv-chart-text", "#0b1b33");
  var grid = token("--ccv-chart-grid", "#c0c7d2");
  var axis = token("--ccv-chart-axis", "#586c88");
  var font = {family: style.fontFamily, color: ink, size: 14};
  var series = [1, 2, 3, 4, 5].map(function (n) { return token("--ccv-chart-series-" + n, ink); });
  var boxLine = token("--ccv-chart-box-line", ink);
  var boxFill = token("--ccv-chart-box-fill", "#e5edf6");
  probe.remove();

  function styleAxis(ax) {
    ax = ax || {};
    ax.gridcolor = grid;
    ax.linecolor = axis;
    ax.zerolinecolor = grid;
    ax.tickfont = {family: font.family, color: ink, size: 13};
    if (ax.title) { ax.title.font = {family: font.family, color: ink, size: 14}; }
    return ax;
  }

  function styled(figure) {
    var layout = figure.layout || {};
    layout.font = font;
    layout.paper_bgcolor = "rgba(0,0,0,0)";
    layout.plot_bgcolor = "rgba(0,0,0,0)";
    layout.xaxis = styleAxis(layout.xaxis);
    layout.yaxis = styleAxis(layout.yaxis);
    layout.hoverlabel = {font: {family: font.family, size: 14}};
    if (layout.legend) { layout.legend.font = {family: font.family, color: ink, size: 13}; }
    (figure.data || []).forEach(function (trace, n) {
      if (trace.type === "box") {
        trace.line = {color: boxLine, width: 2};
        trace.fillcolor = boxFill;
        trace.marker = {color: boxLine};
      } else {
        var colour = series[n % series.length];
        trace.line = trace.line || {};
        trace.line.color = colour;
        trace.marker = trace.marker || {};
        trace.marker.color = colour;
      }
    });
    return layout;
  }

  var nodes = document.querySelectorAll("script[type='application/json'][data-plotly-target]");
  Array.prototype.forEach.call(nodes, function (node) {
    var target = document.getElementById(node.getAttribute("data-plotly-target"));
    if (!target) { return; }
    var figure;
    try { figure = JSON.parse(node.textContent); } catch (e) { return; }
    var layout = styled(figure);
    window.Plotly.newPlot(target, figure.data, layout,
                          {displaylogo: false, displayModeBar: false, responsive: true});
  });
}());

'use strict';
// Custom plotly.js bundle for selfscan: core + scatterpolar, bar and box only.
// Built by build-plotly.sh (esbuild, IIFE) and exposed as window.Plotly.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/scatterpolar'),
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/box')
]);

// Privacy defaults for a government service (callers may still override per chart):
// plotly.js 4 shows a modebar button that sends chart data to an external server
// (showSendToCloud, default true) and a logo linking to plotly's site.
Plotly.setPlotConfig({
    showSendToCloud: false,
    showLink: false,
    displaylogo: false
});

if (typeof window !== 'undefined') {
    window.Plotly = Plotly;
}

module.exports = Plotly;

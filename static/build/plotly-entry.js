'use strict';
// Custom plotly.js bundle for selfscan: core + scatterpolar, bar and box only.
// Built by build-plotly.sh (esbuild, IIFE) and exposed as window.Plotly.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/scatterpolar'),
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/box')
]);

if (typeof window !== 'undefined') {
    window.Plotly = Plotly;
}

module.exports = Plotly;

/*
 * figures.js - what the dashboard and the report share about figures:
 *
 * - window.eqFigures.formatValue(value, unit): an indicator's value in
 *   words of its unit ("7.8%", "5 days", "3 per 1,000", "No value");
 * - a Chart.js plugin that writes "withheld" where disclosure control
 *   withheld a cell, at the bar's base, so that a withheld cell never reads
 *   as zero (an empty bar).  A page says which categories are withheld on
 *   the canvas itself: data-withheld='["", "withheld", ...]', one entry per
 *   category, '' for a bar drawn as usual.
 *
 * Load it after chart.umd.min.js and before the page's own script.
 */
'use strict';

(function () {
  const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });

  function formatValue(v, unit) {
    if (v === null || v === undefined)
      return 'No value';
    const n = numberFormat.format(v);
    switch (unit) {
      case 'percent': return n + '%';
      case 'days': return n + (v === 1 ? ' day' : ' days');
      case 'rate_per_1000': return n + ' per 1,000';
      default: return n;
    }
  }

  window.eqFigures = { formatValue };

  if (!window.Chart)
    return;
  window.Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
  window.Chart.defaults.color = '#1b1b1b';
  window.Chart.register({
    id: 'eqWithheld',
    afterDatasetsDraw(chart) {
      let cells;
      try {
        cells = JSON.parse(chart.canvas.dataset.withheld || '[]');
      } catch (e) {
        return;
      }
      const horizontal = chart.options.indexAxis === 'y';
      const index = horizontal ? chart.scales.y : chart.scales.x;
      const value = horizontal ? chart.scales.x : chart.scales.y;
      if (!index || !value || !Array.isArray(cells))
        return;
      const ctx = chart.ctx;
      const base = value.getPixelForValue(0);
      ctx.save();
      ctx.fillStyle = '#505a5f';
      ctx.font = 'italic 12px ' + window.Chart.defaults.font.family;
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'left';
      cells.forEach((text, i) => {
        if (!text)
          return;
        const at = index.getPixelForValue(i);
        if (horizontal) {
          ctx.fillText(String(text), base + 4, at);
        } else {
          ctx.save();
          ctx.translate(at, base - 4);
          ctx.rotate(-Math.PI / 2);
          ctx.fillText(String(text), 0, 0);
          ctx.restore();
        }
      });
      ctx.restore();
    },
  });
})();

/*
 * report.js - the printable Annual Equalities Report (/reports/annual/YYYY-YY).
 *
 * One request: GET /v1/reports/annual/{year}, the same JSON any client
 * reads, drawn section by section.  Each section says whether its data is
 * complete for the year (and what is missing), shows its figures as a table
 * (a chart as well where a picture helps, never instead of the table) and
 * names the API routes its figures come from.  Withheld counts read
 * "withheld".  All text goes in with textContent: nothing from the API is
 * parsed as HTML.  report.css lays it out for a screen, a phone and A4.
 */
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
  const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const CHART_BLUE = '#1d4f91';

  const RAG_TEXT = { green: 'Green', amber: 'Amber', red: 'Red', not_rated: 'Not rated' };
  const DIRECTION_TEXT = {
    improving: 'Improving', worsening: 'Worsening', no_change: 'No change', not_comparable: 'Not comparable',
  };
  const STATUS_TEXT = {
    not_started: 'Not started', in_progress: 'In progress', complete: 'Complete',
    cancelled: 'Cancelled', deferred: 'Deferred',
  };
  const RETURN_OUTCOMES = [
    ['on_time', 'On time'], ['late', 'Late'], ['returned', 'Sent back'],
    ['overdue', 'Overdue'], ['open', 'Still open'],
  ];

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {}))
      if (v !== null && v !== undefined)
        node.setAttribute(k === 'class' ? 'class' : k, String(v));
    for (const c of children.flat(Infinity))
      if (c !== null && c !== undefined && c !== false)
        node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function humanise(code) {
    const s = String(code ?? '').replace(/[_-]+/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function formatDate(iso) {
    return iso ? dateFormat.format(new Date(iso + 'T00:00:00Z')) : '';
  }

  // A count: "withheld" when disclosure control withheld it.
  function count(value, suppressed) {
    if (suppressed || (value === null && suppressed !== false))
      return 'withheld';
    return value === null || value === undefined ? '' : numberFormat.format(value);
  }

  const formatValue = window.eqFigures.formatValue;   // web/figures.js

  // A table: head is a list of column names, rows a list of cell lists.
  function table(caption, head, rows, numeric) {
    return el('div', { class: 'table-wrap' },
      el('table', null,
        el('caption', null, caption),
        el('thead', null, el('tr', null, head.map((h, i) =>
          el('th', { scope: 'col', class: numeric && numeric.includes(i) ? 'num' : null }, h)))),
        el('tbody', null, rows.map((cells) => el('tr', null, cells.map((c, i) => (i === 0
          ? el('th', { scope: 'row' }, c)
          : el('td', { class: numeric && numeric.includes(i) ? 'num' : null }, c))))))));
  }

  // A bar chart beside its table; the table holds the same figures.
  const charts = [];
  // withheld: per category, 'withheld' or '' (web/figures.js draws it).
  function barChart(label, labels, values, what, withheld) {
    const canvas = el('canvas', { role: 'img', 'aria-label': label + '; the same figures are in the table that follows.',
      'data-withheld': withheld ? JSON.stringify(withheld) : null });
    const box = el('figure', { class: 'chart' }, el('div', { class: 'chart-box' }, canvas), el('figcaption', null, label));
    if (window.Chart)
      charts.push(() => new window.Chart(canvas, {
        type: 'bar',
        data: { labels, datasets: [{ label: what, data: values, backgroundColor: CHART_BLUE }] },
        options: {
          indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false,
          devicePixelRatio: Math.max(window.devicePixelRatio || 1, 2),
          scales: { x: { beginAtZero: true, title: { display: true, text: what } }, y: { ticks: { autoSkip: false } } },
          plugins: { legend: { display: false } },
        },
      }));
    return box;
  }

  /* ---- the sections ----------------------------------------------------- */

  function objective(data) {
    return (data || []).map((o) => el('div', { class: 'objective' },
      el('h3', null, o.title),
      el('p', { class: 'statement' }, o.statement),
      o.adopted_on ? el('p', { class: 'muted' }, 'Adopted ' + formatDate(o.adopted_on) + '.') : null,
      el('h4', null, 'Its outcomes'),
      el('dl', { class: 'outcomes' }, (o.outcomes || []).map((out) => [
        el('dt', null, out.title),
        el('dd', null, out.description,
          (out.indicators || []).length ? el('span', { class: 'muted' }, ' Measured by ' + out.indicators.length +
            (out.indicators.length === 1 ? ' indicator.' : ' indicators.')) : null),
      ]))));
  }

  function indicators(data) {
    const rows = (data || []).map((r) => {
      const o = r.outturn;
      const dir = (o && o.direction) || {};
      return [
        r.title,
        o ? o.period.label : 'No value for the year',
        o ? formatValue(o.actual, r.unit) : '',
        o ? formatValue(o.target, r.unit) : '',
        o ? (RAG_TEXT[o.rag] || (o.rag ? humanise(o.rag) : 'No rating')) : '',
        DIRECTION_TEXT[dir.previous_period] || '',
        DIRECTION_TEXT[dir.year_earlier] || '',
      ];
    });
    return [table('Each indicator\'s outturn for the year', ['Indicator', 'Period', 'Outturn', 'Target', 'RAG',
      'On the previous period', 'On a year earlier'], rows, [2, 3])];
  }

  function actionPlan(data) {
    if (!data)
      return [el('p', null, 'No action plan was in force at the start of the year.')];
    const plan = data.plan || {};
    const overall = data.overall || {};
    const byStatus = overall.by_status || {};
    const keys = Object.keys(STATUS_TEXT);
    return [
      el('p', { class: 'lead' }, (plan.title || 'The action plan') + (plan.period ? ' (' + plan.period.label + ')' : '') +
        (data.as_of ? ', as of ' + formatDate(data.as_of) : '') + ': ' + numberFormat.format(overall.total ?? 0) +
        ' actions, ' + numberFormat.format(overall.overdue ?? 0) + ' overdue.'),
      barChart('Actions by status', keys.map((k) => STATUS_TEXT[k]), keys.map((k) => byStatus[k] ?? 0), 'Actions'),
      table('Actions by status', ['Status', 'Actions'], keys.map((k) => [STATUS_TEXT[k], numberFormat.format(byStatus[k] ?? 0)]), [1]),
      table('Actions by outcome', ['Outcome', 'Actions', 'Complete', 'Overdue'], (data.outcomes || []).map((o) => [
        humanise(o.outcome), numberFormat.format(o.total ?? 0),
        o.complete_share === null || o.complete_share === undefined ? 'withheld' : numberFormat.format(o.complete_share * 100) + '%',
        numberFormat.format(o.overdue ?? 0)]), [1, 2, 3]),
    ];
  }

  function hateCrime(data) {
    if (!data)
      return [];
    const strands = data.strand_flags || [];
    return [
      el('p', { class: 'lead' }, 'Hate crimes reported in the year: ', el('strong', null, count(data.reports, data.suppressed)),
        '. Sources supplied: ', data.coverage === 'complete' ? 'every month' : data.coverage === 'none' ? 'none yet' : 'some months', '.'),
      strands.length ? barChart('Reports by strand (a report counts once for each strand it carries)',
        strands.map((s) => humanise(s.strand)), strands.map((s) => (s.suppressed ? null : s.value)), 'Reports',
        strands.map((s) => (s.suppressed ? 'withheld' : ''))) : null,
      strands.length ? table('Reports by strand', ['Strand', 'Reports'],
        strands.map((s) => [humanise(s.strand), count(s.value, s.suppressed)]), [1]) : null,
    ];
  }

  function partnerReturns(data) {
    if (!(data || []).length)
      return [el('p', null, 'No return window fell in the year.')];
    return [table('Partner returns: who returned, and when', ['Window', 'Due'].concat(RETURN_OUTCOMES.map((o) => o[1])),
      data.map((w) => [humanise(w.kind) + ' ' + w.period, formatDate(w.due_date)]
        .concat(RETURN_OUTCOMES.map(([k]) => ((w[k] || []).length ? w[k].map(humanise).join(', ') : 'None')))))];
  }

  function demographics(data) {
    return [table('The demographic context: data sets', ['Data set', 'Reference date', 'Status'],
      (data || []).map((d) => [d.title, formatDate(d.reference_date), d.official ? 'Official statistics' : 'Illustrative']))];
  }

  // A section the page does not know yet: its scalar fields as a list.
  function generic(data) {
    if (data === null || typeof data !== 'object')
      return [el('p', null, String(data ?? ''))];
    const pairs = Object.entries(data).filter(([, v]) => v === null || typeof v !== 'object');
    return [el('dl', { class: 'facts' }, pairs.map(([k, v]) => [el('dt', null, humanise(k)),
      el('dd', null, typeof v === 'number' ? numberFormat.format(v) : (v ?? 'withheld'))]))];
  }

  function workforce(data) {
    return generic(Object.assign({}, data, data && data.as_of ? { as_of: formatDate(data.as_of) } : {}));
  }

  const RENDER = {
    objective, indicators, action_plan: actionPlan, workforce, hate_crime: hateCrime,
    partner_returns: partnerReturns, demographics,
  };

  // The council's commentary on the section (PUT .../sections/{key}/commentary),
  // its line breaks kept.
  function commentary(c) {
    if (!c || !c.text) return null;
    return el('div', { class: 'commentary' }, el('h3', null, 'Commentary'), el('p', null, c.text));
  }

  function section(key, s) {
    const id = 'section-' + key.replace(/_/g, '-');
    return el('section', { id, class: 'section', 'data-section': key, 'data-complete': String(Boolean(s.complete)), 'aria-labelledby': id + '-title' },
      el('h2', { id: id + '-title' }, s.title || humanise(key)),
      el('p', { class: s.complete ? 'complete' : 'incomplete' },
        s.complete ? 'Complete for the year.' : 'Incomplete for the year:'),
      (s.notes || []).length ? el('ul', { class: 'notes' }, s.notes.map((n) => el('li', null, n))) : null,
      (RENDER[key] || generic)(s.data),
      commentary(s.commentary),
      el('p', { class: 'sources' }, 'Source: ', (s.sources || []).map((u, i) => [i ? ', ' : '', el('a', { href: u }, u)])));
  }

  function isIllustrative(report) {
    const ds = ((report.sections || {}).demographics || {}).data || [];
    return report.status === 'illustrative' || (report.meta || {}).status === 'illustrative' ||
      ds.some((d) => d.official === false);
  }

  function failed(text) {
    $('report-status').textContent = text;
    $('report-status').className = 'report-status error';
    document.documentElement.dataset.rendered = 'error';
  }

  async function load() {
    const year = decodeURIComponent(location.pathname.split('/').pop() || '');
    $('report-title').textContent = 'Annual Equalities Report ' + year;
    document.title = 'Annual Equalities Report ' + year + ': London Borough of Barnet';
    const url = '/v1/reports/annual/' + encodeURIComponent(year);
    $('report-json').href = url;
    let r;
    try {
      r = await fetch(url, { headers: { Accept: 'application/json' } });
    } catch (e) {
      failed('The report could not be fetched: ' + e.message);
      return;
    }
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      failed(body.detail || ('The service answered ' + r.status + '.'));
      return;
    }
    const report = await r.json();
    const sections = Object.entries(report.sections || {});
    $('report-status').textContent = report.complete
      ? 'Financial year ' + report.year.label + ': every section is complete.'
      : 'Financial year ' + report.year.label + ': some sections are incomplete, and say what is missing.';
    $('illustrative-banner').hidden = !isIllustrative(report);
    $('contents').replaceChildren(el('h2', null, 'Contents'), el('ol', null, sections.map(([key, s]) =>
      el('li', null, el('a', { href: '#section-' + key.replace(/_/g, '-') }, s.title || humanise(key)),
        s.complete ? null : el('span', { class: 'muted' }, ' (incomplete)')))));
    $('sections').replaceChildren(...sections.map(([key, s]) => section(key, s)));
    const drawn = charts.map((draw) => draw());
    // Once a resize settles, every chart is sized to its box again
    // (Chart.js can keep a width it read mid-change, wider than a phone).
    let resizing = null;
    window.addEventListener('resize', () => {
      clearTimeout(resizing);
      resizing = setTimeout(() => drawn.forEach((chart) => chart && chart.resize()), 150);
    });
    document.documentElement.dataset.rendered = 'true';
  }

  load();
})();

/*
 * dashboard.js - the live equalities dashboard (/dashboard).
 *
 * Everything comes from the service's public API on the same origin:
 *   /v1/scorecard                       indicators, RAG counts, action plan summary
 *   /v1/hate-crime/statistics           reports by month, with the year before
 *   /v1/areas, /v1/demographics         the area picker and its populations
 *
 * Refreshing: the page follows /v1/changes as an event stream
 * (EventSource) and asks its sources again only when the service says that
 * what they show has changed, each with the ETag of the copy we hold
 * (If-None-Match, and cache: 'no-store' so that the browser's own cache
 * never answers for the server).  An unchanged source costs a 304; a
 * changed one is drawn again.  While the stream is down (a proxy that
 * buffers it, the service restarting) the page falls back to asking every
 * few seconds, and it looks once a minute anyway, so an idle screen left
 * open for days costs the service one open stream and a few 304s.  Many
 * screens behind one address stay far below the per-address rate limit.
 *
 * Honesty: a banner says so whenever any figure shown is illustrative
 * (demo data); "Figures for" names the period of the data, never the time
 * we fetched it; a withheld cell is written "withheld" on the chart as in
 * the table, never drawn as an empty (zero-looking) bar.
 *
 * Accessibility: RAG and direction are words, not only colours and arrows;
 * every chart has its figures in a <table> (visually hidden until asked
 * for, always there for screen readers).  All text goes in with
 * textContent: nothing from the API is ever parsed as HTML.
 */
'use strict';

(function () {
  const FALLBACK_POLL_MS = 3000;   // while the change stream is down
  const SAFETY_POLL_MS = 60000;    // while it is up: a missed event costs a minute at most
  // The change-log areas whose data the page shows (GET /v1/changes?areas=).
  const CHANGE_AREAS = 'indicators,action_plan,hate_crime,demographics,reference';
  const BOROUGH_KIND = 'borough';

  const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
  const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const monthFormat = new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });

  const RAG_TEXT = { green: 'Green', amber: 'Amber', red: 'Red', none: 'No rating', not_rated: 'Not rated' };
  const RAG_SYMBOL = { green: '\u25CF', amber: '\u25B2', red: '\u25A0', none: '\u25CB', not_rated: '\u25CB' };
  const DIRECTION = {
    improving: ['\u2197', 'Improving'],
    worsening: ['\u2198', 'Worsening'],
    no_change: ['\u2192', 'No change'],
    not_comparable: ['\u2013', 'Not comparable'],
  };
  const STATUS_TEXT = {
    not_started: 'Not started', in_progress: 'In progress', complete: 'Complete',
    cancelled: 'Cancelled', deferred: 'Deferred',
  };
  const CHART_BLUE = '#1d4f91';
  const CHART_GREY = '#505a5f';

  const $ = (id) => document.getElementById(id);

  /* ---- fetching with If-None-Match ------------------------------------ */

  const held = new Map();   // url -> { etag, data }

  // { changed, data } for url; changed false on a 304 (data is our copy).
  async function getJSON(url) {
    const copy = held.get(url);
    const headers = { Accept: 'application/json' };
    if (copy && copy.etag)
      headers['If-None-Match'] = copy.etag;
    const r = await fetch(url, { cache: 'no-store', headers });
    if (r.status === 304 && copy)
      return { changed: false, data: copy.data };
    if (!r.ok)
      throw new Error(url + ' answered ' + r.status);
    const data = await r.json();
    held.set(url, { etag: r.headers.get('ETag'), data });
    return { changed: true, data };
  }

  // Whether a response says its figures are illustrative (demo data), in
  // any of the places the API says it: the response's status, or its data
  // set's.
  function isIllustrative(body) {
    const meta = (body && body.meta) || {};
    const ds = meta.dataset || {};
    return [body && body.status, meta.status, ds.status].includes('illustrative') ||
      meta.illustrative === true || ds.official === false;
  }

  // The banner is shown while any figure on the page comes from an
  // illustrative response.
  const illustrative = new Map();   // source -> bool
  function noteIllustrative(source, body) {
    illustrative.set(source, isIllustrative(body));
    const any = [...illustrative.values()].some(Boolean);
    const banner = $('illustrative-banner');
    banner.hidden = !any;
    document.documentElement.dataset.illustrative = String(any);
  }

  /* ---- small DOM helpers ----------------------------------------------- */

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined)
        continue;
      if (k === 'class')
        node.className = v;
      else if (k.startsWith('data-'))
        node.setAttribute(k, String(v));
      else
        node.setAttribute(k, v);
    }
    for (const c of children)
      if (c !== null && c !== undefined)
        node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function replaceRows(tbody, rows) {
    tbody.replaceChildren(...rows);
  }

  function formatNumber(v) {
    return v === null || v === undefined ? '' : numberFormat.format(v);
  }

  const formatValue = window.eqFigures.formatValue;   // web/figures.js

  const wholePercent = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });

  // A share (0.1028) as a percentage; whole: no decimals (for the plan's tiles).
  function formatShare(share, whole) {
    if (share === null || share === undefined)
      return 'withheld';
    return (whole ? wholePercent : numberFormat).format(share * 100) + '%';
  }

  // Long category names on several lines (Chart.js draws an array as lines).
  function wrapLabel(text, width) {
    const lines = [];
    let line = '';
    for (const word of String(text).split(' ')) {
      if (line && (line + ' ' + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + ' ' + word : word;
      }
    }
    if (line)
      lines.push(line);
    return lines.length > 1 ? lines : lines[0] || '';
  }

  function humanise(code) {
    const s = String(code).replace(/[_-]+/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function ragBadge(rag) {
    const key = rag || 'none';
    return el('span', { class: 'rag rag-' + key },
      el('span', { class: 'rag-symbol', 'aria-hidden': 'true' }, RAG_SYMBOL[key] || ''),
      ' ', RAG_TEXT[key] || humanise(key));
  }

  function direction(name) {
    const [arrow, text] = DIRECTION[name] || ['', humanise(name || 'not_comparable')];
    return el('span', { class: 'direction direction-' + (name || 'none') },
      el('span', { class: 'direction-arrow', 'aria-hidden': 'true' }, arrow), '\u00a0', text);
  }

  /* ---- the scorecard and the action plan ------------------------------- */

  function drawScorecard(card) {
    $('scorecard-period').textContent = card.period ? card.period.label : '';

    const counts = card.rag_counts || {};
    $('rag-counts').replaceChildren(...['green', 'amber', 'red', 'none']
      .filter((k) => k !== 'none' || counts.none)
      .map((k) => el('li', { 'data-rag': k, class: 'rag-count rag-' + k },
        el('span', { class: 'rag-symbol', 'aria-hidden': 'true' }, RAG_SYMBOL[k]), ' ',
        el('span', { class: 'rag-count-label' }, RAG_TEXT[k]), ' ',
        el('strong', { class: 'rag-count-n', 'data-value': counts[k] ?? 0 }, formatNumber(counts[k] ?? 0)))));

    replaceRows($('scorecard-table').tBodies[0], (card.indicators || []).map((ind) => {
      const dir = ind.direction || {};
      return el('tr', { 'data-code': ind.code, class: 'row-' + (ind.rag || 'none') },
        el('th', { scope: 'row', 'data-label': 'Indicator' },
          el('span', { class: 'indicator-title' }, ind.title),
          ind.commentary ? el('span', { class: 'indicator-commentary' }, ind.commentary) : null),
        // The same text in a column of its own, shown instead on a wall screen.
        el('td', { class: 'col-commentary', 'data-label': 'Commentary' }, ind.commentary || ''),
        el('td', { class: 'num', 'data-field': 'actual', 'data-value': ind.actual ?? '', 'data-label': 'Actual' },
          formatValue(ind.actual, ind.unit)),
        el('td', { class: 'num', 'data-field': 'target', 'data-value': ind.target ?? '', 'data-label': 'Target' },
          formatValue(ind.target, ind.unit)),
        el('td', { 'data-field': 'rag', 'data-value': ind.rag || '', 'data-label': 'RAG' }, ragBadge(ind.rag)),
        el('td', { 'data-field': 'direction', 'data-value': dir.previous_period || '', 'data-label': 'On the previous period' },
          direction(dir.previous_period)),
        el('td', { 'data-field': 'direction-year', 'data-value': dir.year_earlier || '', 'data-label': 'On a year earlier' },
          direction(dir.year_earlier)));
    }));

    drawPlan(card.action_plan);
  }

  function drawPlan(summary) {
    if (!summary) {
      $('plan-name').textContent = 'There is no current action plan.';
      $('plan-tiles').replaceChildren();
      $('plan-status').replaceChildren();
      $('plan-rag').replaceChildren();
      replaceRows($('plan-outcomes').tBodies[0], []);
      return;
    }
    const plan = summary.plan || {};
    const overall = summary.overall || {};
    $('plan-name').textContent = (plan.title || 'Current plan') +
      (plan.period ? ' (' + plan.period.label + ')' : '') +
      (summary.as_of ? ', as of ' + summary.as_of : '');

    const tile = (key, label, value, text) => [
      el('dt', null, label),
      el('dd', { 'data-field': key, 'data-value': value }, text),
    ];
    $('plan-tiles').replaceChildren(
      ...tile('total', 'Actions', overall.total, formatNumber(overall.total)),
      ...tile('complete_share', 'Complete', overall.complete_share, formatShare(overall.complete_share, true)),
      ...tile('overdue', 'Overdue', overall.overdue, formatNumber(overall.overdue)));

    const byStatus = overall.by_status || {};
    $('plan-status').replaceChildren(...Object.keys(STATUS_TEXT).map((k) =>
      el('li', { 'data-status': k }, el('span', null, STATUS_TEXT[k]), ' ',
        el('strong', { 'data-value': byStatus[k] ?? 0 }, formatNumber(byStatus[k] ?? 0)))));

    const byRag = overall.by_rag || {};
    $('plan-rag').replaceChildren(...['red', 'amber', 'green', 'not_rated'].map((k) =>
      el('li', { 'data-rag': k }, ragBadge(k), ' ',
        el('strong', { 'data-value': byRag[k] ?? 0 }, formatNumber(byRag[k] ?? 0)))));

    // data-label: on a phone each outcome is a card of labelled lines.
    const cell = (label, text) => el('td', { class: 'num', 'data-label': label }, text);
    replaceRows($('plan-outcomes').tBodies[0], (summary.outcomes || []).map((o) => el('tr', { 'data-outcome': o.outcome },
      el('th', { scope: 'row' }, humanise(o.outcome)),
      cell('Actions', formatNumber(o.total)),
      cell('Complete', formatShare(o.complete_share, true)),
      cell('Overdue', formatNumber(o.overdue)),
      cell('Red', formatNumber((o.by_rag || {}).red ?? 0)),
      cell('Amber', formatNumber((o.by_rag || {}).amber ?? 0)),
      cell('Green', formatNumber((o.by_rag || {}).green ?? 0)))));
  }

  /* ---- charts ------------------------------------------------------------ */

  const charts = {};
  const reduceMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  // The "withheld" marks on the charts are web/figures.js's (a Chart.js
  // plugin shared with the report page), read from each canvas's
  // data-withheld.

  function markWithheld(id, cells) {
    $(id).dataset.withheld = JSON.stringify(cells);
  }

  // Bars need room for their labels: a horizontal bar chart is as tall as
  // its labels' lines, so that no two labels overlap however narrow the
  // screen (Chart.js would squeeze them into a fixed height).
  const TICK_LINE_PX = 15;
  function fitHeight(id, labels) {
    const lines = labels.map((l) => (Array.isArray(l) ? l.length : 1));
    const band = Math.max(...lines, 1) * TICK_LINE_PX + 8;
    $(id).parentElement.style.height = (labels.length * band + 64) + 'px';
  }

  // Characters a label may take on a line: fewer on a phone.
  function labelWidth() {
    return window.innerWidth < 480 ? 16 : 22;
  }

  // Create the chart on first use, then only swap its data: no flicker on a wall screen.
  function drawChart(id, config) {
    if (!window.Chart)
      return;
    const existing = charts[id];
    if (existing) {
      existing.data.labels = config.data.labels;
      existing.data.datasets.forEach((ds, i) => { ds.data = config.data.datasets[i].data; ds.label = config.data.datasets[i].label; });
      existing.update(reduceMotion ? 'none' : undefined);
      return;
    }
    config.options = Object.assign({
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 300 },
    }, config.options || {});
    charts[id] = new window.Chart($(id), config);
  }

  function monthLabel(period) {
    return monthFormat.format(new Date(period.start + 'T00:00:00Z'));
  }

  function drawHateCrime(stats) {
    const rows = (stats.data || []).filter((r) => r.period && r.period.kind === 'month' && r.ward === null);
    const range = (stats.meta || {}).range;
    $('hate-crime-range').textContent = range ? '(' + range.from + ' to ' + range.to + ')' : '';
    const hasPrevious = rows.some((r) => r.previous_year);

    // A month no source has supplied yet is a gap, not a zero.
    const shown = (r) => (r.coverage === 'none' ? null : r.value);
    const datasets = [{
      type: 'bar',
      label: 'Reports',
      data: rows.map(shown),
      backgroundColor: CHART_BLUE,
      order: 2,
    }];
    if (hasPrevious)
      datasets.push({
        type: 'line',
        label: 'Same month a year earlier',
        data: rows.map((r) => (r.previous_year && r.previous_year.coverage !== 'none' ? r.previous_year.value : null)),
        borderColor: CHART_GREY,
        backgroundColor: CHART_GREY,
        borderDash: [6, 4],
        pointStyle: 'rectRot',
        pointRadius: 4,
        order: 1,
      });
    markWithheld('chart-hate-crime', rows.map((r) => (r.suppressed ? 'withheld' : '')));
    drawChart('chart-hate-crime', {
      data: { labels: rows.map((r) => monthLabel(r.period)), datasets },
      options: {
        scales: { y: { beginAtZero: true, title: { display: true, text: 'Reports' } } },
        plugins: { legend: { position: 'bottom' } },
      },
    });

    replaceRows($('table-hate-crime').tBodies[0], rows.map((r) => el('tr', { 'data-period': r.period.label },
      el('th', { scope: 'row' }, monthLabel(r.period)),
      el('td', { class: 'num', 'data-value': r.value ?? '' },
        r.suppressed ? 'withheld' : r.coverage === 'none' ? 'not yet supplied' : formatNumber(r.value)),
      el('td', { class: 'num', 'data-value': r.previous_year ? (r.previous_year.value ?? '') : '' },
        r.previous_year ? (r.previous_year.suppressed ? 'withheld' : formatNumber(r.previous_year.value)) : ''),
      el('td', null, r.coverage === 'complete' ? 'All' : r.coverage === 'none' ? 'None yet' : 'Some'))));

    const coverage = (stats.meta || {}).coverage;
    $('hate-crime-note').textContent = coverage && coverage.complete === false && coverage.note ? coverage.note : '';
  }

  // Top-level categories of a characteristic (a parent of none), without the total.
  function topLevel(data) {
    return (data || []).filter((r) => r.category && r.category.code !== 'total' && !r.category.parent);
  }

  function drawPopulation(kind, body, areaName) {
    const all = (body.data || []).filter((r) => r.category && r.category.code !== 'total');
    const top = topLevel(body.data);
    const total = (body.data || []).find((r) => r.category && r.category.code === 'total');
    const title = kind === 'ethnicity' ? 'By ethnic group' : 'By religion';
    $(kind + '-title').textContent = title + (total && total.value !== null ? ' (' + formatNumber(total.value) + ' residents)' : '');

    const labels = top.map((r) => wrapLabel(r.category.name, labelWidth()));
    fitHeight('chart-' + kind, labels);
    markWithheld('chart-' + kind, top.map((r) => (r.suppressed ? 'withheld' : '')));
    drawChart('chart-' + kind, {
      type: 'bar',
      data: {
        labels,
        datasets: [{ label: 'Share of residents in ' + areaName + ' (%)', data: top.map((r) => (r.share === null ? null : r.share * 100)), backgroundColor: CHART_BLUE }],
      },
      options: {
        indexAxis: 'y',
        scales: {
          x: { beginAtZero: true, title: { display: true, text: '% of residents' } },
          // Every category named, however narrow the screen: never skipped.
          y: { ticks: { autoSkip: false } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (ctx) => formatShare(top[ctx.dataIndex].share) + ' (' + (top[ctx.dataIndex].suppressed ? 'withheld' : formatNumber(top[ctx.dataIndex].value)) + ' residents)' } },
        },
      },
    });
    $('chart-' + kind).setAttribute('aria-label', 'Bar chart of residents of ' + areaName + ' ' +
      title.toLowerCase() + '; the same numbers are in the table that follows.');

    // The table has every category, the groups' members under them.
    replaceRows($('table-' + kind).tBodies[0], all.map((r) => el('tr', {
      'data-category': r.category.code, class: r.category.parent ? 'child' : 'group',
    },
      el('th', { scope: 'row' }, r.category.name),
      el('td', { class: 'num', 'data-value': r.value ?? '' },
        r.suppressed ? 'withheld' : r.coverage === 'none' ? 'not yet supplied' : formatNumber(r.value)),
      el('td', { class: 'num', 'data-value': r.share ?? '' }, formatShare(r.share)))));
  }

  /* ---- the area picker ------------------------------------------------- */

  const picker = $('ward-picker');
  let areas = [];

  function selectedArea() {
    return areas.find((a) => a.code === picker.value) || null;
  }

  function drawAreas(list) {
    const keep = picker.value || new URLSearchParams(location.hash.slice(1)).get('area');
    areas = list.slice();
    const borough = areas.filter((a) => a.kind === BOROUGH_KIND);
    const wards = areas.filter((a) => a.kind !== BOROUGH_KIND).sort((a, b) => a.name.localeCompare(b.name, 'en-GB'));
    const options = borough.map((a) => el('option', { value: a.code }, a.name + ' (whole borough)'));
    if (wards.length)
      options.push(el('optgroup', { label: 'Wards' }, ...wards.map((a) => el('option', { value: a.code }, a.name))));
    picker.replaceChildren(...options);
    if (keep && areas.some((a) => a.code === keep))
      picker.value = keep;
  }

  /* ---- the refresh loop ------------------------------------------------- */

  const statusEl = $('status');
  const updatedEl = $('updated');
  let state = '';

  function setState(next, text) {
    if (state === next)
      return;     // a live region speaks only when something happened
    state = next;
    statusEl.className = 'status status-' + next;
    statusEl.textContent = text;
  }

  // What period each panel's figures are for (the data's own dates, never
  // the time we fetched them): source -> text.
  const periods = new Map();
  function notePeriod(source, text) {
    if (text)
      periods.set(source, text);
    else
      periods.delete(source);
    $('data-period').textContent = periods.size ? 'Figures for: ' + [...periods.values()].join('; ') + '.' : '';
  }

  function markUpdated(changed) {
    if (changed)
      document.documentElement.dataset.renders = String(Number(document.documentElement.dataset.renders || 0) + 1);
    updatedEl.textContent = 'Checked ' + timeFormat.format(new Date()) + '.';
  }

  async function refreshScorecard() {
    const r = await getJSON('/v1/scorecard');
    if (r.changed) {
      drawScorecard(r.data);
      noteIllustrative('scorecard', r.data);
      notePeriod('scorecard', r.data.period ? 'indicators ' + r.data.period.label : '');
    }
    return r.changed;
  }

  async function refreshHateCrime() {
    const r = await getJSON('/v1/hate-crime/statistics?group_by=month&compare=previous_year');
    if (r.changed) {
      drawHateCrime(r.data);
      noteIllustrative('hate-crime', r.data);
      const range = (r.data.meta || {}).range;
      notePeriod('hate-crime', range ? 'hate crime ' + range.from + ' to ' + range.to : '');
    }
    return r.changed;
  }

  async function refreshAreas() {
    const r = await getJSON('/v1/areas?limit=500');
    if (r.changed)
      drawAreas(r.data.data || []);
    return r.changed;
  }

  let drawnArea = null;
  let lastPopulation = null;   // { eth, rel, name }: drawn again when the width changes the labels

  // Once the window has settled on a width (a rotated phone, a resized
  // window): labels wrapped for it, and every chart sized to its box again
  // (Chart.js can keep a size it read mid-change, wider than the page).
  let drawnWidth = labelWidth();
  let resizing = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      if (lastPopulation && labelWidth() !== drawnWidth) {
        drawnWidth = labelWidth();
        drawPopulation('ethnicity', lastPopulation.eth, lastPopulation.name);
        drawPopulation('religion', lastPopulation.rel, lastPopulation.name);
      }
      Object.values(charts).forEach((chart) => chart.resize());
    }, 150);
  });

  async function refreshArea() {
    const area = selectedArea();
    if (!area)
      return false;
    const q = '/v1/demographics?area=' + encodeURIComponent(area.code) + '&characteristic=';
    const [eth, rel] = await Promise.all([getJSON(q + 'ethnicity'), getJSON(q + 'religion')]);
    const moved = drawnArea !== area.code;
    if (eth.changed || moved)
      drawPopulation('ethnicity', eth.data, area.name);
    if (rel.changed || moved)
      drawPopulation('religion', rel.data, area.name);
    if (moved || eth.changed || rel.changed) {
      lastPopulation = { eth: eth.data, rel: rel.data, name: area.name };
      noteIllustrative('population', eth.data);
      const ds = (eth.data.meta || {}).dataset;
      notePeriod('population', ds && ds.reference_date ? 'residents ' + (ds.title || ds.slug) + ' on ' + ds.reference_date : '');
      $('ward-source').textContent = ds ? 'Source: ' + (ds.title || ds.slug) +
        (ds.reference_date ? ', ' + ds.reference_date : '') + (ds.official === false ? ' (illustrative, not official statistics)' : '') : '';
    }
    drawnArea = area.code;
    return moved || eth.changed || rel.changed;
  }

  /* When to look: on each event of /v1/changes, and on a timer only as a
   * fallback.  One refresh at a time; an event that arrives during one
   * asks for another after it, so a change committed mid-fetch is never
   * missed. */
  let timer = null;
  let dueAt = Infinity;
  let running = false;
  let again = false;
  let streamUp = false;

  // Look again in ms, unless a look is already due sooner.
  function schedule(ms) {
    const at = Date.now() + ms;
    if (timer !== null && dueAt <= at)
      return;
    clearTimeout(timer);
    dueAt = at;
    timer = setTimeout(() => { timer = null; dueAt = Infinity; refresh(); }, ms);
  }

  async function refresh() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      if (!document.hidden) {
        const changed = (await Promise.all([
          refreshScorecard(),
          refreshHateCrime(),
          refreshAreas().then((c) => refreshArea().then((d) => c || d)),
        ])).some(Boolean);
        markUpdated(changed);
        setState(streamUp ? 'live' : 'polling', streamUp ? 'Live: updated as soon as the data changes.'
          : 'Live: checking for changes every few seconds.');
      }
    } catch (e) {
      setState('error', 'Cannot reach the service; retrying. Showing the last figures received.');
      if (window.console)
        console.warn('dashboard refresh failed:', e.message);
    } finally {
      running = false;
      if (again) {
        again = false;
        refresh();
      } else {
        schedule(streamUp ? SAFETY_POLL_MS : FALLBACK_POLL_MS);
      }
    }
  }

  // The change feed: an event names what changed; EventSource reconnects
  // by itself (resuming from the last event), and while it is down the
  // timer above looks every few seconds instead.
  function follow() {
    if (!window.EventSource)
      return;
    const feed = new EventSource('/v1/changes?areas=' + CHANGE_AREAS);
    feed.onopen = () => { streamUp = true; };
    feed.addEventListener('ready', () => refresh());
    feed.addEventListener('changes', () => refresh());
    feed.onerror = () => {
      streamUp = false;
      schedule(FALLBACK_POLL_MS);
    };
  }

  picker.addEventListener('change', () => {
    history.replaceState(null, '', '#area=' + encodeURIComponent(picker.value));
    refresh();
  });

  // "Show the figures as a table": the table is always there for screen
  // readers; this shows it to everyone else.
  for (const button of document.querySelectorAll('.table-toggle')) {
    button.addEventListener('click', () => {
      const target = $(button.getAttribute('aria-controls'));
      const open = button.getAttribute('aria-expanded') !== 'true';
      button.setAttribute('aria-expanded', String(open));
      button.textContent = open ? 'Hide the table' : 'Show the figures as a table';
      target.classList.toggle('visually-hidden', !open);
    });
  }

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden)
      refresh();
  });

  follow();
  refresh();
})();

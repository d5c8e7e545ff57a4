/*
 * docs.js - renders /openapi.yaml, as this service serves it, with the
 * vendored Redoc (web/vendor/redoc.standalone.js, see scripts/vendor-web).
 * Kept out of docs.html so that the page's Content-Security-Policy needs
 * no inline script.
 */
'use strict';

(function () {
  const root = document.getElementById('redoc');

  function failed(message) {
    root.setAttribute('aria-busy', 'false');
    root.textContent = '';
    const p = document.createElement('p');
    p.className = 'error';
    p.setAttribute('role', 'alert');
    p.textContent = 'The API reference could not be rendered (' + message + '). The contract itself is ';
    const a = document.createElement('a');
    a.href = '/openapi.yaml';
    a.textContent = '/openapi.yaml';
    p.appendChild(a);
    p.appendChild(document.createTextNode('.'));
    root.appendChild(p);
  }

  if (typeof window.Redoc === 'undefined') {
    failed('the renderer did not load');
    return;
  }
  window.Redoc.init('/openapi.yaml', {
    // Responses stay folded (a click opens each): opening them all
    // doubles the time Redoc takes to draw this long document.
    pathInMiddlePanel: true,
    requiredPropsFirst: true,
    sortPropsAlphabetically: false,
    hideDownloadButton: false,
    // No fonts from elsewhere: the system's own.
    theme: {
      typography: {
        fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif',
        headings: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif' },
        code: { fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace' },
      },
      colors: { primary: { main: '#1d4f91' } },
    },
  }, root, function (error) {
    if (error) {
      failed(error.message || String(error));
      return;
    }
    root.setAttribute('aria-busy', 'false');
    document.documentElement.dataset.rendered = 'true';
  });
})();

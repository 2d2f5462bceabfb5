// Waits for WhatsApp Web's module loader: window.Debug.VERSION is both the
// load signal and the version, and window.require must be Meta's require.
// Rejects after the configured load timeout (wwebjs' 'auth timeout').
(function () {
  'use strict';
  const W = window.WAGATE;
  const timeoutMs = (__wagateConfig && __wagateConfig.loadTimeoutMs) || 60000;
  W.waitLoader = function () {
    return new Promise((resolve, reject) => {
      const check = () => window.Debug && window.Debug.VERSION && typeof window.require === 'function';
      if (check()) { resolve(String(window.Debug.VERSION)); return; }
      const started = Date.now();
      const t = setInterval(() => {
        if (check()) { clearInterval(t); resolve(String(window.Debug.VERSION)); return; }
        if (Date.now() - started > timeoutMs) {
          clearInterval(t);
          reject(new Error('WhatsApp Web did not load within ' + timeoutMs + ' ms (no window.Debug.VERSION)'));
        }
      }, 100);
    });
  };
})();

// Waits for WhatsApp Web's module loader: window.Debug.VERSION is both the
// load signal and the version, and window.require must be Meta's require.
(function () {
  'use strict';
  const W = window.WAGATE;
  W.waitLoader = function () {
    return new Promise((resolve) => {
      const check = () => window.Debug && window.Debug.VERSION && typeof window.require === 'function';
      if (check()) { resolve(String(window.Debug.VERSION)); return; }
      const t = setInterval(() => {
        if (check()) { clearInterval(t); resolve(String(window.Debug.VERSION)); }
      }, 100);
    });
  };
})();

// Entry point: wait for the loader, build the store, report where login
// stands, and serve W.call(op, args) — the one function Go evaluates.
(function () {
  'use strict';
  const W = window.WAGATE;
  const NEEDS_STORE = new Set(['qr', 'requestCode', 'logout', 'me']);

  W.call = async function (op, args) {
    try {
      const fn = W.ops[op];
      if (!fn) W.fail('unsupported', 'unknown operation ' + op);
      if (op !== 'state') {
        if (!W.S) W.fail('not_ready', 'WhatsApp Web is still loading (' + W.phase + ')');
        if (!NEEDS_STORE.has(op) && !W.ready) W.fail('not_ready', 'WhatsApp Web is not logged in and synced (' + W.phase + ')');
      }
      const value = await fn(args || {});
      return { ok: true, value: value === undefined ? null : value };
    } catch (e) {
      return { ok: false, code: (e && e.wagateCode) || 'internal', message: String((e && e.message) || e) };
    }
  };

  (async function boot() {
    if (/[?&]post_logout=1/.test(location.search)) W.emit('logged_out', { reason: 'LOGOUT' });
    W.phase = 'waiting_loader';
    try {
      W.waVersion = await W.waitLoader();
    } catch (e) {
      W.phase = 'failed';
      W.emit('failed', { reason: String(e.message || e) });
      return;
    }
    try {
      W.S = W.buildStore();
    } catch (e) {
      W.phase = 'failed';
      W.emit('failed', { reason: String(e.message || e) });
      return;
    }
    W.phase = 'store';
    W.emit('loaded', { version: W.waVersion, missingModules: W.S.missing });
    W.attachAuth();
  })();
})();

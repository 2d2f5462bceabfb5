// The WAGATE namespace, its error type, and the event bridge to Go.
// Events are queued and sent in order, in batches, through the exposed
// function window.wagateEmit (a chromedp ExposeFunc binding): each batch
// waits for Go to take the previous one, so order holds and nothing polls.
(function () {
  'use strict';
  const W = (window.WAGATE = { version: 1, phase: 'loading', ready: false, ops: {}, queue: [], pumping: false });

  // fail throws an error whose code the Go side maps to a typed error:
  // not_ready, not_found, invalid, not_allowed, unsupported, unavailable.
  W.fail = function (code, message) {
    const e = new Error(message);
    e.wagateCode = code;
    throw e;
  };

  const MAX_QUEUE = 5000;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  W.emit = function (type, data) {
    W.queue.push(Object.assign({ type, at: Date.now() }, data || {}));
    if (W.queue.length > MAX_QUEUE) W.queue.splice(0, W.queue.length - MAX_QUEUE);
    if (!W.pumping) W.pump();
  };

  W.pump = async function () {
    W.pumping = true;
    try {
      while (W.queue.length) {
        if (typeof window.wagateEmit !== 'function') { await sleep(50); continue; }
        const batch = W.queue.splice(0, 200);
        try {
          await window.wagateEmit({ events: batch });
        } catch (e) {
          console.warn('wagate: delivering events failed', e);
        }
      }
    } finally {
      W.pumping = false;
    }
  };
})();

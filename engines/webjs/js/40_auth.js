// Login: state reporting, the QR string, the phone pairing code, own
// identity, logout, and the Socket/Conn/Cmd listeners that turn login
// progress into events (qr, code, state, authenticated, ready,
// disconnected, logged_out, loading).
(function () {
  'use strict';
  const W = window.WAGATE;
  const UNPAIRED = ['UNPAIRED', 'UNPAIRED_IDLE'];
  const WAITING = ['OPENING', 'UNLAUNCHED', 'PAIRING'];
  // States that are not a disconnection (wwebjs' list plus the start-up UNLAUNCHED).
  const HEALTHY = ['CONNECTED', 'OPENING', 'PAIRING', 'TIMEOUT', 'UNLAUNCHED'];

  W.ops.state = () => ({
    phase: W.phase,
    ready: W.ready,
    version: W.waVersion || '',
    socketState: W.S ? String(W.S.Socket.state || '') : '',
    hasSynced: W.S ? !!W.S.Socket.hasSynced : false,
    missingModules: W.S ? W.S.missing : [],
  });

  const enc = (bytes) => W.need(W.S.B64, 'WABase64').encodeB64(bytes);

  // The QR is ref, noise public key, identity public key, ADV secret and
  // platform, comma-separated (wa-web-internals.md §2.1).
  W.qrString = async function () {
    const S = W.S;
    const ref = S.Conn.ref;
    if (!ref) W.fail('not_ready', 'no QR ref yet');
    const noise = (await W.need(S.InfoStore, 'WAWebUserPrefsInfoStore').waNoiseInfo.get()).staticKeyPair.pubKey;
    const identity = (await W.need(S.Signal, 'WAWebSignalStoreApi').waSignalStore.getRegistrationInfo()).identityKeyPair.pubKey;
    const adv = S.MultiDevice ? S.MultiDevice.getADVSecretKey() : await W.need(S.AdvLegacy, 'WAWebUserPrefsMultiDevice').getADVSecretKey();
    const platform = W.need(S.RegClient, 'WAWebCompanionRegClientUtils').DEVICE_PLATFORM;
    return [ref, enc(noise), enc(identity), adv, platform].join(',');
  };

  W.ops.qr = async () => {
    if (!UNPAIRED.includes(W.S.Socket.state)) W.fail('not_ready', 'not waiting for a QR scan (state ' + W.S.Socket.state + ')');
    return W.qrString();
  };

  W.ops.requestCode = async ({ phone, notify, intervalMs }) => {
    const S = W.S;
    if (!/^\d{7,15}$/.test(String(phone || ''))) W.fail('invalid', 'phone must be international digits without +: ' + phone);
    if (!UNPAIRED.includes(S.Socket.state)) W.fail('not_ready', 'cannot pair by code in state ' + S.Socket.state);
    const alt = W.need(S.AltLink, 'WAWebAltDeviceLinkingApi');
    alt.setPairingType('ALT_DEVICE_LINKING');
    await alt.initializeAltDeviceLinking();
    const code = await alt.startAltLinkingFlow(String(phone), notify !== false);
    // WA expires a code after a while; keep a fresh one while unpaired.
    clearInterval(W.codeTimer);
    W.codeTimer = setInterval(async () => {
      if (!UNPAIRED.includes(S.Socket.state)) { clearInterval(W.codeTimer); return; }
      try { W.emit('code', { code: await alt.startAltLinkingFlow(String(phone), notify !== false) }); } catch (e) { console.warn('wagate: refreshing pairing code failed', e); }
    }, intervalMs || 180000);
    return code;
  };

  W.ops.me = () => {
    const S = W.S;
    const me = W.need(S.MeUser, 'WAWebUserPrefsMeUser');
    const pn = me.getMaybeMePnUser && me.getMaybeMePnUser();
    const lid = me.getMaybeMeLidUser && me.getMaybeMeLidUser();
    const conn = S.Conn.serialize ? S.Conn.serialize() : {};
    return { id: W.str(pn || lid), lid: W.str(lid), pushName: S.Conn.pushname || conn.pushname || '', platform: conn.platform || '' };
  };

  W.ops.logout = async () => {
    await W.S.Socket.logout();
    return true;
  };

  W.emitQR = async function () {
    try {
      const qr = await W.qrString();
      if (qr !== W.lastQR) { W.lastQR = qr; W.emit('qr', { qr }); }
    } catch (e) {
      console.warn('wagate: reading the QR failed', e);
    }
  };

  W.onSocketState = function (state) {
    W.emit('state', { state: String(state) });
    if (state === 'UNPAIRED') W.emitQR();
    // An expired QR: ask for fresh refs, in the page (wwebjs tried this
    // from Node, where window does not exist).
    if (state === 'UNPAIRED_IDLE') { try { W.S.Cmd.refreshQR(); } catch (e) { console.warn('wagate: refreshQR failed', e); } }
    if (!HEALTHY.includes(state) && !UNPAIRED.includes(state)) W.emit('disconnected', { reason: String(state) });
  };

  W.onSynced = function () {
    if (W.ready) return;
    W.emit('authenticated', {});
    W.attachEvents();
    W.ready = true;
    W.phase = 'ready';
    let me = null;
    try { me = W.ops.me(); } catch (e) { me = null; }
    W.emit('ready', { me });
  };

  W.attachAuth = function () {
    const S = W.S;
    S.Socket.on('change:state', (model, state) => W.onSocketState(state));
    S.Socket.on('change:hasSynced', () => W.onSynced());
    S.Conn.on('change:ref', () => { if (S.Socket.state === 'UNPAIRED') W.emitQR(); });
    S.Cmd.on('logout', () => W.emit('logged_out', { reason: 'LOGOUT' }));
    S.Cmd.on('logout_from_bridge', () => W.emit('logged_out', { reason: 'LOGOUT' }));
    S.Cmd.on('offline_progress_update_from_bridge', () => {
      let percent = null;
      try { percent = window.require('WAWebOfflineHandler').OfflineMessageHandler.getOfflineDeliveryProgress(); } catch (e) { percent = null; }
      W.emit('loading', { percent });
    });
    // Where the page already is when we arrive.
    const state = S.Socket.state;
    if (UNPAIRED.includes(state)) W.onSocketState(state);
    else if (!WAITING.includes(state)) {
      W.emit('state', { state: String(state) });
      if (S.Socket.hasSynced) W.onSynced();
    }
  };
})();

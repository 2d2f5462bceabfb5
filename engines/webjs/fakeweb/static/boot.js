// Start-up and login as WhatsApp Web does it: Socket OPENING, then either a
// stored session (CONNECTED, history sync, hasSynced) or UNPAIRED with a
// rotating QR ref, going UNPAIRED_IDLE after a few refs. After a successful
// pairing the page reloads itself, as the real site does. Also the test-only
// control channel: window.__fakeweb, driven from Go over Server-Sent Events.
(function () {
  'use strict';
  const FW = window.__fakewebInternals;
  const cfg = FW.cfg;
  const { Wid, toWid } = FW;
  const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const rand = (n) => { const b = new Uint8Array(n); crypto.getRandomValues(b); return b; };
  const AUTH = 'fakeweb:auth', KEYS = 'fakeweb:keys';

  // Device keys persist in the profile (localStorage), as WA's do in IndexedDB.
  let stored = null;
  try { stored = JSON.parse(localStorage.getItem(KEYS) || 'null'); } catch (e) { stored = null; }
  if (!stored) {
    stored = { noise: b64(rand(32)), identity: b64(rand(32)), adv: b64(rand(32)) };
    localStorage.setItem(KEYS, JSON.stringify(stored));
  }
  FW.keys = { noise: unb64(stored.noise), identity: unb64(stored.identity), adv: stored.adv };

  let refTimer = null, refCount = 0;
  const timers = [];
  const later = (fn, ms) => timers.push(setTimeout(fn, ms));

  function newRef() { return '2@' + b64(rand(36)); }
  function startRefs() {
    clearInterval(refTimer);
    refCount = 1;
    FW.Conn.ref = newRef();
    refTimer = setInterval(() => {
      if (refCount >= cfg.qrRefs) {
        clearInterval(refTimer);
        FW.Socket.state = 'UNPAIRED_IDLE';
        return;
      }
      refCount++;
      FW.Conn.ref = newRef();
    }, cfg.qrRefIntervalMs);
  }
  FW.refreshQR = function () {
    if (!['UNPAIRED', 'UNPAIRED_IDLE'].includes(FW.Socket.state)) return;
    FW.Socket.state = 'UNPAIRED';
    startRefs();
  };

  async function connect(auth) {
    FW.me = new Wid(auth.me + '@c.us');
    FW.meLid = new Wid(auth.lid + '@lid');
    FW.Conn.set({ pushname: auth.pushname, wid: FW.me });
    FW.Socket.state = 'CONNECTED';
    let spec = {};
    try { spec = await (await fetch('/__fakeweb/account')).json(); } catch (e) { console.error('account sync failed', e); }
    try { FW.peopleSpec = await (await fetch('/__fakeweb/people')).json(); } catch (e) { console.error('people sync failed', e); }
    try { FW.savedGroups = await (await fetch('/__fakeweb/groups')).json(); } catch (e) { console.error('groups sync failed', e); }
    FW.loadAccount(spec);
    FW.offlineProgress = 50;
    FW.Cmd.trigger('offline_progress_update_from_bridge');
    later(() => {
      FW.offlineProgress = 100;
      FW.Cmd.trigger('offline_progress_update_from_bridge');
      FW.Socket.hasSynced = true;
    }, cfg.syncDelayMs);
  }

  FW.completePairing = function (phone, pushname) {
    clearInterval(refTimer);
    FW.Socket.state = 'PAIRING';
    const lid = String(100000000000000 + Math.floor(Math.random() * 1e12));
    localStorage.setItem(AUTH, JSON.stringify({ me: phone, lid, pushname: pushname || cfg.pushname }));
    later(() => location.reload(), cfg.reloadAfterPairMs);
  };

  FW.logout = function (origin) {
    clearInterval(refTimer);
    FW.Cmd.trigger(origin === 'phone' ? 'logout_from_bridge' : 'logout');
    localStorage.removeItem(AUTH);
    localStorage.removeItem(KEYS);
    later(() => { location.href = '/?post_logout=1'; }, 50);
  };

  function boot() {
    FW.Socket.state = 'OPENING';
    // The version global appears a little after load, so consumers must wait for it.
    later(() => { window.Debug = { VERSION: cfg.version }; }, cfg.versionDelayMs);
    later(() => {
      let auth = null;
      try { auth = JSON.parse(localStorage.getItem(AUTH) || 'null'); } catch (e) { auth = null; }
      if (auth) connect(auth);
      else { FW.Socket.state = 'UNPAIRED'; startRefs(); }
    }, cfg.versionDelayMs + cfg.openingMs);
  }

  // ---- test hooks (not part of WhatsApp Web) ----
  const hooks = {
    state: () => ({
      socketState: FW.Socket.state, hasSynced: !!FW.Socket.hasSynced, ref: FW.Conn.ref || '',
      me: FW.me ? String(FW.me) : '', pairingCode: FW.pairing ? FW.pairing.code : '', pairingPhone: FW.pairing ? FW.pairing.phone : '',
      chats: FW.Chat.length, msgs: FW.Msg.length, url: location.href,
    }),
    // The account is the scanning phone's (phone, pushname), or the
    // configured one when the test does not say.
    scanQR: ({ qr, phone, pushname }) => {
      if (FW.Socket.state !== 'UNPAIRED') throw new Error('not showing a QR (state ' + FW.Socket.state + ')');
      const p = String(qr).split(',');
      const want = [FW.Conn.ref, b64(FW.keys.noise), b64(FW.keys.identity), FW.keys.adv, require('WAWebCompanionRegClientUtils').DEVICE_PLATFORM];
      if (p.length !== 5 || p.some((v, i) => v !== want[i])) throw new Error('QR does not match the one on screen');
      FW.completePairing(phone || cfg.mePhone, pushname);
      return true;
    },
    confirmPairingCode: ({ code }) => {
      if (!['UNPAIRED', 'UNPAIRED_IDLE'].includes(FW.Socket.state)) throw new Error('not pairing (state ' + FW.Socket.state + ')');
      if (!FW.pairing || String(code).replace('-', '') !== FW.pairing.code) throw new Error('wrong pairing code');
      FW.completePairing(FW.pairing.phone);
      return true;
    },
    rotateRef: () => { FW.Conn.ref = newRef(); return FW.Conn.ref; },
    expireQR: () => { clearInterval(refTimer); FW.Socket.state = 'UNPAIRED_IDLE'; return true; },
    // setSocketState forces Socket.state, e.g. CONFLICT (WA open in another
    // tab), TOS_BLOCK, or CONNECTED again after a takeover.
    setSocketState: ({ state }) => { FW.Socket.state = String(state); return true; },
    logoutFromPhone: () => { FW.logout('phone'); return true; },
    reload: () => { later(() => location.reload(), 20); return true; },
    stall: ({ name }) => { FW.stalls.add(name); return true; },
    unstall: ({ name }) => { FW.stalls.delete(name); return true; },
    sync: async () => {
      const spec = await (await fetch('/__fakeweb/account')).json();
      FW.peopleSpec = await (await fetch('/__fakeweb/people')).json();
      FW.savedGroups = await (await fetch('/__fakeweb/groups')).json();
      FW.loadAccount(spec);
      return FW.Chat.length;
    },
    receiveMessage: (a) => FW.receive(a),
    phoneSend: (a) => FW.phoneSend(a),
    receipt: ({ id, ack }) => {
      const m = FW.findMsg(id);
      if (!m.id.fromMe) throw new Error('receipts are for own messages');
      if (ack > m.ack) m.ack = ack;
      return m.ack;
    },
    remoteEdit: ({ id, body }) => {
      const m = FW.findMsg(id);
      if (m.id.fromMe) throw new Error('the other side can only edit its own messages');
      FW.edit(m, body);
      return true;
    },
    remoteRevoke: ({ id }) => {
      const m = FW.findMsg(id);
      if (m.id.fromMe) throw new Error('the other side can only revoke its own messages');
      FW.revoke(m, false, true);
      return true;
    },
    phoneArchive: ({ chatId, archived }) => { const c = FW.findChat(chatId); c.set(archived ? { archive: true, pin: 0 } : { archive: false }); return true; },
    phonePinChat: ({ chatId, pinned }) => { FW.findChat(chatId).pin = pinned ? FW.nowSec() : 0; return true; },
    phoneMarkUnread: ({ chatId, unread }) => { FW.findChat(chatId).unreadCount = unread ? -1 : 0; return true; },
    phoneDeleteChat: ({ chatId }) => { FW.deleteChat(FW.findChat(chatId)); return true; },
    chat: ({ chatId }) => {
      const c = FW.findChat(chatId);
      return { id: String(c.id), t: c.t, unreadCount: c.unreadCount, archive: !!c.archive, pin: c.pin || 0, loaded: c.msgs.length, history: (FW.history.get(String(c.id)) || []).length };
    },
    message: ({ id }) => {
      const m = FW.Msg.get(id);
      return m ? msgState(m) : null;
    },
    // chats lists every chat with its newest loaded message.
    chats: () => FW.Chat.getModelsArray().map((c) => {
      const last = c.msgs.last();
      return {
        id: String(c.id), t: c.t, unreadCount: c.unreadCount, archive: !!c.archive, pin: c.pin || 0, loaded: c.msgs.length,
        history: (FW.history.get(String(c.id)) || []).length, lastMsgId: last ? String(last.id) : '',
        lastReceivedKey: c.lastReceivedKey ? String(c.lastReceivedKey) : '', isGroup: c.id.isGroup(), title: c.formattedTitle || '',
      };
    }),
    contacts: () => FW.Contact.getModelsArray().map((c) => ({
      id: String(c.id), name: c.name || '', pushname: c.pushname || '', type: c.type || '', blocked: c.isContactBlocked,
      lid: c.id.isUser() ? String(FW.alternateWid(c.id) || '') : '',
    })),
    reactions: ({ id }) => Array.from((FW.reactionRows.get(String(FW.findMsg(id).id)) || new Map()).values()).map((r) => ({
      sender: String(r.author || r.from), reaction: r.reactionText, fromMe: !!r.id.fromMe, t: r.reactionTimestamp,
    })),
    remoteReact: ({ id, from, reaction }) => FW.react(FW.findMsg(id), reaction, toWid(from), false).then(() => true),
    presence: () => ({ state: FW.presence.state, log: FW.presence.log.slice() }),
    chatStates: () => FW.chatStates.slice(),
    registered: ({ id }) => FW.registered.has(String(toWid(id))),
    // incomingCall is a call offer reaching the tab.
    incomingCall: ({ from, isVideo }) => {
      const peer = toWid(from);
      const id = FW.hex(32);
      FW.Call.add({ id, peerJid: peer, isVideo: !!isVideo, isGroup: false, canHandleLocally: true, outgoing: false, webClientShouldHandle: true, participants: [], offerTime: FW.nowSec() });
      return id;
    },
    pins: ({ chatId }) => FW.pins.filter((r) => r.chatId === String(FW.findChat(chatId).id)).map((r) => ({ msgId: String(r.parentMsgKey), pinType: r.pinType, expiry: r.expiry, duration: r.duration })),
    chatExists: ({ chatId }) => !!FW.Chat.get(chatId),
    // messages lists a chat's loaded messages, oldest first (what the other
    // side of the conversation has seen of it).
    messages: ({ chatId }) => FW.findChat(chatId).msgs.getModelsArray().map(msgState),
  };
  function msgState(m) {
    const out = {
      id: String(m.id), type: m.type, body: m.body || '', caption: m.caption || '', ack: m.ack, star: !!m.star, t: m.t,
      fromMe: !!m.id.fromMe, edited: !!m.latestEditMsgKey, hasReaction: !!m.hasReaction,
    };
    // What the other side receives of a media message: where the file is
    // and how it is encrypted, and what shows before it is downloaded.
    if (m.directPath) {
      out.media = {
        directPath: m.directPath, mediaKey: m.mediaKey || '', filehash: m.filehash || '', encFilehash: m.encFilehash || '',
        mimetype: m.mimetype || '', filename: m.filename || '', size: m.size || 0, duration: Number(m.duration) || 0,
        width: m.width || 0, height: m.height || 0, waveform: m.waveform ? Array.from(m.waveform) : [],
        preview: m.body || '', quotedStanzaID: m.quotedStanzaID ? String(m.quotedStanzaID) : '',
        mentions: (m.mentionedJidList || []).map(String),
      };
    }
    return out;
  }
  Object.assign(hooks, FW.peopleHooks);
  // Hooks of the other static files (chatting.js).
  Object.assign(hooks, FW.moreHooks || {});
  window.__fakeweb = hooks;

  function control() {
    const es = new EventSource('/__fakeweb/control');
    es.onmessage = async (e) => {
      const cmd = JSON.parse(e.data);
      const reply = { id: cmd.id };
      try {
        if (!hooks[cmd.op]) throw new Error('unknown hook ' + cmd.op);
        const r = await hooks[cmd.op](cmd.args || {});
        reply.result = r === undefined ? null : r;
      } catch (err) {
        reply.error = String((err && err.message) || err);
      }
      fetch('/__fakeweb/result', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(reply) });
    };
  }

  control();
  boot();
})();

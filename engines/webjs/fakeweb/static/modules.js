// The WhatsApp Web modules the research notes document (wa-web-internals.md
// §1.2, §2, §5, §8), registered through __d under their real names. Every
// exported function can be "stalled" by the test hook so a caller sees a
// promise that never settles, as with a wedged WA build.
(function () {
  'use strict';
  const FW = window.__fakewebInternals;
  const { MsgKey, Wid, toWid } = FW;
  const never = () => new Promise(() => {});

  function stallable(name, fn) {
    return function (...args) {
      if (FW.stalls.has(name)) return never();
      return fn.apply(this, args);
    };
  }
  function def(name, exportsObj) {
    window.__d(name, [], function (g, r, i, n, module, exports) {
      for (const [k, v] of Object.entries(exportsObj)) {
        exports[k] = typeof v === 'function' && !/^[A-Z]/.test(k) ? stallable(name + '.' + k, v) : v;
      }
    }, 1);
  }
  function defCallable(name, value) {
    window.__d(name, [], function (g, r, i, n, module) { module.exports = value; }, 1);
  }
  FW.def = def;
  FW.statusError = (code) => {
    const err = new Error('server status code ' + code);
    err.name = 'ServerStatusCodeError';
    err.statusCode = code;
    return err;
  };
  const chatOf = (x) => FW.Chat.get(x && x.id ? x.id : x);
  const requireChat = (chat) => {
    if (!chat || !FW.Chat.get(chat.id)) throw new Error('chat not found');
    return chat;
  };

  // --- collections, sockets, ids ---
  def('WAWebCollections', {
    Chat: FW.Chat, Msg: FW.Msg, Contact: FW.Contact, GroupMetadata: FW.GroupMetadata,
    ProfilePicThumb: FW.ProfilePicThumb, Blocklist: FW.Blocklist, Reactions: FW.Reactions, Presence: FW.Presence,
  });
  // Calls have had a module of their own since 2026-04: the collection itself.
  defCallable('WAWebCallCollection', FW.Call);
  def('WAWebSocketModel', { Socket: FW.Socket });
  def('WAWebConnModel', { Conn: FW.Conn });
  def('WAWebStreamModel', {
    Stream: {
      markAvailable: stallable('WAWebStreamModel.markAvailable', () => FW.Stream.set('available', true)),
      markUnavailable: stallable('WAWebStreamModel.markUnavailable', () => FW.Stream.set('available', false)),
    },
  });
  defCallable('WAWebWid', Wid);
  defCallable('WAWebMsgKey', MsgKey);
  def('WAWebWidFactory', {
    // A string or anything Wid-like ({_serialized} or {user, server}).
    createWid: (s) => toWid(s),
    createWidFromWidLike: (x) => toWid(x),
    asUserWidOrThrow: (w) => { const wid = toWid(w); if (!wid.isUser()) throw new Error('not a user wid: ' + wid); return wid; },
  });
  def('WAWebUserPrefsMeUser', {
    getMaybeMePnUser: () => FW.me,
    getMaybeMeLidUser: () => (FW.meLid || null),
  });

  // --- the Cmd singleton: an emitter with chat commands ---
  const C = FW.Cmd;
  C.archiveChat = stallable('WAWebCmd.archiveChat', async (chat, archive) => {
    requireChat(chat);
    chat.set(archive ? { archive: true, pin: 0 } : { archive: false });
    return true;
  });
  C.pinChat = stallable('WAWebCmd.pinChat', async (chat, pin) => {
    requireChat(chat);
    if (pin && FW.Chat.getModelsArray().filter((c) => c.pin).length >= 3) throw new Error('max pinned chats reached');
    chat.set('pin', pin ? FW.nowSec() : 0);
    return true;
  });
  // markChatUnread(chat, true) sets unreadCount to -1: "marked unread" with
  // no count, as older builds showed; (chat, false) clears it.
  C.markChatUnread = stallable('WAWebCmd.markChatUnread', async (chat, unread) => {
    requireChat(chat);
    chat.set('unreadCount', unread ? -1 : 0);
    return true;
  });
  C.sendRevokeMsgs = stallable('WAWebCmd.sendRevokeMsgs', async (chat, { list }, opts) => {
    requireChat(chat);
    for (const msg of list) {
      const cap = require('WAWebMsgActionCapability');
      if (!cap.canSenderRevokeMsg(msg) && !cap.canAdminRevokeMsg(msg)) throw new Error('cannot revoke this message');
      FW.revoke(msg, true, opts && opts.clearMedia);
    }
  });
  C.sendDeleteMsgs = stallable('WAWebCmd.sendDeleteMsgs', async (chat, { list }) => {
    requireChat(chat);
    for (const msg of list) { FW.Msg.remove(msg); chat.msgs.remove(msg); }
  });
  C.sendStarMsgs = stallable('WAWebCmd.sendStarMsgs', async (chat, list) => { for (const m of list) m.star = true; });
  C.sendUnstarMsgs = stallable('WAWebCmd.sendUnstarMsgs', async (chat, list) => { for (const m of list) m.star = false; });
  C.refreshQR = stallable('WAWebCmd.refreshQR', () => FW.refreshQR());
  def('WAWebCmd', { Cmd: C });
  def('WAWebLaunchSocketUtils', { refreshQR: () => FW.refreshQR() });
  def('WAWebOfflineHandler', { OfflineMessageHandler: { getOfflineDeliveryProgress: () => FW.offlineProgress || 0 } });

  // --- auth: QR pieces and pairing code ---
  const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  def('WABase64', {
    encodeB64: b64,
    decodeB64: (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)),
  });
  def('WAWebUserPrefsInfoStore', { waNoiseInfo: { get: async () => ({ staticKeyPair: { pubKey: FW.keys.noise, privKey: new Uint8Array(32) } }) } });
  def('WAWebSignalStoreApi', { waSignalStore: { getRegistrationInfo: async () => ({ registrationId: 1234, identityKeyPair: { pubKey: FW.keys.identity, privKey: new Uint8Array(32) } }) } });
  def('WAWebUserPrefsMultiDevice', { getADVSecretKey: () => FW.keys.adv });
  def('WAWebAdvSignatureApi', { getADVSecretKey: async () => FW.keys.adv });
  def('WAWebCompanionRegClientUtils', { DEVICE_PLATFORM: FW.cfg.devicePlatform || '1' });
  const CODE_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTVWXYZ';
  def('WAWebAltDeviceLinkingApi', {
    setPairingType: (t) => { FW.pairingType = t; },
    initializeAltDeviceLinking: async () => { FW.altLinkingReady = true; },
    initializeQRLinking: async () => { FW.pairingType = 'QR'; FW.pairing = null; },
    startAltLinkingFlow: async (phone, showNotification) => {
      if (!FW.altLinkingReady || FW.pairingType !== 'ALT_DEVICE_LINKING') throw new Error('alt device linking not initialized');
      if (!/^\d{7,15}$/.test(String(phone))) throw new Error('invalid phone number');
      if (!['UNPAIRED', 'UNPAIRED_IDLE'].includes(FW.Socket.state)) throw new Error('not in a pairing state');
      const b = new Uint8Array(8);
      crypto.getRandomValues(b);
      const code = Array.from(b, (x) => CODE_ALPHABET[x % 32]).join('');
      FW.pairing = { phone: String(phone), code, showNotification: !!showNotification };
      return code;
    },
  });
  def('WAWebMiscBrowserUtils', { info: () => ({ os: 'Linux', name: 'Chrome', version: '156' }) });

  // --- chats ---
  def('WAWebFindChatAction', {
    findOrCreateLatestChat: async (wid) => {
      const w = toWid(wid);
      let chat = FW.Chat.get(w);
      if (!chat) chat = FW.Chat.add({ id: w, t: FW.nowSec(), unreadCount: 0, archive: false, pin: 0, muteExpiration: 0, notSpam: true, formattedTitle: FW.titleFor(w) })[0];
      return { chat, created: false };
    },
  });
  def('WAWebChatGetters', {
    getIsNewsletter: (c) => c.id.isNewsletter(),
    getIsBroadcast: (c) => c.id.isBroadcast(),
    getIsGroup: (c) => c.id.isGroup(),
  });
  def('WAWebDeleteChatAction', {
    sendDelete: async (chat) => { requireChat(chat); FW.deleteChat(chat); return { status: 200 }; },
  });
  def('WAWebChatClearBridge', {
    sendClear: async (chat, keepStarred) => { requireChat(chat); FW.clearChat(chat, keepStarred); return { status: 200 }; },
  });
  def('WAWebUpdateUnreadChatAction', {
    sendSeen: async (arg) => {
      // Since 2026-01-30 the only form is an options object {chat, threadId}.
      if (!arg || !arg.chat) throw new TypeError("Cannot read properties of undefined (reading 'id')");
      requireChat(arg.chat);
      // The read receipts the server gets: the unread messages others sent.
      const n = arg.chat.unreadCount > 0 ? arg.chat.unreadCount : 0;
      const unread = n ? arg.chat.msgs.getModelsArray().filter((m) => !m.id.fromMe && !m.isNotification).slice(-n) : [];
      if (unread.length) FW.readReceipts.push({ chatId: String(arg.chat.id), ids: unread.map((m) => String(m.id)), t: Date.now() });
      arg.chat.set('unreadCount', 0);
    },
    markSeen: async (chat) => { requireChat(chat); chat.set('unreadCount', 0); },
  });
  def('WAWebChatLoadMessages', {
    loadEarlierMsgs: async (arg) => {
      // The positional form of older builds fails exactly as the real one.
      if (!arg || !arg.chat) throw new TypeError("Cannot read properties of undefined (reading 'waitForChatLoading')");
      const chat = arg.chat;
      const coll = arg.msgCollection || chat.msgs;
      const rows = FW.history.get(String(chat.id)) || [];
      if (!rows.length) return [];
      const page = rows.splice(Math.max(0, rows.length - 50));
      const models = page.map((r) => new FW.MsgModel(r));
      FW.Msg.add(models, { silent: true });
      coll.add(models, { silent: true });
      return models;
    },
  });
  const statusError = (code) => {
    const err = new Error('server status code ' + code);
    err.name = 'ServerStatusCodeError';
    err.statusCode = code;
    return err;
  };
  const isMine = (wid) => String(wid) === String(FW.me) || String(wid) === String(FW.meLid);
  const JPEG_URL = 'data:image/jpeg;base64,';
  def('WAWebContactProfilePicThumbBridge', {
    requestProfilePicFromServer: async (arg) => {
      const wid = toWid(arg && arg.id ? arg.id : arg);
      if (wid.isGroup()) {
        const url = FW.groupPictureURL(wid);
        if (url) return { eurl: url, tag: url.split('/').pop(), token: 't', stale: false };
        throw statusError(404);
      }
      const chat = FW.Chat.get(wid);
      if (chat && chat.__x._picture) return { eurl: location.origin + '/__fakeweb/pp/' + wid.user + '.jpg', tag: '1', token: 't', stale: false };
      const url = FW.pictureOf(wid);
      if (url) return { eurl: url, tag: url.split('/').pop(), token: 't', stale: false };
      throw statusError(404);
    },
    // sendSetPicture uploads the own picture: a 96 px thumbnail and the 640 px
    // picture as JPEG data URLs (what wwebjs' cropAndResizeImage makes).
    sendSetPicture: async (wid, thumbURL, picURL) => {
      const group = toWid(wid).isGroup();
      if (group ? !FW.canEditGroupInfo(wid) : !isMine(toWid(wid))) throw statusError(401);
      if (!String(thumbURL).startsWith(JPEG_URL) || !String(picURL).startsWith(JPEG_URL)) throw statusError(406);
      const body = JSON.stringify({ picture: String(picURL).slice(JPEG_URL.length), thumbnail: String(thumbURL).slice(JPEG_URL.length) });
      if (group) {
        // A group's picture is the server's, and every member is told.
        const res = await fetch('/__fakeweb/pictures', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body });
        if (!res.ok) throw statusError(res.status);
        const { id } = await res.json();
        FW.groupServer.picture(FW.serverGroups.get(String(toWid(wid))), FW.me, id);
        const thumb = FW.ProfilePicThumb.get(toWid(wid));
        if (thumb) thumb.set({ eurl: FW.pictureOf(wid), img: FW.pictureOf(wid) });
        return { status: 200, eurl: FW.pictureOf(wid), tag: id };
      }
      const res = await fetch('/__fakeweb/own/picture', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body });
      if (!res.ok) throw statusError(res.status);
      const { id } = await res.json();
      FW.own.picture = id;
      const thumb = FW.ProfilePicThumb.get(toWid(wid));
      if (thumb) thumb.set({ eurl: FW.pictureOf(wid), img: FW.pictureOf(wid) });
      return { status: 200, eurl: FW.pictureOf(wid), tag: id };
    },
    requestDeletePicture: async (wid) => {
      if (toWid(wid).isGroup()) {
        if (!FW.canEditGroupInfo(wid)) throw statusError(401);
        FW.groupServer.picture(FW.serverGroups.get(String(toWid(wid))), FW.me, null);
        const thumb = FW.ProfilePicThumb.get(toWid(wid));
        if (thumb) thumb.set({ eurl: undefined, img: undefined });
        return { status: 200 };
      }
      if (!isMine(toWid(wid))) throw statusError(401);
      const res = await fetch('/__fakeweb/own/picture', { method: 'DELETE' });
      if (!res.ok) throw statusError(res.status);
      FW.own.picture = null;
      const thumb = FW.ProfilePicThumb.get(toWid(wid));
      if (thumb) thumb.set({ eurl: undefined, img: undefined });
      return { status: 200 };
    },
  });

  // --- messages ---
  const EDIT_WINDOW = 15 * 60;
  const REVOKE_WINDOW = 2 * 24 * 3600 + 12 * 3600;
  def('WAWebMsgActionCapability', {
    canEditText: (m) => m.id.fromMe && m.type === 'chat' && FW.nowSec() - m.t < EDIT_WINDOW,
    canEditCaption: (m) => m.id.fromMe && !!m.directPath && FW.nowSec() - m.t < EDIT_WINDOW,
    canSenderRevokeMsg: (m) => m.id.fromMe && m.type !== 'revoked' && FW.nowSec() - m.t < REVOKE_WINDOW,
    canAdminRevokeMsg: (m) => {
      if (m.id.fromMe || m.type === 'revoked' || !m.id.remote.isGroup()) return false;
      const gm = FW.GroupMetadata.get(m.id.remote);
      const mine = new Set([String(FW.me), String(FW.meLid)]);
      return !!(gm && (gm.participants || []).some((p) => mine.has(String(p.id)) && p.isAdmin));
    },
    canStarMsg: (m) => m.type !== 'revoked',
  });
  def('WAWebGetEphemeralFieldsMsgActionsUtils', { getEphemeralFields: () => ({}) });
  def('WAWebMsgReply', { canReplyMsg: (m) => !!m && m.type !== 'revoked' });
  def('WAWebQuotedMsgModelUtils', { getQuotedMsgObj: (m) => (m.quotedStanzaID ? m.quotedMsg : null) });
  const LINK_RE = /\bhttps?:\/\/[^\s]+/gi;
  def('WALinkify', {
    findLink: (t) => { const m = String(t || '').match(LINK_RE); return m ? { href: m[0], url: m[0] } : null; },
    findLinks: (t) => (String(t || '').match(LINK_RE) || []).map((h) => ({ href: h, url: h, suspiciousCharacters: undefined })),
  });
  def('WAWebSendMsgChatAction', {
    addAndSendMsgToChat: (chat, msgData) => {
      requireChat(chat);
      const msg = new FW.MsgModel(Object.assign({ ack: 0, isNewMsg: true, local: true, self: 'out' }, msgData));
      FW.Msg.add(msg);
      chat.msgs.add(msg);
      chat.set({ t: msg.t });
      const added = Promise.resolve([msg]);
      const sent = new Promise((resolve) => {
        if (chat.id.isGroup()) {
          // The group's server fans it out (or refuses it); members' receipts move the ack.
          setTimeout(() => resolve({ messageSendResult: FW.sentToGroup(msg) ? 'OK' : 'ERROR_UNKNOWN' }), 40);
          return;
        }
        setTimeout(() => { msg.ack = Math.max(msg.ack, 1); resolve({ messageSendResult: 'OK' }); }, 40);
        if (FW.cfg.autoDeliver) setTimeout(() => { if (msg.ack < 2) msg.ack = 2; }, 120);
      });
      return [added, sent];
    },
  });
  def('WAWebSendMessageEditAction', {
    sendMessageEdit: async (msg, text, opts) => {
      const cap = require('WAWebMsgActionCapability');
      if (!cap.canEditText(msg) && !cap.canEditCaption(msg)) throw new Error('cannot edit this message');
      FW.edit(msg, text);
      return { messageSendResult: 'OK' };
    },
  });
  // downloadAndMaybeDecrypt fetches the encrypted blob from the "CDN",
  // checks its hash and MAC, and decrypts it (HKDF-SHA256 → AES-256-CBC).
  const MEDIA_INFO = {
    image: 'WhatsApp Image Keys', sticker: 'WhatsApp Image Keys', video: 'WhatsApp Video Keys', gif: 'WhatsApp Video Keys',
    audio: 'WhatsApp Audio Keys', ptt: 'WhatsApp Audio Keys', document: 'WhatsApp Document Keys',
  };
  const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const toB64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)));
  async function decryptMedia(blob, mediaKeyB64, type) {
    const subtle = crypto.subtle;
    const ikm = await subtle.importKey('raw', fromB64(mediaKeyB64), 'HKDF', false, ['deriveBits']);
    const bits = new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: new TextEncoder().encode(MEDIA_INFO[type] || MEDIA_INFO.document) }, ikm, 112 * 8));
    const iv = bits.slice(0, 16), cipherKey = bits.slice(16, 48), macKey = bits.slice(48, 80);
    const data = new Uint8Array(blob);
    const enc = data.slice(0, data.length - 10), mac = data.slice(data.length - 10);
    const hk = await subtle.importKey('raw', macKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const joined = new Uint8Array(iv.length + enc.length);
    joined.set(iv); joined.set(enc, iv.length);
    const want = new Uint8Array(await subtle.sign('HMAC', hk, joined)).slice(0, 10);
    if (want.some((b, i) => b !== mac[i])) throw new Error('media MAC mismatch');
    const ck = await subtle.importKey('raw', cipherKey, { name: 'AES-CBC' }, false, ['decrypt']);
    return subtle.decrypt({ name: 'AES-CBC', iv }, ck, enc);
  }
  def('WAWebDownloadManager', {
    downloadManager: {
      downloadAndMaybeDecrypt: stallable('WAWebDownloadManager.downloadAndMaybeDecrypt', async ({ directPath, mediaKey, type, encFilehash, filehash, signal }) => {
        if (!directPath) throw new Error('no directPath');
        const res = await fetch(directPath, { signal });
        if (!res.ok) { const e = new Error('media fetch ' + res.status); e.status = res.status; throw e; }
        const blob = await res.arrayBuffer();
        if (encFilehash && toB64(await crypto.subtle.digest('SHA-256', blob)) !== encFilehash) throw new Error('encrypted file hash mismatch');
        if (!mediaKey) return blob;
        const plain = await decryptMedia(blob, mediaKey, type);
        if (filehash && toB64(await crypto.subtle.digest('SHA-256', plain)) !== filehash) throw new Error('file hash mismatch');
        return plain;
      }),
    },
  });
  def('WAWebPinMsgConstants', { getPinExpiryDuration: () => 604800 });
  def('WAWebPinInChatSchema', {
    getTable: () => ({
      equals: async (fields, value) => {
        if (fields[0] !== 'chatId') throw new Error('unsupported index');
        const now = FW.nowSec();
        return FW.pins.filter((r) => r.chatId === String(value) && r.expiry > now).map((r) => Object.assign({}, r));
      },
    }),
  });
  def('WAWebSendPinMessageAction', {
    sendPinInChatMsg: async (msg, action, duration) => {
      const chatId = String(msg.id.remote);
      FW.pins = FW.pins.filter((r) => String(r.parentMsgKey) !== String(msg.id));
      if (action === 1) {
        // The expiry comes from the constants module, not from the argument,
        // which is why callers override getPinExpiryDuration around the call.
        const secs = require('WAWebPinMsgConstants').getPinExpiryDuration();
        FW.pins.push({ chatId, parentMsgKey: msg.id, pinType: 1, t: FW.nowSec(), expiry: FW.nowSec() + secs, duration: secs });
        const forChat = FW.pins.filter((r) => r.chatId === chatId);
        if (forChat.length > 3) FW.pins.splice(FW.pins.indexOf(forChat[0]), 1);
      } else if (action !== 2) {
        throw new Error('unknown pin action ' + action);
      }
      return { messageSendResult: 'OK' };
    },
  });

  // --- reactions: the addon table (whose bulkUpsert every reaction passes
  // through), and sending one ---
  const reactionTableMode = {
    bulkUpsert: async (rows) => {
      for (const r of rows) {
        const parent = String(r.reactionParentKey);
        if (!FW.reactionRows.has(parent)) FW.reactionRows.set(parent, new Map());
        const bySender = FW.reactionRows.get(parent);
        const sender = String(r.author || r.from);
        if (r.reactionText) bySender.set(sender, r); else bySender.delete(sender);
        const msg = FW.Msg.get(parent);
        if (msg) msg.set('hasReaction', bySender.size > 0);
      }
      return rows;
    },
  };
  def('WAWebAddonReactionTableMode', { reactionTableMode });
  // react records sender's reaction (emoji, '' to take it back) on msg.
  FW.react = function (msg, emoji, sender, fromMe) {
    const group = msg.id.remote.isGroup();
    const key = new MsgKey({ fromMe, remote: msg.id.remote, id: fromMe ? MsgKey.newIdSync() : FW.hex(32), participant: group ? sender : undefined });
    const row = {
      id: key, reactionParentKey: msg.id, reactionText: String(emoji || ''), reactionTimestamp: Date.now(),
      from: sender, author: group ? sender : undefined, orphan: 0, read: fromMe, ack: fromMe ? 1 : 0,
    };
    return require('WAWebAddonReactionTableMode').reactionTableMode.bulkUpsert([row]);
  };
  def('WAWebSendReactionMsgAction', {
    sendReactionToMsg: async (msg, emoji) => {
      if (!msg || !FW.Msg.get(msg.id)) throw new Error('message not found');
      if (msg.type === 'revoked') throw new Error('cannot react to a deleted message');
      const gm = FW.GroupMetadata.get(msg.id.remote);
      const me = gm && gm.isLidAddressingMode ? FW.meLid : FW.me;
      await FW.react(msg, emoji, me, true);
      return { messageSendResult: 'OK' };
    },
  });

  // --- presence and chat states, recorded as the server receives them ---
  def('WAWebPresenceChatAction', {
    sendPresenceAvailable: async () => { FW.presence.state = 'available'; FW.presence.log.push({ state: 'available', t: Date.now() }); },
    sendPresenceUnavailable: async () => { FW.presence.state = 'unavailable'; FW.presence.log.push({ state: 'unavailable', t: Date.now() }); },
  });
  const chatState = (state) => async (wid) => {
    const w = toWid(wid);
    if (!w.isUser() && !w.isGroup()) throw new Error('no chat state for ' + w);
    FW.chatStates.push({ chatId: String(w), state, t: Date.now() });
  };
  def('WAWebChatStateBridge', {
    sendChatStateComposing: chatState('composing'),
    sendChatStateRecording: chatState('recording'),
    sendChatStatePaused: chatState('paused'),
  });

  // --- contacts, LIDs, number lookups ---
  def('WAWebLidMigrationUtils', {
    // toPn gives the phone-number wid of a LID (null if unknown); a PN is itself.
    toPn: (wid) => { const w = toWid(wid); return w.isLid() ? FW.alternateWid(w) : w.server === 'c.us' ? w : null; },
    toLid: (wid) => { const w = toWid(wid); return w.isLid() ? w : FW.alternateWid(w); },
  });
  def('WAWebApiContact', {
    getCurrentLid: (wid) => { const w = toWid(wid); return w.isLid() ? w : FW.alternateWid(w); },
    getPhoneNumber: (wid) => { const w = toWid(wid); return w.isLid() ? FW.alternateWid(w) : w; },
    getAlternateUserWid: (wid) => FW.alternateWid(wid),
  });
  const isMe = (c) => String(c.id) === String(FW.me) || String(c.id) === String(FW.meLid);
  def('WAWebContactGetters', {
    getIsMe: isMe,
    getIsUser: (c) => c.id.isUser(),
    getIsGroup: (c) => c.id.isGroup(),
    getIsWAContact: (c) => c.id.isGroup() || FW.registered.has(String(c.id)),
    getUserid: (c) => c.id.user,
    getName: (c) => c.name,
    getShortName: (c) => c.shortName,
    getPushname: (c) => c.pushname,
    getVerifiedName: (c) => c.verifiedName,
    getVerifiedLevel: (c) => c.verifiedLevel,
    getStatusMute: (c) => !!c.statusMute,
    getIsEnterprise: (c) => !!c.isEnterprise,
  });
  // In the phone's address book: a saved contact (not a group, not me).
  def('WAWebFrontendContactGetters', { getIsMyContact: (c) => c.type === 'in' && c.id.isUser() && !isMe(c) });
  // queryWidExists is the usync query: the server answers for users on
  // WhatsApp (and the answer teaches the page their LID), null otherwise.
  def('WAWebQueryExistsJob', {
    queryWidExists: async (wid) => {
      const w = toWid(wid);
      if (!w.isUser()) throw new Error('not a user wid: ' + w);
      if (!FW.registered.has(String(w))) return null;
      // The answer carries the user's LID, which the page keeps from then on.
      const peer = FW.peerOf(w);
      if (peer && peer.lid) FW.mapLid(peer.pn, peer.lid);
      const lid = FW.alternateWid(w);
      return { wid: w.isLid() ? (lid || w) : w, lid: w.isLid() ? w : lid, biz: false, disappearingMode: { duration: 0 } };
    },
  });

  // --- undecryptable messages: WA asks the sender's phone to resend them
  // (placeholder resend), when the gate allows ---
  def('WAWebSyncGatingUtils', { isPlaceholderMessageResendEnabled: () => false });
  def('WAWebNonMessageDataRequestPlaceholderMessageResendUtils', {
    handlePlaceholderMsgsSeen: async (msgs) => {
      if (!require('WAWebSyncGatingUtils').isPlaceholderMessageResendEnabled()) return false;
      for (const msg of msgs) {
        const plain = FW.ciphertexts.get(String(msg.id));
        if (msg.type !== 'ciphertext' || plain === undefined) continue;
        FW.ciphertexts.delete(String(msg.id));
        // The phone's resend arrives a round trip later.
        setTimeout(() => msg.set({ type: 'chat', body: plain }), 50);
      }
      return true;
    },
  });
})();

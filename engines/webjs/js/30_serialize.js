// Serializers from WhatsApp Web models to our unified shapes (WAHA's
// WAMessage and chat objects). Ids are derived with String(key), never
// key._serialized, which WA ≥ 2.3000.1042401057 no longer sets.
(function () {
  'use strict';
  const W = window.WAGATE;
  const ACK_NAMES = { '-1': 'ERROR', 0: 'PENDING', 1: 'SERVER', 2: 'DEVICE', 3: 'READ', 4: 'PLAYED' };
  W.ACK_NAMES = ACK_NAMES;

  const str = (x) => (x == null || x === '' ? null : String(x));
  W.str = str;
  const isWid = (v) => v && typeof v === 'object' && typeof v.server === 'string' && typeof v.user === 'string';
  const isKey = (v) => v && typeof v === 'object' && 'fromMe' in v && 'remote' in v && 'id' in v;

  // plain turns a model's serialized props into JSON-safe data for the raw
  // `_data` / `_chat` fields: ids flattened, binaries and functions dropped.
  W.plain = function plain(v, depth) {
    depth = depth || 0;
    if (v == null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return undefined;
    if (isKey(v)) {
      const o = { fromMe: !!v.fromMe, remote: String(v.remote), id: String(v.id), _serialized: String(v) };
      if (v.participant) o.participant = String(v.participant);
      return o;
    }
    if (isWid(v)) return { server: v.server, user: v.user, _serialized: String(v) };
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return undefined;
    if (depth >= 3) return undefined;
    if (Array.isArray(v)) return v.slice(0, 100).map((x) => plain(x, depth + 1));
    const src = typeof v.serialize === 'function' ? v.serialize() : v;
    const out = {};
    for (const k of Object.keys(src)) {
      const x = plain(src[k], depth + 1);
      if (x !== undefined) out[k] = x;
    }
    return out;
  };

  W.rawMsg = function (msg) {
    const raw = W.plain(msg.serialize ? msg.serialize() : msg) || {};
    delete raw.pendingAckUpdate;
    raw.id = W.plain(msg.id);
    return raw;
  };

  // Types of a quoted message that carry a file (WA's media message types).
  const QUOTED_MEDIA = ['image', 'video', 'audio', 'ptt', 'document', 'sticker'];

  function isGroupWid(w) { return !!w && String(w).endsWith('@g.us'); }

  // phoneIdOf is a user's phone id when the page knows it for a LID (groups in
  // LID addressing mode name members by LID): a group message's and
  // receipt's `participant` is the phone id, as WAHA's other engines report
  // it; the raw LID stays in `author` and `_data`.
  W.phoneIdOf = function (id) {
    const s = str(id);
    if (!s || !s.endsWith('@lid') || !W.S || !W.S.LidUtils) return s;
    try {
      const pn = W.S.LidUtils.getPhoneNumber(W.S.WidFactory.createWid(s));
      return pn ? String(pn) : s;
    } catch (e) { return s; }
  };

  W.msgJSON = function (msg) {
    const key = msg.id;
    const id = String(key);
    const hasMedia = !!msg.directPath;
    let body;
    if (msg.type === 'revoked') body = '';
    else if (hasMedia) body = msg.caption || '';
    else body = msg.body || msg.pollName || msg.eventName || '';
    const group = isGroupWid(key.remote);
    const author = str(msg.author) || (group ? str(key.participant) : null);
    const ack = typeof msg.ack === 'number' ? msg.ack : null;
    const out = {
      id,
      timestamp: msg.t || 0,
      from: str(msg.from),
      fromMe: !!key.fromMe,
      to: str(msg.to),
      participant: group ? W.phoneIdOf(str(key.participant) || author) : null,
      author: author,
      body,
      type: msg.type || '',
      hasMedia,
      ack,
      ackName: ack === null ? 'UNKNOWN' : (ACK_NAMES[ack] || 'UNKNOWN'),
      isForwarded: !!msg.isForwarded,
      isStarred: !!msg.star,
      edited: !!msg.latestEditMsgKey,
      _data: W.rawMsg(msg),
    };
    if (hasMedia) out.media = { mimetype: msg.mimetype || '', filename: msg.filename || '', size: msg.size || 0 };
    if (msg.quotedStanzaID) {
      const q = msg.quotedMsg || {};
      out.replyTo = {
        id: String(msg.quotedStanzaID), participant: str(msg.quotedParticipant), body: q.caption || q.body || '',
        hasMedia: !!q.directPath || QUOTED_MEDIA.includes(q.type),
      };
    }
    if (msg.type === 'location') {
      const [name, address] = String(msg.loc || '').split('\n');
      out.location = { latitude: String(msg.lat), longitude: String(msg.lng), live: !!msg.isLive, name: name || undefined, address: address || undefined, url: msg.clientUrl || undefined };
    }
    if (msg.type === 'vcard') out.vCards = [msg.body || ''];
    if (msg.type === 'multi_vcard') out.vCards = (msg.vcardList || []).map((v) => v.vcard);
    return out;
  };

  W.ackJSON = function (msg, ack) {
    const key = msg.id;
    const group = isGroupWid(key.remote);
    return {
      id: String(key), from: str(msg.from), to: str(msg.to), participant: group ? W.phoneIdOf(key.participant) : null,
      fromMe: !!key.fromMe, ack, ackName: ACK_NAMES[ack] || 'UNKNOWN',
    };
  };

  W.chatJSON = function (chat) {
    const gm = chat.groupMetadata;
    const mute = chat.mute && typeof chat.mute.expiration === 'number' ? chat.mute.expiration : (chat.muteExpiration || 0);
    // serialize() carries the loaded messages (the msgs child collection);
    // like wwebjs' getChatModel, the raw chat leaves them out.
    const ser = chat.serialize ? chat.serialize() : {};
    delete ser.msgs; delete ser.msgUnsyncedButtonReplyMsgs; delete ser.unsyncedButtonReplies;
    const raw = W.plain(ser) || {};
    raw.formattedTitle = chat.formattedTitle;
    raw.isGroup = !!gm || isGroupWid(chat.id);
    return {
      id: String(chat.id),
      name: chat.formattedTitle || chat.name || null,
      conversationTimestamp: chat.t || 0,
      unreadCount: chat.unreadCount || 0,
      archived: !!chat.archive,
      pinned: !!chat.pin,
      isGroup: raw.isGroup,
      isMuted: mute !== 0,
      muteExpiration: mute,
      isReadOnly: gm ? !!gm.announce : !!chat.isReadOnly,
      _chat: raw,
    };
  };
})();

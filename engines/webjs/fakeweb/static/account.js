// The account behind the fake: history sync from the "phone" (a generated,
// deterministic set of chats and messages the Go server describes), and the
// state changes that come from the other side of the conversation.
(function () {
  'use strict';
  const FW = window.__fakewebInternals;
  const { Wid, MsgKey, toWid } = FW;

  function mulberry32(a) {
    return function () {
      a |= 0; a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const hexR = (rnd, n) => Array.from({ length: n }, () => '0123456789ABCDEF'[Math.floor(rnd() * 16)]).join('');
  const THUMB = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDA==';

  FW.titleFor = function (wid) {
    const w = toWid(wid);
    const c = FW.Contact.get(w);
    if (c && c.name) return c.name;
    if (w.isUser() && !w.isLid()) return '+' + w.user;
    return w.user;
  };

  // loadAccount replaces the collections with the account the phone syncs.
  // registerUser is the server knowing a user: on WhatsApp, with a LID,
  // and a contact in the account (named when in the address book).
  function registerUser(wid, lidUser, contact) {
    FW.registered.add(String(wid));
    const lid = new Wid(lidUser + '@lid');
    FW.registered.add(String(lid));
    FW.mapLid(wid, lid);
    if (contact) FW.Contact.add(Object.assign({ id: wid }, contact), { silent: true });
    return lid;
  }

  FW.loadAccount = function (spec) {
    FW.Chat.reset(); FW.Msg.reset(); FW.Contact.reset(); FW.GroupMetadata.reset(); FW.Blocklist.reset(); FW.Call.reset();
    FW.history.clear(); FW.pins = [];
    FW.serverGroups.clear(); FW.registered.clear(); FW.lidToPn.clear(); FW.pnToLid.clear(); FW.reactionRows.clear();
    FW.chatStates = []; FW.ciphertexts.clear();
    if (FW.me) {
      FW.registered.add(String(FW.me));
      if (FW.meLid) { FW.registered.add(String(FW.meLid)); FW.mapLid(FW.me, FW.meLid); }
    }
    const rnd = mulberry32(spec.seed || 1);
    const now = spec.now || FW.nowSec();
    const n = spec.chats || 0;
    const loaded = spec.loadedPerChat || 20;
    const chats = [];
    for (let i = 0; i < n; i++) {
      const m = i === 0 && spec.firstChatMessages > 0 ? spec.firstChatMessages : (spec.messagesPerChat || 0);
      const isGroup = spec.groupEvery > 0 && i % spec.groupEvery === spec.groupEvery - 1;
      const wid = isGroup ? new Wid('120363' + String(400000000000 + i) + '@g.us') : new Wid('1555' + String(i + 1).padStart(7, '0') + '@c.us');
      let members = [];
      const lidGroup = isGroup && !!spec.lidGroups;
      if (isGroup) {
        const pns = [new Wid('1666' + String(i).padStart(7, '0') + '@c.us'), new Wid('1777' + String(i).padStart(7, '0') + '@c.us')];
        const lids = pns.map((pn, k) => registerUser(pn, String(210000000000000 + k * 1000000 + i), { pushname: 'Member ' + (k + 1) + ' of ' + (i + 1), type: 'out' }));
        // A group in LID addressing mode names its members by LID.
        members = lidGroup ? lids : pns;
      }
      let title;
      if (isGroup) {
        title = 'Group ' + (i + 1);
        FW.Contact.add({ id: wid, name: title, type: 'in' }, { silent: true });
      } else {
        const named = i % 4 !== 2;
        title = named ? 'Contact ' + (i + 1) : '+' + wid.user;
        const lid = registerUser(wid, String(200000000000000 + i), named
          ? { name: title, shortName: 'C' + (i + 1), pushname: 'C' + (i + 1), type: 'in' }
          : { pushname: 'P' + (i + 1), type: 'out' });
        // Some contacts are blocked; WA keeps the block list by LID.
        if (i % 30 === 17) FW.Blocklist.add({ id: lid }, { silent: true });
      }
      const me = lidGroup ? FW.meLid : FW.me;
      const t = now - i * 90;
      const rows = [];
      let incoming = 0;
      for (let j = 0; j < m; j++) {
        const fromMe = j % 2 === 1;
        const author = isGroup && !fromMe ? members[j % members.length] : undefined;
        const id = fromMe ? '3EB0' + hexR(rnd, 18) : (j % 3 === 0 ? '3A' + hexR(rnd, 18) : hexR(rnd, 32));
        const key = new MsgKey({ fromMe, remote: wid, id, participant: isGroup ? (fromMe ? me : author) : undefined });
        if (!fromMe) incoming++;
        rows.push({
          id: key, type: 'chat', body: 'Message ' + (j + 1) + ' in chat ' + (i + 1), t: t - (m - 1 - j) * 60,
          from: fromMe ? me : wid, to: fromMe ? wid : me, author: isGroup ? (fromMe ? me : author) : undefined,
          ack: fromMe ? (j === m - 1 ? 2 : 3) : 1, isNewMsg: false, star: false, notifyName: fromMe ? undefined : title,
        });
      }
      const chat = new FW.ChatModel({
        id: wid, t, unreadCount: i % 7 === 3 ? Math.min(2, incoming) : 0, archive: i % 50 === 49,
        pin: i < 2 ? now - i : 0, muteExpiration: i % 13 === 5 ? -1 : 0, notSpam: true, isReadOnly: false,
        isLocked: false, name: isGroup ? title : undefined, formattedTitle: title,
        lastReceivedKey: rows.length ? rows[rows.length - 1].id : undefined,
      });
      chat.__x._picture = spec.pictureEvery > 0 && i % spec.pictureEvery === 0;
      if (isGroup) {
        const attrs = {
          id: wid, owner: me, subject: title, subjectTime: now - 86400 * 30, subjectOwner: me, creation: now - 86400 * 30,
          desc: '', announce: false, restrict: false, memberAddMode: 'admin_add', membershipApprovalMode: false,
          isLidAddressingMode: lidGroup, picture: chat.__x._picture ? wid.user : null, inviteCode: null,
          participants: [{ id: me, isAdmin: true, isSuperAdmin: true }].concat(members.map((w) => ({ id: w, isAdmin: false, isSuperAdmin: false }))),
        };
        FW.serverGroups.set(String(wid), attrs);
        const gm = new FW.GroupMetadataModel(FW.groupAttrs(attrs));
        FW.GroupMetadata.add(gm, { silent: true });
        chat.__x.groupMetadata = gm;
      }
      const keep = rows.splice(Math.max(0, rows.length - loaded));
      FW.history.set(String(wid), rows);
      const models = keep.map((r) => new FW.MsgModel(r));
      chat.msgs.add(models, { silent: true });
      FW.Msg.add(models, { silent: true });
      chats.push(chat);
    }
    FW.Chat.add(chats, { silent: true });
    FW.applyPeople(FW.peopleSpec);
  };

  function findMsg(id) {
    const m = FW.Msg.get(id);
    if (!m) throw new Error('message not found: ' + id);
    return m;
  }
  function findChat(id) {
    const c = FW.Chat.get(toWid(id));
    if (!c) throw new Error('chat not found: ' + id);
    return c;
  }
  FW.findMsg = findMsg;
  FW.findChat = findChat;

  FW.receive = function (a) {
    const wid = toWid(a.chatId);
    let chat = FW.Chat.get(wid);
    if (!chat) chat = FW.Chat.add({ id: wid, t: FW.nowSec(), unreadCount: 0, archive: false, pin: 0, muteExpiration: 0, notSpam: true, formattedTitle: a.notifyName || FW.titleFor(wid) })[0];
    const isGroup = wid.isGroup();
    if (isGroup && !a.author) throw new Error('a group message needs an author');
    FW.registered.add(String(isGroup ? toWid(a.author) : wid));
    const key = new MsgKey({ fromMe: false, remote: wid, id: a.id || FW.hex(32), participant: isGroup ? a.author : undefined });
    if (FW.Msg.get(key)) throw new Error('duplicate message id ' + key);
    // The server does not deliver what a blocked user sends (they see one tick).
    const sender = isGroup ? toWid(a.author) : wid;
    if (FW.isBlocked(sender)) return String(key);
    FW.learnSender(sender, a.notifyName);
    const t = a.t || FW.nowSec();
    const attrs = {
      id: key, type: 'chat', body: a.body || '', t, from: wid, to: FW.me, author: isGroup ? toWid(a.author) : undefined,
      ack: 1, isNewMsg: true, recvFresh: true, notifyName: a.notifyName || '', star: false,
    };
    if (a.media) {
      Object.assign(attrs, {
        type: a.media.type || 'image', body: THUMB, caption: a.body || undefined, directPath: a.media.directPath,
        mimetype: a.media.mimetype, filename: a.media.filename, size: a.media.size,
        mediaKey: a.media.mediaKey, mediaKeyTimestamp: t, filehash: a.media.filehash, encFilehash: a.media.encFilehash,
      });
    }
    if (a.quotedId) Object.assign(attrs, findMsg(a.quotedId).msgContextInfo(chat));
    // What other kinds of message carry (a location, cards, a poll: chatting.js).
    if (a.extra) Object.assign(attrs, a.extra);
    // Not decryptable yet: it waits as a placeholder for the sender's resend.
    if (a.ciphertext) {
      FW.ciphertexts.set(String(key), attrs.body);
      Object.assign(attrs, { type: 'ciphertext', body: '', subtype: undefined });
    }
    const msg = new FW.MsgModel(attrs);
    if (a.media) msg.__x.mediaData = { mediaStage: 'INIT' };
    FW.Msg.add(msg);
    chat.msgs.add(msg);
    const upd = { t, unreadCount: Math.max(0, chat.unreadCount || 0) + 1, lastReceivedKey: key };
    if (FW.cfg.unarchiveOnMessage) upd.archive = false;
    chat.set(upd);
    return String(key);
  };

  // phoneSend is a message the user sends from the phone: it syncs to the
  // tab as a new own message.
  FW.phoneSend = function (a) {
    const wid = toWid(a.chatId);
    let chat = FW.Chat.get(wid);
    if (!chat) chat = FW.Chat.add({ id: wid, t: FW.nowSec(), unreadCount: 0, archive: false, pin: 0, muteExpiration: 0, notSpam: true, formattedTitle: FW.titleFor(wid) })[0];
    const key = new MsgKey({ fromMe: true, remote: wid, id: '3A' + FW.hex(18), participant: wid.isGroup() ? FW.me : undefined });
    const t = FW.nowSec();
    const msg = new FW.MsgModel({ id: key, type: 'chat', body: a.body || '', t, from: FW.me, to: wid, ack: 1, isNewMsg: true, star: false });
    FW.Msg.add(msg);
    chat.msgs.add(msg);
    chat.set({ t });
    return String(key);
  };

  FW.edit = function (msg, text) {
    const editKey = new MsgKey({ fromMe: msg.id.fromMe, remote: msg.id.remote, id: msg.id.fromMe ? MsgKey.newIdSync() : FW.hex(32), participant: msg.id.participant });
    const upd = { latestEditMsgKey: editKey, latestEditSenderTimestampMs: Date.now() };
    if (msg.directPath) upd.caption = text; else upd.body = text;
    msg.set(upd);
  };

  FW.revoke = function (msg, fromMe, clearMedia) {
    const pk = new MsgKey({ fromMe, remote: msg.id.remote, id: fromMe ? MsgKey.newIdSync() : FW.hex(32), participant: msg.id.participant });
    const upd = { type: 'revoked', body: '', caption: undefined, protocolMessageKey: pk };
    if (clearMedia !== false) Object.assign(upd, { directPath: undefined, mimetype: undefined, filename: undefined, mediaKey: undefined });
    msg.set(upd);
  };

  FW.deleteChat = function (chat) {
    FW.Chat.remove(chat);
    FW.Msg.remove(chat.msgs.getModelsArray(), { silent: true });
    chat.msgs.reset();
    FW.history.delete(String(chat.id));
    FW.pins = FW.pins.filter((r) => r.chatId !== String(chat.id));
  };

  FW.clearChat = function (chat, keepStarred) {
    const drop = chat.msgs.getModelsArray().filter((m) => !(keepStarred && m.star));
    chat.msgs.remove(drop);
    FW.Msg.remove(drop);
    const rows = FW.history.get(String(chat.id)) || [];
    FW.history.set(String(chat.id), keepStarred ? rows.filter((r) => r.star) : []);
    chat.set('unreadCount', 0);
  };
})();

// Groups as WhatsApp's server keeps them and WhatsApp Web shows them: the
// server's copy of every group (FW.serverGroups: members and roles, subject,
// description, settings, invite code, picture), the group modules
// whatsapp-web.js calls (Client.js createGroup, getInviteInfo, acceptInvite;
// GroupChat.js; Injected/Utils.js getAddParticipantsRpcResult, setPicture),
// the notifications the server sends every member's devices (the `gp2`
// system messages whatsapp-web.js turns into group_join, group_leave,
// group_update and group_admin_changed), and group receipts: each member's
// delivery and read receipt arrives as a stanza through WAWap.decodeStanza
// (which WAHA wraps to see them), and the message's own ack moves on once
// every member has delivered or read it. The test hooks play the other
// members.
(function () {
  'use strict';
  const FW = window.__fakewebInternals;
  const { MsgKey, Wid, toWid } = FW;
  const def = FW.def;
  const statusError = FW.statusError;
  const isMine = (w) => !!w && (String(w) === String(FW.me) || String(w) === String(FW.meLid));
  const MAX_SUBJECT = 100, MAX_DESC = 2048, MAX_SIZE = 1024;

  FW.groupLog = []; // every notification the server sent: {group, subtype, author, recipients, body, t}
  FW.msgInfo = new Map(); // own group message key -> {delivery, read, played}: Map member -> t
  // The groups made since the account was generated are kept by the Go
  // server (as WhatsApp's servers keep them): every change is saved there,
  // and a tab that connects gets them back with the account.
  const load = FW.loadAccount;
  FW.loadAccount = function (spec) {
    FW.groupLog = []; FW.msgInfo.clear();
    const out = load(spec);
    for (const saved of FW.savedGroups || []) restoreRow(saved);
    return out;
  };
  function rowToJSON(row) {
    const out = Object.assign({}, row, { id: String(row.id), owner: row.owner ? String(row.owner) : null, subjectOwner: row.subjectOwner ? String(row.subjectOwner) : null, descOwner: row.descOwner ? String(row.descOwner) : undefined });
    out.participants = row.participants.map((p) => ({ id: String(p.id), isAdmin: !!p.isAdmin, isSuperAdmin: !!p.isSuperAdmin }));
    return out;
  }
  // saveRow stores the row with the Go server before the change answers, as
  // WhatsApp's servers commit a change before they acknowledge it: a tab
  // reloaded (or a browser closed) right after must find it. The server's
  // operations are synchronous, so the request is too. Saves queued behind one
  // another (fetch) lagged the answers by 100 ms and more on a loaded machine,
  // and a reload dropped the ones still queued: a group came back without the
  // member who had just joined.
  function saveRow(row) {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', '/__fakeweb/groups/' + encodeURIComponent(String(row.id)), false);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.send(JSON.stringify(rowToJSON(row)));
    if (xhr.status !== 204) throw new Error('saving group ' + String(row.id) + ': HTTP ' + xhr.status + ' ' + xhr.responseText);
  }
  function restoreRow(j) {
    const w = (x) => (x ? toWid(x) : x);
    const row = Object.assign({}, j, { id: toWid(j.id), owner: w(j.owner), subjectOwner: w(j.subjectOwner), descOwner: w(j.descOwner) });
    row.participants = (j.participants || []).map((p) => ({ id: toWid(p.id), isAdmin: !!p.isAdmin, isSuperAdmin: !!p.isSuperAdmin }));
    FW.serverGroups.set(String(row.id), row);
    if (!memberOf(row, FW.me)) return;
    const gm = FW.applyGroupRow(row);
    if (!FW.Chat.get(row.id)) {
      FW.Contact.add({ id: row.id, name: row.subject, type: 'in' }, { silent: true });
      FW.Chat.add(new FW.ChatModel({
        id: row.id, t: row.subjectTime || row.creation, unreadCount: 0, archive: false, pin: 0, muteExpiration: 0, notSpam: true,
        isReadOnly: !!row.announce && !isAdmin(row, FW.me), name: row.subject, formattedTitle: row.subject, groupMetadata: gm,
      }), { silent: true });
    }
  }

  function digits(n) { return Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join(''); }
  const CODE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  function newInviteCode() {
    const b = new Uint8Array(22);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => CODE_CHARS[x % CODE_CHARS.length]).join('');
  }

  // --- the server's view of a group ---
  function rowOf(id) {
    const row = FW.serverGroups.get(String(toWid(id)));
    if (!row) throw statusError(404);
    return row;
  }
  // addrOf is the id a group addresses a user by: the LID in a group in LID
  // addressing mode (when the server knows it), the phone id otherwise.
  function addrOf(row, who) {
    const w = toWid(who);
    if (isMine(w)) return row.isLidAddressingMode && FW.meLid ? FW.meLid : FW.me;
    if (row.isLidAddressingMode) {
      if (w.isLid()) return w;
      const peer = FW.peerOf(w);
      const lid = FW.alternateWid(w) || (peer && peer.lid ? toWid(peer.lid) : null);
      return lid || w;
    }
    if (!w.isLid()) return w;
    return FW.alternateWid(w) || w;
  }
  function sameUser(a, b) {
    if (String(a) === String(b)) return true;
    if (isMine(a) && isMine(b)) return true;
    const alt = FW.alternateWid(a);
    return !!alt && String(alt) === String(b);
  }
  // memberOf is who's entry in the group, by either of their ids.
  function memberOf(row, who) {
    const w = toWid(who);
    const ids = new Set([String(w)]);
    const alt = FW.alternateWid(w);
    if (alt) ids.add(String(alt));
    if (isMine(w)) { ids.add(String(FW.me)); if (FW.meLid) ids.add(String(FW.meLid)); }
    return row.participants.find((p) => ids.has(String(p.id))) || null;
  }
  const isAdmin = (row, who) => { const p = memberOf(row, who); return !!(p && p.isAdmin); };
  // canEditInfo: members edit subject, description and picture unless the
  // group is locked to admins (restrict).
  FW.canEditGroupInfo = function (id, who) {
    const row = FW.serverGroups.get(String(toWid(id)));
    if (!row) return false;
    const actor = who || FW.me;
    return !!memberOf(row, actor) && (!row.restrict || isAdmin(row, actor));
  };
  FW.groupPictureURL = function (id) {
    const row = FW.serverGroups.get(String(toWid(id)));
    return row && row.picture ? location.origin + '/__fakeweb/pp/' + row.picture + '.jpg' : null;
  };
  // pnOf is a user's phone id as the server knows it ('' if it does not).
  function pnOf(w) {
    const x = toWid(w);
    if (!x.isLid()) return String(x);
    if (isMine(x)) return String(FW.me);
    const alt = FW.alternateWid(x);
    if (alt) return String(alt);
    for (const p of FW.peers.values()) if (p.lid === String(x)) return p.pn;
    return '';
  }
  const registered = (w) => isMine(w) || FW.registered.has(String(w)) || !!FW.peerOf(w);

  // addCheck is what the server answers for adding user w: 200, 404 not on
  // WhatsApp, 409 already a member, 403 their privacy settings forbid it.
  function addCheck(row, w) {
    if (!registered(w)) return 404;
    if (memberOf(row, w)) return 409;
    const peer = FW.peerOf(w);
    if (peer && peer.noGroupAdd) return 403;
    if (row.participants.length >= MAX_SIZE) return 500;
    return 200;
  }

  // deliver is the server's notification to every member's devices; the
  // account's tab shows it when the account is (or was just) in the group:
  // the new metadata first, then the system message.
  function deliver(row, subtype, author, recipients, body) {
    const t = FW.nowSec();
    saveRow(row);
    recipients = (recipients || []).map(toWid);
    FW.groupLog.push({
      group: String(row.id), subtype, author: String(author), authorPn: pnOf(author), recipients: recipients.map(String),
      recipientPns: recipients.map(pnOf), body: body || '', t,
    });
    const member = !!memberOf(row, FW.me);
    if (!member && !recipients.some(isMine)) return null;
    const gm = FW.applyGroupRow(row);
    let chat = FW.Chat.get(row.id);
    if (!chat) {
      FW.Contact.add({ id: row.id, name: row.subject, type: 'in' }, { silent: true });
      chat = FW.Chat.add(new FW.ChatModel({
        id: row.id, t, unreadCount: 0, archive: false, pin: 0, muteExpiration: 0, notSpam: true, isReadOnly: !member,
        name: row.subject, formattedTitle: row.subject, groupMetadata: gm,
      }))[0];
    }
    chat.set({ isReadOnly: !member || (!!row.announce && !isAdmin(row, FW.me)), name: row.subject, formattedTitle: row.subject });
    const key = new MsgKey({ fromMe: isMine(author), remote: row.id, id: digits(10), participant: toWid(author) });
    const msg = new FW.MsgModel({
      id: key, type: 'gp2', subtype, body: body || '', t, from: row.id, to: FW.me, author: toWid(author), recipients,
      isNotification: true, isNewMsg: true, ack: 0, star: false,
    });
    FW.Msg.add(msg);
    chat.msgs.add(msg);
    chat.set('t', t);
    return msg;
  }
  FW.deliverGroupNotification = deliver;

  // --- the server's group operations, by any member (the account or others) ---
  const S = {};
  S.create = function (creator, { title, participants, lid, announce, restrict, memberAddMode }) {
    const subject = String(title || '').trim();
    if (!subject || subject.length > MAX_SUBJECT) throw statusError(400);
    const id = new Wid('120363' + digits(12) + '@g.us');
    const now = FW.nowSec();
    const row = {
      id, owner: null, subject, subjectTime: now, subjectOwner: null, creation: now, desc: '', descId: undefined,
      announce: !!announce, restrict: !!restrict, memberAddMode: memberAddMode ? 'all_member_add' : 'admin_add',
      membershipApprovalMode: false, isLidAddressingMode: !!lid, picture: null, inviteCode: null, participants: [],
    };
    const me = addrOf(row, creator);
    Object.assign(row, { owner: me, subjectOwner: me });
    row.participants.push({ id: me, isAdmin: true, isSuperAdmin: true });
    const results = [];
    for (const p of participants || []) {
      const w = toWid(p);
      const code = addCheck(row, w);
      const r = { wid: addrOf(row, w), error: code === 200 ? undefined : code, type: undefined };
      if (code === 200) row.participants.push({ id: r.wid, isAdmin: false, isSuperAdmin: false });
      if (code === 403) Object.assign(r, { invite_code: newInviteCode(), invite_code_exp: now + 3 * 86400 });
      results.push(r);
    }
    FW.serverGroups.set(String(id), row);
    deliver(row, 'create', me, row.participants.filter((p) => !sameUser(p.id, me)).map((p) => p.id), subject);
    return { row, results };
  };
  // change applies add/remove/promote/demote by actor to users; it returns
  // the server's code for each, and notifies once for those it changed.
  S.change = function (row, actor, action, users) {
    if (!memberOf(row, actor)) throw statusError(403);
    const admin = isAdmin(row, actor);
    if (!admin && !(action === 'add' && row.memberAddMode === 'all_member_add')) throw statusError(401);
    const done = [], codes = [];
    for (const u of users) {
      const w = toWid(u);
      let code;
      if (action === 'add') {
        code = addCheck(row, w);
        if (code === 200) row.participants.push({ id: addrOf(row, w), isAdmin: false, isSuperAdmin: false });
      } else {
        const p = memberOf(row, w);
        if (!p) code = 404;
        else if (p.isSuperAdmin && !isMine(actor) && !memberOf(row, actor).isSuperAdmin) code = 403; // the creator stays
        else {
          code = 200;
          if (action === 'remove') row.participants.splice(row.participants.indexOf(p), 1);
          else if (action === 'promote') p.isAdmin = true;
          else if (action === 'demote') Object.assign(p, { isAdmin: false, isSuperAdmin: false });
          else throw statusError(400);
        }
      }
      codes.push({ wid: addrOf(row, w), code, invite: code === 403 && action === 'add' ? { code: newInviteCode(), exp: FW.nowSec() + 3 * 86400 } : null });
      if (code === 200) done.push(addrOf(row, w));
    }
    if (done.length) deliver(row, action, addrOf(row, actor), done);
    return codes;
  };
  S.leave = function (row, who) {
    const p = memberOf(row, who);
    if (!p) throw statusError(404);
    row.participants.splice(row.participants.indexOf(p), 1);
    // The last admin leaving hands the group to the longest member.
    if (!row.participants.some((x) => x.isAdmin) && row.participants.length) row.participants[0].isAdmin = true;
    deliver(row, 'leave', p.id, [p.id]);
  };
  S.join = function (row, who) {
    if (memberOf(row, who)) return;
    if (row.participants.length >= MAX_SIZE) throw statusError(500);
    const id = addrOf(row, who);
    row.participants.push({ id, isAdmin: false, isSuperAdmin: false });
    deliver(row, 'invite', id, [id]);
  };
  S.subject = function (row, actor, subject) {
    if (!FW.canEditGroupInfo(row.id, actor)) throw statusError(401);
    const s = String(subject || '').trim();
    if (!s || s.length > MAX_SUBJECT) throw statusError(400);
    Object.assign(row, { subject: s, subjectTime: FW.nowSec(), subjectOwner: addrOf(row, actor) });
    deliver(row, 'subject', addrOf(row, actor), [], s);
  };
  S.description = function (row, actor, desc, newId, prevId) {
    if (!FW.canEditGroupInfo(row.id, actor)) throw statusError(401);
    const d = String(desc || '');
    if (d.length > MAX_DESC) throw statusError(400);
    // The server takes a change only against the description it has now.
    if (row.descId && prevId && String(prevId) !== String(row.descId)) throw statusError(409);
    Object.assign(row, { desc: d, descId: d ? String(newId || FW.hex(16)) : undefined, descOwner: addrOf(row, actor), descTime: FW.nowSec() });
    deliver(row, 'description', addrOf(row, actor), [], d);
  };
  const PROPS = {
    announcement: (row, v) => { row.announce = !!v; return ['announce', row.announce]; },
    restrict: (row, v) => { row.restrict = !!v; return ['restrict', row.restrict]; },
    member_add_mode: (row, v) => { row.memberAddMode = v ? 'all_member_add' : 'admin_add'; return ['member_add_mode', !v]; },
  };
  S.property = function (row, actor, prop, value) {
    const apply = PROPS[prop];
    if (!apply) throw statusError(400);
    if (!isAdmin(row, actor)) throw statusError(401);
    const [subtype, on] = apply(row, value);
    deliver(row, subtype, addrOf(row, actor), [], on ? 'on' : 'off');
  };
  S.picture = function (row, actor, pictureId) {
    if (!FW.canEditGroupInfo(row.id, actor)) throw statusError(401);
    row.picture = pictureId || null;
    deliver(row, 'picture', addrOf(row, actor), [], pictureId ? 'set' : 'remove');
  };
  S.inviteCode = function (row, actor, reset) {
    if (!isAdmin(row, actor)) throw statusError(401);
    if (reset || !row.inviteCode) {
      row.inviteCode = newInviteCode();
      saveRow(row);
    }
    return row.inviteCode;
  };
  FW.groupServer = S;

  // inviteInfo is what the server tells about a group before joining it.
  function inviteInfo(row) {
    return {
      id: row.id, owner: row.owner, subject: row.subject, subjectOwner: row.subjectOwner, subjectTime: row.subjectTime,
      creation: row.creation, desc: row.desc, descId: row.descId, descOwner: row.descOwner, descTime: row.descTime,
      restrict: row.restrict, announce: row.announce, memberAddMode: row.memberAddMode,
      membershipApprovalMode: row.membershipApprovalMode, isLidAddressingMode: row.isLidAddressingMode,
      size: row.participants.length,
      participants: row.participants.map((p) => ({ id: p.id, isAdmin: p.isAdmin, isSuperAdmin: p.isSuperAdmin })),
    };
  }
  function rowByCode(code) {
    for (const row of FW.serverGroups.values()) if (row.inviteCode && row.inviteCode === String(code)) return row;
    throw statusError(404);
  }
  const chatRow = (chat) => rowOf(chat && chat.id ? chat.id : chat);
  const jidToWid = (jid) => toWid(String(jid));

  // --- the modules ---
  def('WAWebWidToJid', {
    widToGroupJid: (w) => String(toWid(w)),
    widToUserJid: (w) => toWid(w).toJid(),
  });
  def('WAWebGroupCreateJob', {
    // createGroup(options, [{phoneNumber: wid}]): the account as superadmin;
    // each participant's result (an error code when not added).
    createGroup: async (opts, participants) => {
      const { row, results } = S.create(FW.me, {
        title: opts && opts.title, participants: (participants || []).map((p) => p.phoneNumber || p.wid || p),
        lid: opts && opts.addressingModeOverride ? opts.addressingModeOverride === 'lid' : !!FW.cfg.lidGroups, announce: opts && opts.announce, restrict: opts && opts.restrict,
        memberAddMode: opts && opts.memberAddMode === false ? false : !!(opts && opts.memberAddMode),
      });
      return { wid: row.id, subject: row.subject, creation: row.creation, participants: results };
    },
  });
  def('WAWebGroupQueryJob', {
    queryAndUpdateGroupMetadataById: async ({ id }) => { await FW.GroupMetadata.update(id); },
    queryGroupInvite: async (code) => inviteInfo(rowByCode(code)),
    resetGroupInviteCode: async (wid) => ({ code: S.inviteCode(rowOf(wid), FW.me, true) }),
  });
  def('WAWebMexFetchGroupInviteCodeJob', {
    fetchMexGroupInviteCode: async (groupId) => ({ code: S.inviteCode(rowOf(groupId), FW.me, false) }),
  });
  def('WAWebGroupInviteJob', {
    joinGroupViaInvite: async (code) => {
      const row = rowByCode(code);
      S.join(row, FW.me);
      return { gid: row.id };
    },
  });
  def('WAWebExitGroupAction', { sendExitGroup: async (chat) => { S.leave(chatRow(chat), FW.me); } });
  def('WASmaxGroupsAddParticipantsRPC', {
    // sendAddParticipantsRPC is the add IQ; its answer, per participant, in
    // the nested shape whatsapp-web.js reads.
    sendAddParticipantsRPC: async ({ participantArgs, iqTo }) => {
      const row = rowOf(iqTo);
      let codes;
      try {
        codes = S.change(row, FW.me, 'add', (participantArgs || []).map((a) => jidToWid(a.participantJid)));
      } catch (e) {
        if (e.name !== 'ServerStatusCodeError') throw e;
        return { name: 'AddParticipantsResponseClientError', value: { errorAddParticipantsClientErrors: { value: { code: String(e.statusCode) } } } };
      }
      return {
        name: 'AddParticipantsResponseSuccess',
        value: {
          addParticipant: codes.map((c) => ({
            addParticipantsParticipantAddedOrNonRegisteredWaUserParticipantErrorLidResponseMixinGroup: {
              name: 'AddParticipantsParticipantAddedOrNonRegisteredWaUserParticipantErrorLidResponseMixinGroup',
              value: {
                addParticipantsParticipantMixins: {
                  name: c.code === 200 ? 'ParticipantAdded' : c.code === 403 ? 'ParticipantRequestCodeCanBeSent' : 'ParticipantNotAdded',
                  value: {
                    participantJid: toWid(c.wid).toJid(), error: c.code === 200 ? undefined : String(c.code),
                    addRequestCode: c.invite ? c.invite.code : undefined, addRequestExpiration: c.invite ? c.invite.exp : undefined,
                  },
                },
              },
            },
          })),
        },
      };
    },
  });
  const modify = (action) => async (chat, participants) => {
    const row = chatRow(chat);
    const codes = S.change(row, FW.me, action, (participants || []).map((p) => p.id || p));
    return { participants: codes.map((c) => ({ id: c.wid, code: c.code })) };
  };
  def('WAWebModifyParticipantsGroupAction', {
    addParticipants: modify('add'),
    removeParticipants: modify('remove'),
    promoteParticipants: modify('promote'),
    demoteParticipants: modify('demote'),
  });
  def('WAWebGroupModifyInfoJob', {
    setGroupSubject: async (wid, subject) => { S.subject(rowOf(wid), FW.me, subject); },
    setGroupDescription: async (wid, desc, newId, prevId) => { S.description(rowOf(wid), FW.me, desc, newId, prevId); },
  });
  def('WAWebSetPropertyGroupAction', {
    setGroupProperty: async (chat, prop, value) => { S.property(chatRow(chat), FW.me, prop, value); },
  });
  def('WAWebApiMessageInfoStore', {
    // queryMsgInfo: who has had an own group message delivered, read, played.
    queryMsgInfo: async (key) => {
      const msg = FW.Msg.get(String(key));
      if (!msg || !msg.id.fromMe) return null;
      const info = FW.msgInfo.get(String(msg.id)) || { delivery: new Map(), read: new Map(), played: new Map() };
      const row = FW.serverGroups.get(String(msg.id.remote));
      const others = row ? row.participants.filter((p) => !isMine(p.id)).length : 1;
      const list = (m) => Array.from(m, ([id, t]) => ({ id: toWid(id), t }));
      return {
        delivery: list(info.delivery), deliveryRemaining: Math.max(0, others - info.delivery.size),
        read: list(info.read), readRemaining: Math.max(0, others - info.read.size),
        played: list(info.played), playedRemaining: Math.max(0, others - info.played.size),
      };
    },
  });
  def('WAWebChatSendMessages', {
    // sendGroupInviteMessage: a private invite to a group, sent to the user's chat.
    sendGroupInviteMessage: async (chat, groupId, groupName, code, exp, comment) => {
      const key = new MsgKey({ fromMe: true, remote: chat.id, id: MsgKey.newIdSync() });
      const msg = new FW.MsgModel({
        id: key, type: 'groups_v4_invite', body: String(comment || ''), t: FW.nowSec(), from: FW.me, to: chat.id, ack: 1,
        isNewMsg: true, inviteGrp: String(groupId), inviteGrpName: groupName, inviteCode: code, inviteCodeExp: exp,
      });
      FW.Msg.add(msg);
      chat.msgs.add(msg);
      return { messageSendResult: 'OK' };
    },
  });

  // --- receipts: the server relays each member's receipt for an own group
  // message as a stanza; the message's ack is the slowest member's ---
  const RECEIPT_KINDS = { undefined: 'delivery', '': 'delivery', read: 'read', played: 'played' };
  FW.incomingStanza = async function (stanza) {
    const frame = new TextEncoder().encode(JSON.stringify(stanza));
    const st = await require('WAWap').decodeStanza(frame);
    if (st && st.tag === 'receipt') applyReceipt(st.attrs || {});
    return st;
  };
  function applyReceipt(a) {
    const row = FW.serverGroups.get(String(a.from));
    if (!row) return;
    const me = addrOf(row, FW.me);
    const msg = FW.Msg.get(String(new MsgKey({ fromMe: true, remote: row.id, id: a.id, participant: me })));
    if (!msg) return;
    const kind = RECEIPT_KINDS[a.type];
    if (!kind) return;
    const info = FW.msgInfo.get(String(msg.id)) || { delivery: new Map(), read: new Map(), played: new Map() };
    FW.msgInfo.set(String(msg.id), info);
    const who = String(toWid(a.participant));
    const t = Number(a.t) || FW.nowSec();
    info[kind].set(who, t);
    if (kind !== 'delivery' && !info.delivery.has(who)) info.delivery.set(who, t);
    if (kind === 'played' && !info.read.has(who)) info.read.set(who, t);
    const others = row.participants.filter((p) => !isMine(p.id)).map((p) => String(p.id));
    const all = (m) => others.length > 0 && others.every((id) => m.has(id));
    const ack = all(info.played) ? 4 : all(info.read) ? 3 : all(info.delivery) ? 2 : msg.ack;
    if (ack > msg.ack) msg.ack = ack;
  }
  // groupReceipt is member `from` sending a receipt for an own message.
  FW.groupReceipt = function (msg, from, type) {
    const row = rowOf(msg.id.remote);
    const p = memberOf(row, from);
    if (!p) throw new Error(String(from) + ' is not a member of ' + String(row.id));
    return FW.incomingStanza({
      tag: 'receipt',
      attrs: { id: msg.id.id, from: String(row.id), participant: toWid(p.id).toJid(), type: type || undefined, t: FW.nowSec() },
      content: null,
    });
  };
  // sentToGroup is the server taking an own message to a group: refused
  // (ack ERROR) when the account is not a member, or not an admin of an
  // admins-only group; otherwise fanned out to every member's devices, which
  // (with auto-delivery) each send a delivery receipt.
  FW.sentToGroup = function (msg) {
    const row = FW.serverGroups.get(String(msg.id.remote));
    if (!row || !memberOf(row, FW.me) || (row.announce && !isAdmin(row, FW.me))) { msg.ack = -1; return false; }
    msg.ack = Math.max(msg.ack, 1);
    if (FW.cfg.autoDeliver) {
      setTimeout(() => {
        for (const p of row.participants) if (!isMine(p.id)) FW.groupReceipt(msg, p.id, undefined);
      }, 80);
    }
    return true;
  };

  // A member's message to a group: the server takes it only from a member,
  // and in an admins-only group only from an admin; in a LID group the
  // sender is named by LID. The account's devices get it while it is in.
  const receive = FW.receive;
  FW.receive = function (a) {
    const wid = toWid(a.chatId);
    const row = wid.isGroup() ? FW.serverGroups.get(String(wid)) : null;
    if (row && a.author) {
      const p = memberOf(row, toWid(a.author));
      if (!p) throw new Error('not-authorized: ' + a.author + ' is not a member of ' + wid);
      if (row.announce && !p.isAdmin) throw new Error('not-authorized: only admins send messages to ' + wid);
      if (!memberOf(row, FW.me)) throw new Error('the account is not a member of ' + wid + ' any more');
      a = Object.assign({}, a, { author: String(p.id) });
    }
    return receive(a);
  };

  // --- test hooks: the other members, and what the server has ---
  function serverJSON(row) {
    const pn = pnOf;
    return {
      id: String(row.id), owner: String(row.owner || ''), subject: row.subject, desc: row.desc || '', descId: row.descId || '',
      creation: row.creation, announce: !!row.announce, restrict: !!row.restrict, memberAddMode: row.memberAddMode,
      lidMode: !!row.isLidAddressingMode, inviteCode: row.inviteCode || '', picture: row.picture || '',
      participants: row.participants.map((p) => ({ id: String(p.id), pn: pn(p.id), isAdmin: !!p.isAdmin, isSuperAdmin: !!p.isSuperAdmin })),
    };
  }
  const by = (x) => toWid(String(x).includes('@') ? x : x + '@c.us');
  FW.moreHooks = Object.assign(FW.moreHooks || {}, {
    serverGroup: ({ id }) => { const row = FW.serverGroups.get(String(toWid(id))); return row ? serverJSON(row) : null; },
    serverGroups: () => Array.from(FW.serverGroups.values(), serverJSON),
    groupLog: ({ id }) => FW.groupLog.filter((n) => !id || n.group === String(toWid(id))),
    // remoteCreateGroup is user `creator` making a group.
    remoteCreateGroup: ({ creator, subject, participants, lid, announce, restrict }) => {
      const { row, results } = S.create(by(creator), { title: subject, participants: (participants || []).map(by), lid, announce, restrict });
      return { id: String(row.id), results: results.map((r) => ({ id: String(r.wid), code: r.error || 200 })) };
    },
    remoteParticipants: ({ id, actor, action, participants }) =>
      S.change(rowOf(id), by(actor), action, (participants || []).map(by)).map((c) => ({ id: String(c.wid), code: c.code })),
    remoteLeave: ({ id, who }) => { S.leave(rowOf(id), by(who)); return true; },
    remoteJoin: ({ code, who }) => { const row = rowByCode(code); S.join(row, by(who)); return String(row.id); },
    remoteSubject: ({ id, actor, subject }) => { S.subject(rowOf(id), by(actor), subject); return true; },
    remoteDescription: ({ id, actor, desc }) => { const row = rowOf(id); S.description(row, by(actor), desc, FW.hex(16), row.descId); return true; },
    remoteProperty: ({ id, actor, prop, value }) => { S.property(rowOf(id), by(actor), prop, value); return true; },
    remoteInviteCode: ({ id, actor, reset }) => S.inviteCode(rowOf(id), by(actor), !!reset),
    groupReceipt: async ({ msgId, from, type }) => { await FW.groupReceipt(FW.findMsg(msgId), by(from), type); return FW.findMsg(msgId).ack; },
    msgInfo: async ({ msgId }) => {
      const info = await require('WAWebApiMessageInfoStore').queryMsgInfo(FW.findMsg(msgId).id);
      const ids = (l) => l.map((x) => String(x.id));
      return info && { delivery: ids(info.delivery), read: ids(info.read), played: ids(info.played), deliveryRemaining: info.deliveryRemaining, readRemaining: info.readRemaining };
    },
  });
})();

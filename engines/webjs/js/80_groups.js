// Groups: WAHA's 26 group operations and the group events, each through the
// WhatsApp Web module functions whatsapp-web.js calls for the same feature
// (Client.js createGroup, getInviteInfo, acceptInvite; GroupChat.js
// addParticipants, removeParticipants, promote/demoteParticipants,
// setSubject, setDescription, setMessagesAdminsOnly, setInfoAdminsOnly,
// getInviteCode, revokeInvite, leave, setPicture, deletePicture). Events come
// from the `gp2` notifications WhatsApp Web adds to a group's chat (what
// wwebjs turns into group_join/leave/update/admin_changed), and per-member
// receipts from the receipt stanzas (WAWap.decodeStanza, as WAHA sniffs them).
(function () {
  'use strict';
  const W = window.WAGATE;
  const INVITE_URL = 'https://chat.whatsapp.com/';
  W.inviteCodes = new Map(); // group id -> the invite code this account fetched

  const isStatusErr = (e) => e && e.name === 'ServerStatusCodeError';
  // serverErr maps WhatsApp's refusal of a group IQ to our error codes.
  function serverErr(e, what) {
    if (!isStatusErr(e)) throw e;
    const code = Number(e.statusCode) || 0;
    if (code === 401 || code === 403) W.fail('not_allowed', what + ': WhatsApp refused it (' + code + ': the account is not allowed, e.g. not an admin)');
    if (code === 404 || code === 406 || code === 410) W.fail('not_found', what + ': WhatsApp does not know it (' + code + ')');
    if (code === 400 || code === 409) W.fail('invalid', what + ': WhatsApp refused the value (' + code + ')');
    W.fail('unavailable', what + ': WhatsApp answered ' + (code || e.message));
  }

  function isMe(w) {
    const me = W.S.MeUser;
    if (!me || !w) return false;
    const s = String(w);
    return s === String(me.getMaybeMePnUser()) || s === String(me.getMaybeMeLidUser());
  }
  // pnOf is a member's phone id (null when unknown), idOf the id a group uses.
  function pnOf(w) {
    const s = String(w);
    if (!s.endsWith('@lid')) return s;
    const L = W.S.LidUtils;
    const pn = L && L.getPhoneNumber(W.S.WidFactory.createWid(s));
    return pn ? String(pn) : null;
  }
  function role(p) { return p.isSuperAdmin ? 'superadmin' : p.isAdmin ? 'admin' : 'participant'; }
  function participantJSON(p) {
    const out = { id: String(p.id), role: role(p) };
    const pn = pnOf(p.id);
    if (pn) out.pn = pn;
    return out;
  }
  function list(ps) { return ps ? (Array.isArray(ps) ? ps : ps.getModelsArray ? ps.getModelsArray() : []) : []; }
  // myEntry is the account's member entry of a metadata model or answer.
  function myEntry(gm) {
    const ps = gm && gm.participants;
    const me = W.S.MeUser;
    if (ps && typeof ps.get === 'function' && me) {
      const hit = ps.get(String(me.getMaybeMePnUser())) || (me.getMaybeMeLidUser() && ps.get(String(me.getMaybeMeLidUser())));
      if (hit) return hit;
    }
    return list(ps).find((p) => isMe(p.id)) || null;
  }

  // groupJSON is WAHA's GroupInfo of a GroupMetadata model (or the plain
  // answer of an invite query).
  W.groupJSON = function (gm, exclude) {
    const id = String(gm.id);
    const ps = list(gm.participants).map(participantJSON);
    const code = W.inviteCodes.get(id);
    const out = {
      id, subject: gm.subject || '', description: gm.desc || '',
      membersCanAddNewMember: gm.memberAddMode === 'all_member_add',
      membersCanSendMessages: !gm.announce,
      newMembersApprovalRequired: !!gm.membershipApprovalMode,
      participants: exclude ? [] : ps,
      infoAdminOnly: !!gm.restrict,
      size: ps.length || gm.size || 0,
    };
    if (code) out.invite = INVITE_URL + code;
    if (gm.owner) out.owner = String(gm.owner);
    if (gm.creation) out.creation = gm.creation;
    return out;
  };

  // groupChat is the chat of a group the page knows, with fresh metadata.
  async function groupChat(id, refresh) {
    const wid = W.wid(id);
    if (!wid.isGroup()) W.fail('invalid', String(wid) + ' is not a group');
    const chat = W.S.Chat.get(wid);
    if (!chat || !chat.groupMetadata) W.fail('not_found', 'group ' + String(wid) + ' not found');
    if (refresh) {
      try { await queryJob().queryAndUpdateGroupMetadataById({ id: String(wid) }); } catch (e) { serverErr(e, 'refreshing ' + String(wid)); }
    }
    return chat;
  }
  // memberChat is a group the account is in now.
  async function memberChat(id, refresh) {
    const chat = await groupChat(id, refresh);
    if (!myEntry(chat.groupMetadata)) W.fail('not_found', 'the account is not a member of ' + String(chat.id));
    return chat;
  }
  const queryJob = () => W.mod('WAWebGroupQueryJob');
  const metadataColl = () => W.need(W.mod('WAWebCollections').GroupMetadata || W.mod('WAWebCollections').WAWebGroupMetadataCollection, 'GroupMetadata');

  function myGroups() {
    return metadataColl().getModelsArray().filter((gm) => myEntry(gm) && W.S.Chat.get(gm.id));
  }

  W.ops.groups = async ({ limit, offset, sortBy, sortOrder, exclude }) => {
    let gs = myGroups();
    const key = sortBy === 'subject' ? (g) => String(g.subject || '').toLowerCase() : (g) => String(g.id);
    const dir = sortOrder === 'desc' ? -1 : 1;
    gs = gs.map((g) => [key(g), g]).sort((a, b) => (a[0] < b[0] ? -dir : a[0] > b[0] ? dir : 0)).map((x) => x[1]);
    const start = Math.max(0, offset || 0);
    gs = limit > 0 ? gs.slice(start, start + limit) : gs.slice(start);
    return gs.map((g) => W.groupJSON(g, exclude));
  };
  W.ops.groupCount = async () => myGroups().length;
  W.ops.group = async ({ id }) => W.groupJSON((await memberChat(id, true)).groupMetadata);
  W.ops.refreshGroups = async () => {
    const q = queryJob();
    for (const gm of metadataColl().getModelsArray()) {
      try { await q.queryAndUpdateGroupMetadataById({ id: String(gm.id) }); } catch (e) { if (!isStatusErr(e)) throw e; }
    }
    return myGroups().length;
  };

  // createGroup as wwebjs' createGroup: the participants WhatsApp knows,
  // then the new group's metadata. Who was not added is in each
  // participant's result. Unlike wwebjs we do not force LID addressing
  // (addressingModeOverride 'lid'): WhatsApp picks the group's mode, and in
  // a phone-number group members and senders keep their phone ids, as
  // WAHA's other engines report them.
  W.ops.createGroup = async ({ subject, participants }) => {
    const wids = [], results = [];
    for (const p of participants || []) {
      const w = W.wid(p);
      if (!w.isUser()) W.fail('invalid', String(w) + ' is not a person');
      const exists = await W.need(W.S.QueryExist, 'WAWebQueryExistsJob').queryWidExists(w);
      if (exists && exists.wid) wids.push({ phoneNumber: w });
      else results.push({ id: String(w), code: 404 });
    }
    let res;
    try {
      res = await W.mod('WAWebGroupCreateJob').createGroup({
        memberAddMode: false, membershipApprovalMode: false, announce: false,
        restrict: false, ephemeralDuration: 0, parentGroupId: undefined, title: String(subject),
      }, wids);
    } catch (e) { serverErr(e, 'creating the group'); }
    for (const p of res.participants || []) {
      const code = Number(p.error) || 200;
      const r = { id: pnOf(p.wid) || String(p.wid), code };
      if (p.invite_code) Object.assign(r, { inviteCode: String(p.invite_code), inviteExpiration: Number(p.invite_code_exp) || undefined });
      results.push(r);
    }
    try { await queryJob().queryAndUpdateGroupMetadataById({ id: String(res.wid) }); } catch (e) { if (!isStatusErr(e)) throw e; }
    const gm = metadataColl().get(String(res.wid));
    if (!gm) W.fail('unavailable', 'group ' + String(res.wid) + ' was created but its metadata did not arrive');
    return { group: W.groupJSON(gm), results };
  };

  W.ops.leaveGroup = async ({ id }) => {
    const chat = await memberChat(id, false);
    try { await W.mod('WAWebExitGroupAction').sendExitGroup(chat); } catch (e) { serverErr(e, 'leaving ' + String(chat.id)); }
    return true;
  };
  // deleteGroup is what WhatsApp's apps do for "delete group": the creator
  // removes everyone else, leaves, and deletes the chat.
  W.ops.deleteGroup = async ({ id }) => {
    const chat = await memberChat(id, true);
    const mine = myEntry(chat.groupMetadata);
    if (!mine.isSuperAdmin) W.fail('not_allowed', 'only the group\'s creator can delete ' + String(chat.id) + '; leave it instead');
    const others = chat.groupMetadata.participants.getModelsArray().filter((p) => !isMe(p.id));
    try {
      if (others.length) await W.mod('WAWebModifyParticipantsGroupAction').removeParticipants(chat, others);
      await W.mod('WAWebExitGroupAction').sendExitGroup(chat);
    } catch (e) { serverErr(e, 'deleting ' + String(chat.id)); }
    await W.need(W.S.DeleteChat, 'WAWebDeleteChatAction').sendDelete(chat);
    return true;
  };
  W.ops.joinGroup = async ({ code }) => {
    let res;
    try { res = await W.mod('WAWebGroupInviteJob').joinGroupViaInvite(String(code)); } catch (e) { serverErr(e, 'joining by invite ' + code); }
    return String(res.gid);
  };
  W.ops.joinInfo = async ({ code }) => {
    let info;
    try { info = await queryJob().queryGroupInvite(String(code)); } catch (e) { serverErr(e, 'invite ' + code); }
    return W.groupJSON(info);
  };

  W.ops.setGroupSubject = async ({ id, subject }) => {
    const chat = await memberChat(id, false);
    try { await W.mod('WAWebGroupModifyInfoJob').setGroupSubject(chat.id, String(subject)); } catch (e) { serverErr(e, 'setting the subject of ' + String(chat.id)); }
    return true;
  };
  W.ops.setGroupDescription = async ({ id, description }) => {
    const chat = await memberChat(id, true);
    const newId = await W.S.MsgKey.newId();
    try {
      await W.mod('WAWebGroupModifyInfoJob').setGroupDescription(chat.id, String(description), newId, chat.groupMetadata.descId);
    } catch (e) { serverErr(e, 'setting the description of ' + String(chat.id)); }
    return true;
  };
  const SETTINGS = { 'info-admin-only': ['restrict', 'restrict'], 'messages-admin-only': ['announcement', 'announce'] };
  W.ops.groupSetting = async ({ id, setting }) => {
    const s = SETTINGS[setting] || W.fail('invalid', 'unknown setting ' + setting);
    const chat = await memberChat(id, true);
    return { adminsOnly: !!chat.groupMetadata[s[1]] };
  };
  W.ops.setGroupSetting = async ({ id, setting, adminsOnly }) => {
    const s = SETTINGS[setting] || W.fail('invalid', 'unknown setting ' + setting);
    const chat = await memberChat(id, false);
    try { await W.mod('WAWebSetPropertyGroupAction').setGroupProperty(chat, s[0], adminsOnly ? 1 : 0); } catch (e) { serverErr(e, 'changing ' + setting + ' of ' + String(chat.id)); }
    return true;
  };

  W.ops.groupPicture = async ({ id }) => W.pictureURL(await groupChat(id, false));
  // setGroupPicture takes the prepared JPEGs (cropped in Go, as wwebjs does
  // in a canvas), as wwebjs' setPicture sends them.
  W.ops.setGroupPicture = async ({ id, jpeg, thumbnail }) => {
    const chat = await memberChat(id, true);
    const thumbs = W.need(W.S.ProfilePicThumb, 'WAWebCollections.ProfilePicThumb');
    const pp = thumbs.get(String(chat.id)) || (await thumbs.find(String(chat.id)));
    if (!pp || !pp.canSet()) W.fail('not_allowed', 'WhatsApp does not let this account change the picture of ' + String(chat.id) + ' (only admins edit its info)');
    let res;
    try {
      res = await W.need(W.S.ProfilePic, 'WAWebContactProfilePicThumbBridge')
        .sendSetPicture(chat.id, 'data:image/jpeg;base64,' + thumbnail, 'data:image/jpeg;base64,' + jpeg);
    } catch (e) { serverErr(e, 'setting the picture of ' + String(chat.id)); }
    if (!res || res.status !== 200) W.fail('unavailable', 'WhatsApp refused the picture (status ' + (res && res.status) + ')');
    return true;
  };
  W.ops.deleteGroupPicture = async ({ id }) => {
    const chat = await memberChat(id, true);
    const thumbs = W.need(W.S.ProfilePicThumb, 'WAWebCollections.ProfilePicThumb');
    const pp = thumbs.get(String(chat.id)) || (await thumbs.find(String(chat.id)));
    if (!pp.canDelete()) {
      if (!pp.canSet()) W.fail('not_allowed', 'WhatsApp does not let this account change the picture of ' + String(chat.id));
      return true; // no picture to delete
    }
    let res;
    try { res = await W.need(W.S.ProfilePic, 'WAWebContactProfilePicThumbBridge').requestDeletePicture(chat.id); } catch (e) { serverErr(e, 'deleting the picture of ' + String(chat.id)); }
    if (!res || res.status !== 200) W.fail('unavailable', 'WhatsApp did not delete the picture (status ' + (res && res.status) + ')');
    return true;
  };

  W.ops.groupInviteCode = async ({ id }) => {
    const chat = await memberChat(id, false);
    let res;
    try { res = await W.mod('WAWebMexFetchGroupInviteCodeJob').fetchMexGroupInviteCode(String(chat.id)); } catch (e) { serverErr(e, 'the invite code of ' + String(chat.id)); }
    const code = res && res.code ? res.code : res;
    if (!code) W.fail('unavailable', 'WhatsApp gave no invite code for ' + String(chat.id));
    W.inviteCodes.set(String(chat.id), String(code));
    return String(code);
  };
  W.ops.revokeGroupInvite = async ({ id }) => {
    const chat = await memberChat(id, false);
    let res;
    try { res = await queryJob().resetGroupInviteCode(chat.id); } catch (e) { serverErr(e, 'revoking the invite of ' + String(chat.id)); }
    W.inviteCodes.set(String(chat.id), String(res.code));
    return String(res.code);
  };

  W.ops.groupParticipants = async ({ id }) => (await memberChat(id, true)).groupMetadata.participants.getModelsArray().map(participantJSON);

  // findMember is the member entry of user id by either of its ids
  // (wwebjs' enforceLidAndPnRetrieval, then participants.get).
  async function findMember(gm, w) {
    const L = W.S.LidUtils;
    let lid = w.isLid() ? w : L && L.getCurrentLid(w);
    if (!lid && !w.isLid()) {
      const r = await W.S.QueryExist.queryWidExists(w);
      if (r && r.wid) lid = L && L.getCurrentLid(w);
    }
    const pn = w.isLid() ? L && L.getPhoneNumber(w) : w;
    return (lid && gm.participants.get(String(lid))) || (pn && gm.participants.get(String(pn))) || null;
  }

  // updateParticipants answers one result per participant, in their order:
  // WhatsApp's code for each (200 done; 401 not an admin; 403 their privacy
  // settings forbid adding them, with the invite WhatsApp made; 404 not on
  // WhatsApp; 409 already a member, or not one).
  W.ops.updateParticipants = async ({ id, action, participants }) => {
    const chat = await memberChat(id, true);
    const gm = chat.groupMetadata;
    const wids = (participants || []).map((p) => { const w = W.wid(p); if (!w.isUser()) W.fail('invalid', String(w) + ' is not a person'); return w; });
    const results = wids.map((w) => ({ id: String(w), code: 0 }));
    const me = myEntry(gm);
    const canAdd = action === 'add' && gm.memberAddMode === 'all_member_add';
    if (!me.isAdmin && !canAdd) {
      for (const r of results) r.code = 401;
      return results;
    }
    if (action === 'add') {
      const J = W.mod('WAWebWidToJid');
      const ask = [];
      for (let i = 0; i < wids.length; i++) {
        if (await findMember(gm, wids[i])) { results[i].code = 409; continue; }
        const ex = await W.need(W.S.QueryExist, 'WAWebQueryExistsJob').queryWidExists(wids[i]);
        if (!ex || !ex.wid) { results[i].code = 404; continue; }
        ask.push(i);
      }
      if (ask.length) {
        let rpc;
        try {
          rpc = await W.mod('WASmaxGroupsAddParticipantsRPC').sendAddParticipantsRPC({
            participantArgs: ask.map((i) => ({ participantJid: J.widToUserJid(wids[i]) })), iqTo: J.widToGroupJid(chat.id),
          });
        } catch (e) { serverErr(e, 'adding to ' + String(chat.id)); }
        ask.forEach((i, k) => {
          const r = results[i];
          if (rpc.name === 'AddParticipantsResponseClientError') { r.code = +rpc.value.errorAddParticipantsClientErrors.value.code; return; }
          if (rpc.name === 'AddParticipantsResponseServerError') { r.code = +rpc.value.errorServerErrors.value.code; return; }
          const item = rpc.value.addParticipant[k];
          const mix = item && item.addParticipantsParticipantAddedOrNonRegisteredWaUserParticipantErrorLidResponseMixinGroup.value.addParticipantsParticipantMixins;
          r.code = +((mix && mix.value.error) || 200);
          if (mix && mix.value.addRequestCode) Object.assign(r, { inviteCode: String(mix.value.addRequestCode), inviteExpiration: Number(mix.value.addRequestExpiration) || undefined });
        });
      }
    } else {
      const fn = { remove: 'removeParticipants', promote: 'promoteParticipants', demote: 'demoteParticipants' }[action] || W.fail('invalid', 'unknown action ' + action);
      const found = [];
      for (let i = 0; i < wids.length; i++) {
        const p = await findMember(gm, wids[i]);
        if (!p) { results[i].code = 409; continue; }
        found.push([i, p]);
      }
      if (found.length) {
        let res;
        try { res = await W.mod('WAWebModifyParticipantsGroupAction')[fn](chat, found.map((x) => x[1])); } catch (e) { serverErr(e, action + ' in ' + String(chat.id)); }
        const codes = new Map(((res && res.participants) || []).map((r) => [String(r.id), Number(r.code)]));
        for (const [i, p] of found) results[i].code = codes.get(String(p.id)) || 200;
      }
    }
    try { await queryJob().queryAndUpdateGroupMetadataById({ id: String(chat.id) }); } catch (e) { if (!isStatusErr(e)) throw e; }
    return results;
  };

  // canSendTo refuses a message WhatsApp would refuse: to a group the account
  // left, or to an admins-only group when it is not an admin.
  W.canSendTo = function (chat) {
    const gm = chat && chat.groupMetadata;
    if (!gm) return;
    const me = myEntry(gm);
    if (!me) W.fail('not_allowed', 'the account is not a member of ' + String(chat.id));
    if (gm.announce && !me.isAdmin) W.fail('not_allowed', 'only admins can send messages to ' + String(chat.id));
  };

  // --- events ---
  const JOINED = ['add', 'invite', 'linked_group_join', 'create'];
  const LEFT = ['remove', 'leave'];
  const UPDATES = {
    subject: (gm) => ({ subject: gm.subject || '' }),
    description: (gm) => ({ description: gm.desc || '' }),
    announce: (gm) => ({ membersCanSendMessages: !gm.announce }),
    restrict: (gm) => ({ infoAdminOnly: !!gm.restrict }),
    member_add_mode: (gm) => ({ membersCanAddNewMember: gm.memberAddMode === 'all_member_add' }),
  };
  // onNotification maps a group notification (a gp2 message) to a group
  // event: the account joining or leaving, members changing, the info changing.
  W.onGroupNotification = async function (msg) {
    const gid = String(msg.id.remote);
    const gm = metadataColl().get(gid);
    const recipients = (msg.recipients || []).map(String);
    const author = msg.author ? String(msg.author) : null;
    const base = { group: gid, timestamp: msg.t || 0, author, subtype: msg.subtype, _data: W.rawMsg(msg) };
    const sub = msg.subtype;
    const aboutMe = recipients.some(isMe) || (sub === 'create' && gm && !!myEntry(gm));
    if (JOINED.includes(sub) && aboutMe) {
      if (gm) W.emit('group', { group: Object.assign(base, { kind: 'join', info: W.groupJSON(gm) }) });
      return;
    }
    if (LEFT.includes(sub) && aboutMe) {
      W.emit('group', { group: Object.assign(base, { kind: 'leave', author: sub === 'remove' && author && !isMe(author) ? author : null }) });
      return;
    }
    const type = JOINED.includes(sub) ? 'join' : LEFT.includes(sub) ? 'leave' : sub === 'promote' || sub === 'demote' ? sub : null;
    if (type) {
      const ps = recipients.map((r) => {
        const p = gm && gm.participants.get(r);
        const out = p ? participantJSON(p) : { id: r, role: 'participant' };
        if (type === 'leave') out.role = 'left';
        if (!out.pn) { const pn = pnOf(r); if (pn) out.pn = pn; }
        return out;
      });
      W.emit('group', { group: Object.assign(base, { kind: 'participants', type, participants: ps }) });
      return;
    }
    let change = UPDATES[sub] && gm ? UPDATES[sub](gm) : null;
    if (sub === 'picture') {
      let tag = '';
      try {
        const r = await W.S.ProfilePic.requestProfilePicFromServer(W.S.Chat.get(gid) || W.wid(gid));
        tag = r && r.tag ? String(r.tag).replace(/\.jpg$/, '') : '';
      } catch (e) { tag = ''; }
      change = { picture: tag };
    }
    if (change) W.emit('group', { group: Object.assign(base, { kind: 'update', change }) });
  };

  const RECEIPT_ACKS = { read: 3, played: 4 };
  W.attachGroupEvents = function () {
    // Receipts for own group messages, one per member, as WAHA takes them:
    // from the receipt stanzas WhatsApp Web decodes.
    let Wap;
    try { Wap = window.require('WAWap'); } catch (e) { Wap = undefined; }
    if (!Wap || typeof Wap.decodeStanza !== 'function' || Wap.decodeStanza.__wagate) return;
    const orig = Wap.decodeStanza;
    const wrapped = async function (...args) {
      const st = await orig.apply(this, args);
      try { onStanza(st); } catch (e) { console.warn('wagate: reading a stanza', e); }
      return st;
    };
    wrapped.__wagate = true;
    Wap.decodeStanza = wrapped;
    W.receiptsSniffed = true;
  };
  function onStanza(st) {
    if (!st || st.tag !== 'receipt' || !st.attrs) return;
    const a = st.attrs;
    if (!a.participant || !String(a.from || '').endsWith('@g.us')) return;
    const ack = RECEIPT_ACKS[a.type] || (a.type ? 0 : 2);
    if (!ack) return;
    const gm = metadataColl().get(String(a.from));
    const me = myEntry(gm);
    if (!me) return;
    const key = new W.S.MsgKey({ fromMe: true, remote: W.wid(a.from), id: String(a.id), participant: me.id });
    const msg = W.S.Msg.get(String(key));
    if (!msg) return;
    const reader = String(W.wid(String(a.participant).replace('@s.whatsapp.net', '@c.us')));
    W.emit('ack', { ack: Object.assign(W.ackJSON(msg, ack), { participant: reader }) });
  }
})();

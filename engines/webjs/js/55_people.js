// The people around the account: number lookups, contacts, the LID map,
// blocking, presence and chat states, the own profile and calls. Each calls
// the WhatsApp Web modules whatsapp-web.js calls for the same feature
// (Client.js, structures/Contact.js, Injected/Utils.js): queryWidExists,
// Contact / getContactModel, WAWebApiContact, WAWebBlockContactAction,
// WAWebContactStatusBridge, WAWebSaveContactAction, WAWebPresenceChatAction,
// WAWebChatStateBridge, WAWebSetPushnameConnAction, sendSetPicture and the
// call reject stanza; incoming presence follows the Presence collection.
(function () {
  'use strict';
  const W = window.WAGATE;
  const str = (x) => W.str(x);

  const lidUtils = () => W.need(W.S.LidUtils, 'WAWebApiContact');
  const queryExists = () => W.need(W.S.QueryExist, 'WAWebQueryExistsJob');

  // userWid is a person's wid, or a failure naming the id.
  W.userWid = function (id) {
    const wid = W.wid(id);
    if (!wid.isUser()) W.fail('invalid', String(wid) + ' is not a person');
    return wid;
  };

  // pnOf and lidOf are the other id of a person as the page knows it, null if not.
  W.pnOf = (wid) => (wid.isLid() ? lidUtils().getPhoneNumber(wid) || null : wid);
  W.lidOf = (wid) => (wid.isLid() ? wid : lidUtils().getCurrentLid(wid) || null);

  // GET /contacts/check-exists: the usync query WA Web runs (getNumberId).
  W.ops.checkNumber = async ({ phone }) => {
    const r = await queryExists().queryWidExists(W.userWid(String(phone) + '@c.us'));
    if (!r || !r.wid) return { numberExists: false };
    return { numberExists: true, chatId: String(r.wid) };
  };

  // contactJSON is WAHA's contact from WA's model, as getContactModel reads
  // it: the getters, isBlocked from the model, a LID contact under its phone
  // number when known (wwebjs' `contact.id = contact.phoneNumber`).
  W.contactJSON = function (c) {
    const G = W.need(W.S.ContactGetters, 'WAWebContactGetters');
    let id = c.id;
    let lid = null;
    if (id.isLid && id.isLid()) {
      lid = id;
      const pn = c.phoneNumber || W.pnOf(id);
      if (pn) id = pn;
    } else if (id.isUser && id.isUser()) {
      lid = W.lidOf(id);
    }
    const out = {
      id: String(id),
      number: id.isUser() && !id.isLid() ? id.user : null,
      name: str(G.getName(c)),
      pushname: str(G.getPushname(c)),
      shortName: str(G.getShortName(c)),
      isMe: !!G.getIsMe(c),
      isGroup: !!G.getIsGroup(c),
      isWAContact: !!G.getIsWAContact(c),
      isMyContact: W.S.FrontendContactGetters ? !!W.S.FrontendContactGetters.getIsMyContact(c) : false,
      isBlocked: !!c.isContactBlocked,
    };
    if (lid && String(lid) !== out.id) out.lid = String(lid);
    return out;
  };

  // contactsJSON is one contact per person: WA keeps a model per id, so a
  // person known by number and LID has two.
  function contactsJSON() {
    const byID = new Map(); // id → {json, lid: from the LID model}
    for (const c of W.S.Contact.getModelsArray()) {
      const j = W.contactJSON(c);
      const fromLid = !!(c.id.isLid && c.id.isLid());
      const prev = byID.get(j.id);
      if (!prev) { byID.set(j.id, { j, fromLid }); continue; }
      // The phone-number model leads (it has the address-book fields); the
      // other fills what it lacks.
      const [main, other] = prev.fromLid && !fromLid ? [j, prev.j] : [prev.j, j];
      for (const k of Object.keys(other)) if (main[k] == null) main[k] = other[k];
      main.isBlocked = main.isBlocked || other.isBlocked;
      byID.set(j.id, { j: main, fromLid: prev.fromLid && fromLid });
    }
    return Array.from(byID.values(), (x) => x.j);
  }

  W.ops.contacts = ({ limit, offset, sortBy, sortOrder }) => {
    const all = contactsJSON();
    const dir = sortOrder === 'desc' ? -1 : 1;
    const key = sortBy === 'name' ? (k) => k.name || k.pushname || k.shortName || null : (k) => k.id;
    all.sort((a, b) => {
      const x = key(a), y = key(b);
      if (x === y) return a.id < b.id ? -dir : a.id > b.id ? dir : 0;
      if (x === null) return 1; // nameless last, either way
      if (y === null) return -1;
      return x < y ? -dir : dir;
    });
    const start = Math.max(0, offset || 0);
    return limit > 0 ? all.slice(start, start + limit) : all.slice(start);
  };

  // Contact.find makes a model for any id it is given, as WA Web does.
  W.ops.contact = async ({ id }) => {
    const wid = W.wid(id);
    const c = await W.S.Contact.find(wid);
    return W.contactJSON(c);
  };

  W.ops.about = async ({ id }) => {
    const wid = W.userWid(id);
    const r = await W.need(W.S.ContactStatus, 'WAWebContactStatusBridge').getStatus({ token: '', wid });
    return r && typeof r.status === 'string' && r.status !== '' ? r.status : null;
  };

  // block: the contact WA's block menu would use, then the action (wwebjs
  // 1.34.7's Contact.block/unblock).
  W.ops.block = async ({ id, block }) => {
    const wid = W.userWid(id);
    const contact = await W.S.Contact.find(wid);
    const resolved = W.need(W.S.BlockUtils, 'WAWebBlockContactUtils').getContactToBlockOnlyUseIfNoAssociatedChat(contact, 'ChatListBlock');
    const action = W.need(W.S.BlockContact, 'WAWebBlockContactAction');
    if (block) await action.blockContact({ contact: resolved });
    else await action.unblockContact(resolved);
    return true;
  };

  W.ops.saveContact = async ({ phone, firstName, lastName }) => {
    await W.need(W.S.SaveContact, 'WAWebSaveContactAction').saveContactAction({
      firstName, lastName, phoneNumber: String(phone), prevPhoneNumber: String(phone), syncToAddressbook: true, username: undefined,
    });
    return true;
  };

  // --- the LID map: what the page knows of each person's two ids ---
  function lidPairs() {
    const pairs = new Map();
    for (const c of W.S.Contact.getModelsArray()) {
      if (!c.id.isUser()) continue;
      const lid = W.lidOf(c.id), pn = c.id.isLid() ? c.phoneNumber || W.pnOf(c.id) : c.id;
      if (lid && pn) pairs.set(String(lid), String(pn));
    }
    return Array.from(pairs, ([lid, pn]) => ({ lid, pn })).sort((a, b) => (a.lid < b.lid ? -1 : a.lid > b.lid ? 1 : 0));
  }
  W.ops.lids = ({ limit, offset }) => {
    const all = lidPairs();
    const start = Math.max(0, offset || 0);
    return limit > 0 ? all.slice(start, start + limit) : all.slice(start);
  };
  W.ops.lidsCount = () => lidPairs().length;

  // The other id, asking WhatsApp (queryWidExists teaches the page the LID)
  // when the page does not know it: wwebjs' enforceLidAndPnRetrieval.
  W.ops.pnForLid = async ({ lid }) => {
    const wid = W.wid(lid);
    if (!wid.isLid()) W.fail('invalid', String(wid) + ' is not a LID');
    let pn = W.pnOf(wid);
    if (!pn) {
      const r = await queryExists().queryWidExists(wid);
      if (r && r.wid) pn = W.pnOf(wid);
    }
    if (!pn) W.fail('not_found', 'the phone number of ' + String(wid) + ' is not known');
    return { lid: String(wid), pn: String(pn) };
  };
  W.ops.lidForPn = async ({ pn }) => {
    const wid = W.userWid(pn);
    let lid = W.lidOf(wid);
    if (!lid) {
      const r = await queryExists().queryWidExists(wid);
      if (r && r.wid) lid = W.lidOf(wid);
    }
    if (!lid) W.fail('not_found', String(wid) + ' is not on WhatsApp');
    return { lid: String(lid), pn: String(wid) };
  };

  // --- presence ---
  W.ops.setPresence = async ({ presence, chatId }) => {
    const P = W.need(W.S.PresenceUtils, 'WAWebPresenceChatAction');
    switch (presence) {
      case 'online': await P.sendPresenceAvailable(); return true;
      case 'offline': await P.sendPresenceUnavailable(); return true;
    }
    const wid = W.wid(chatId);
    const CS = W.need(W.S.ChatState, 'WAWebChatStateBridge');
    switch (presence) {
      case 'typing': await CS.sendChatStateComposing(wid); break;
      case 'recording': await CS.sendChatStateRecording(wid); break;
      case 'paused': await CS.sendChatStatePaused(wid); break;
      default: W.fail('invalid', 'unknown presence ' + presence);
    }
    return true;
  };

  // Chat states as WA's ChatstateModel names them, as WAHA does.
  const CHATSTATE = { typing: 'typing', recording_audio: 'recording', idle: 'paused' };
  // last is what was last seen of each participant, by chat.
  W.presenceLast = new Map();

  W.presenceJSON = function (p) {
    const id = String(p.id);
    const known = W.presenceLast.get(id);
    if (known && known.size) return { id, presences: Array.from(known.values()) };
    const d = { participant: id, lastKnownPresence: p.isOnline ? 'online' : 'offline' };
    if (p.lastSeen) d.lastSeen = p.lastSeen;
    return { id, presences: [d] };
  };

  W.notePresence = function (p, lastKnownPresence) {
    const id = String(p.id);
    const d = { participant: id, lastKnownPresence };
    if (p.lastSeen) d.lastSeen = p.lastSeen;
    if (!W.presenceLast.has(id)) W.presenceLast.set(id, new Map());
    W.presenceLast.get(id).set(id, d);
    W.emit('presence', { presence: { id, presences: [d] } });
  };

  // watchPresence follows one person's Presence model (once).
  W.watchPresence = function (p) {
    if (!p || p.__wagateWatched) return;
    Object.defineProperty(p, '__wagateWatched', { value: true });
    p.on('change:isOnline', (m, online) => W.notePresence(m, online ? 'online' : 'offline'));
    if (p.chatstate && p.chatstate.on) {
      p.chatstate.on('change:type', (cs, type) => { if (CHATSTATE[type]) W.notePresence(p, CHATSTATE[type]); });
    }
  };

  const presences = () => W.need(W.S.Presence, 'WAWebCollections.Presence');
  W.ops.subscribePresence = async ({ chatId }) => {
    const p = await presences().find(W.wid(chatId));
    W.watchPresence(p);
    await p.subscribe();
    return true;
  };
  W.ops.presence = async ({ chatId }) => {
    const p = await presences().find(W.wid(chatId));
    W.watchPresence(p);
    if (!p.isSubscribed) await p.subscribe();
    return W.presenceJSON(p);
  };
  W.ops.presences = () => presences().getModelsArray().filter((p) => p.isSubscribed || W.presenceLast.has(String(p.id))).map(W.presenceJSON);

  // --- the own profile ---
  const meWid = () => {
    const me = W.need(W.S.MeUser, 'WAWebUserPrefsMeUser');
    return me.getMaybeMePnUser() || me.getMaybeMeLidUser();
  };
  W.ops.profile = async () => {
    const wid = meWid();
    return { id: String(wid), name: W.S.Conn.pushname || '', picture: await W.pictureURL({ id: wid }) };
  };
  W.ops.setProfileName = async ({ name }) => {
    if (!W.S.Conn.canSetMyPushname()) W.fail('not_allowed', 'WhatsApp does not let this account change its name now');
    await W.need(W.S.SetPushname, 'WAWebSetPushnameConnAction').setPushname(name);
    return true;
  };
  W.ops.setProfileAbout = async ({ about }) => {
    await W.need(W.S.ContactStatus, 'WAWebContactStatusBridge').setMyStatus(about);
    return true;
  };
  // setProfilePicture takes the picture and its thumbnail as base64 JPEGs,
  // already cropped and scaled (wwebjs does that in a canvas; we in Go).
  W.ops.setProfilePicture = async ({ jpeg, thumbnail }) => {
    const wid = meWid();
    const thumbs = W.need(W.S.ProfilePicThumb, 'WAWebCollections.ProfilePicThumb');
    const pp = thumbs.get(String(wid)) || (await thumbs.find(String(wid)));
    if (!pp || !pp.canSet()) W.fail('not_allowed', 'WhatsApp does not let this account set its picture');
    try {
      const res = await W.need(W.S.ProfilePic, 'WAWebContactProfilePicThumbBridge')
        .sendSetPicture(wid, 'data:image/jpeg;base64,' + thumbnail, 'data:image/jpeg;base64,' + jpeg);
      if (!res || res.status !== 200) W.fail('unavailable', 'WhatsApp refused the picture (status ' + (res && res.status) + ')');
    } catch (e) {
      if (e && e.name === 'ServerStatusCodeError') W.fail('invalid', 'WhatsApp refused the picture: ' + e.message);
      throw e;
    }
    return true;
  };
  W.ops.deleteProfilePicture = async () => {
    const wid = meWid();
    const thumbs = W.need(W.S.ProfilePicThumb, 'WAWebCollections.ProfilePicThumb');
    const pp = thumbs.get(String(wid)) || (await thumbs.find(String(wid)));
    if (!pp.canDelete()) return true; // nothing to delete
    const res = await W.need(W.S.ProfilePic, 'WAWebContactProfilePicThumbBridge').requestDeletePicture(wid);
    if (!res || res.status !== 200) W.fail('unavailable', 'WhatsApp did not delete the picture (status ' + (res && res.status) + ')');
    return true;
  };

  // --- calls: the reject stanza wwebjs casts ---
  W.ops.rejectCall = async ({ from, id }) => {
    const Wap = W.need(W.S.Wap, 'WAWap');
    const peer = String(W.userWid(from));
    const stanza = Wap.wap('call', { id: Wap.generateId(), from: String(meWid()), to: peer }, [
      Wap.wap('reject', { 'call-id': String(id), 'call-creator': peer, count: '0' }),
    ]);
    await W.need(W.S.SendIq, 'WADeprecatedSendIq').deprecatedCastStanza(stanza);
    return true;
  };

  W.callJSON = (c) => ({
    id: String(c.id), from: String(c.peerJid), timestamp: c.offerTime || Math.floor(Date.now() / 1000),
    isVideo: !!c.isVideo, isGroup: !!c.isGroup, _data: W.plain(c.serialize ? c.serialize() : c) || {},
  });

  // attachPeopleEvents: calls offered, presences of the people watched.
  W.attachPeopleEvents = function () {
    const calls = W.S.Calls;
    if (calls && typeof calls.on === 'function') {
      calls.on('add', (c) => { if (!c.outgoing) W.emit('call', { call: W.callJSON(c) }); });
    }
    const P = W.S.Presence;
    if (P) {
      for (const p of P.getModelsArray()) W.watchPresence(p);
      P.on('add', (p) => W.watchPresence(p));
    }
  };
})();

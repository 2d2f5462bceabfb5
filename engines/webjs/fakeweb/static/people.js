// The people modules whatsapp-web.js calls that modules.js does not have:
// abouts (WAWebContactStatusBridge), blocking (WAWebBlockContactUtils,
// WAWebBlockContactAction, the Blocklist by LID), the address book (WAWebSaveContactAction), the push name
// (WAWebSetPushnameConnAction) and stanzas (WAWap, WADeprecatedSendIq: the
// call reject). The server side of each is the Go server (own profile,
// pictures) or the account's state here (FW.peers). Also the test hooks that
// play the other people: their presence and chat states.
(function () {
  'use strict';
  const FW = window.__fakewebInternals;
  const { toWid } = FW;
  const def = FW.def;
  const DEFAULT_ABOUT = 'Hey there! I am using WhatsApp.';
  const isMine = (wid) => String(wid) === String(FW.me) || String(wid) === String(FW.meLid);

  // postOwn tells the server a change of the own profile.
  async function postOwn(change) {
    const res = await fetch('/__fakeweb/own', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(change) });
    if (!res.ok) throw FW.statusError(res.status);
  }

  def('WAWebContactStatusBridge', {
    // getStatus is the usync status query: the about of a user on WhatsApp.
    getStatus: async ({ wid }) => {
      const w = toWid(wid);
      if (isMine(w)) return { id: w, status: FW.own.about == null ? DEFAULT_ABOUT : FW.own.about };
      const peer = FW.peerOf(w);
      if (!peer) return { id: w, status: undefined };
      return { id: w, status: peer.about == null ? DEFAULT_ABOUT : peer.about };
    },
    setMyStatus: async (status) => {
      const text = String(status);
      if (text.length > 139) throw FW.statusError(400);
      await postOwn({ about: text });
      FW.own.about = text;
    },
  });

  // isBlocked: the Blocklist has the user by either id.
  FW.isBlocked = function (wid) {
    const w = toWid(wid);
    if (FW.Blocklist.get(w)) return true;
    const alt = FW.alternateWid(w);
    return !!(alt && FW.Blocklist.get(alt));
  };

  def('WAWebBlockContactAction', {
    // blockContact({contact}) takes anything with the user's id (wwebjs
    // passes the chat); WA keeps the entry by LID when it knows it.
    blockContact: async ({ contact }) => {
      if (!contact || !contact.id) throw new TypeError("Cannot read properties of undefined (reading 'id')");
      const w = toWid(contact.id);
      if (!w.isUser()) throw new Error('only users can be blocked: ' + w);
      const lid = w.isLid() ? w : FW.alternateWid(w);
      FW.Blocklist.add({ id: lid || w });
    },
    unblockContact: async (contact) => {
      if (!contact || !contact.id) throw new TypeError("Cannot read properties of undefined (reading 'id')");
      const w = toWid(contact.id);
      const alt = FW.alternateWid(w);
      FW.Blocklist.remove([String(w)].concat(alt ? [String(alt)] : []));
    },
  });

  // The contact the block menu acts on: the contact itself when it has no
  // chat of its own to resolve it through.
  def('WAWebBlockContactUtils', {
    getContactToBlockOnlyUseIfNoAssociatedChat: (contact, entryPoint) => {
      if (!contact || !contact.id) throw new TypeError("Cannot read properties of undefined (reading 'id')");
      if (typeof entryPoint !== 'string') throw new TypeError('entry point required');
      return contact;
    },
  });

  def('WAWebSaveContactAction', {
    saveContactAction: async ({ firstName, lastName, phoneNumber }) => {
      if (!/^\d{5,20}$/.test(String(phoneNumber))) throw new Error('invalid phone number ' + phoneNumber);
      const wid = toWid(String(phoneNumber) + '@c.us');
      const name = [firstName, lastName].filter(Boolean).join(' ').trim();
      const c = FW.Contact.get(wid) || FW.Contact.add({ id: wid })[0];
      c.set({ name, shortName: firstName || undefined, type: 'in' });
      const chat = FW.Chat.get(wid);
      if (chat) chat.formattedTitle = name;
    },
  });

  def('WAWebSetPushnameConnAction', {
    setPushname: async (name) => {
      const n = String(name);
      if (!n || n.length > 25) throw FW.statusError(400);
      await postOwn({ pushname: n });
      FW.Conn.set('pushname', n);
    },
  });

  const hexID = () => Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
  def('WAWap', {
    wap: (tag, attrs, content) => ({ tag: String(tag), attrs: Object.assign({}, attrs || {}), content: content === undefined ? null : content }),
    generateId: () => hexID(),
    // decodeStanza turns an incoming frame into a stanza (the fake's frames
    // are JSON); every incoming receipt passes through it.
    decodeStanza: async (frame) => JSON.parse(new TextDecoder().decode(frame)),
  });
  def('WADeprecatedSendIq', {
    // deprecatedCastStanza sends a stanza that expects no answer. The server
    // takes a call reject: the caller's phone stops ringing, the offer goes.
    deprecatedCastStanza: async (stanza) => {
      if (!stanza || stanza.tag !== 'call' || !Array.isArray(stanza.content) || !stanza.content.length) throw new Error('unsupported stanza');
      const child = stanza.content[0];
      if (child.tag !== 'reject') throw new Error('unsupported call stanza ' + child.tag);
      const id = String(child.attrs['call-id'] || '');
      const call = FW.Call.get(id);
      if (!call || String(call.peerJid) !== String(toWid(stanza.attrs.to))) return; // the server ignores a stale reject
      FW.rejectedCalls.push({ id, to: String(call.peerJid) });
      FW.Call.remove(call);
    },
  });

  // learnSender: a message tells the sender's push name (and, with the
  // alternate address the server adds, their LID).
  FW.learnSender = function (wid, notifyName) {
    const w = toWid(wid);
    const peer = FW.peerOf(w);
    if (peer && peer.lid) FW.mapLid(peer.pn, peer.lid);
    if (!notifyName || !w.isUser()) return;
    const c = FW.Contact.get(w) || FW.Contact.add({ id: w, type: 'out' })[0];
    c.set('pushname', String(notifyName));
  };

  const CHATSTATES = { typing: 'typing', recording: 'recording_audio', paused: 'idle' };
  FW.peopleHooks = {
    // setPeople replaces what the server knows of other users and the own profile.
    setPeople: (spec) => { FW.peopleSpec = spec; FW.applyPeople(spec); return true; },
    // peerPresence: a user comes online or goes offline; their subscribers see it.
    peerPresence: ({ phone, online }) => {
      const pn = String(phone) + '@c.us';
      const peer = FW.peers.get(pn);
      if (!peer) throw new Error('unknown user ' + pn);
      if (peer.online && !online) peer.lastSeen = FW.nowSec();
      peer.online = !!online;
      if (FW.isBlocked(pn)) return true;
      for (const id of [pn, peer.lid]) {
        const p = id && FW.Presence.get(id);
        if (p && p.isSubscribed) p.set({ isOnline: !!online, lastSeen: peer.online ? undefined : peer.lastSeen });
      }
      return true;
    },
    // peerChatState: a user types, records or pauses in their chat with the
    // account; chat states come with the chat, subscribed or not.
    peerChatState: ({ phone, state }) => {
      const type = CHATSTATES[state];
      if (!type) throw new Error('unknown chat state ' + state);
      const pn = String(phone) + '@c.us';
      if (FW.isBlocked(pn)) return true;
      const p = FW.Presence.get(pn) || FW.Presence.add({ id: pn, isOnline: true, isSubscribed: false })[0];
      p.chatstate.set({ type, t: FW.nowSec() });
      return true;
    },
    rejectedCalls: () => FW.rejectedCalls.slice(),
  };
})();

// The people side of the fake account's models: presence (WA Web's
// Presence collection, a model per person with isOnline, lastSeen and a
// chatstate model), profile picture thumbs (ProfilePicThumb, with the
// canSet/canDelete rules), and the server's knowledge of other accounts
// (FW.peers: registered users' LIDs, push names, abouts, pictures, presence)
// and of the account's own profile (FW.own), both kept by the Go server.
(function () {
  'use strict';
  const FW = window.__fakewebInternals;
  const { Model, Collection, toWid } = FW;

  // A chat state: type typing | recording_audio | idle, t when it changed.
  class ChatstateModel extends Model {}
  Model.define(ChatstateModel, ['id', 'type', 't']);

  // subscribe() asks the server for the person's presence updates; the
  // server answers with where they are now.
  class PresenceModel extends Model {
    constructor(attrs) {
      super(attrs);
      this.__x.id = toWid(this.__x.id);
      Object.defineProperty(this, 'chatstate', { value: new ChatstateModel({ id: this.__x.id, type: 'idle' }), enumerable: false });
    }
    async subscribe() {
      const peer = FW.peerOf(this.id);
      this.set('isSubscribed', true);
      if (peer) this.set({ isOnline: !!peer.online, lastSeen: peer.lastSeen || undefined });
    }
  }
  Model.define(PresenceModel, ['id', 'isOnline', 'isSubscribed', 'lastSeen']);

  class PresenceCollection extends Collection {
    constructor() { super(PresenceModel); }
    async find(id) {
      const wid = toWid(id);
      return this.get(wid) || this.add({ id: wid, isOnline: false, isSubscribed: false })[0];
    }
  }

  // A picture thumb: the own one can be set and deleted (deleted only when
  // there is one); others' not.
  class ProfilePicThumbModel extends Model {
    constructor(attrs) { super(attrs); this.__x.id = toWid(this.__x.id); }
    isMine() { return String(this.id) === String(FW.me) || String(this.id) === String(FW.meLid); }
    // A group's picture: members may change it unless only admins edit the info.
    canSet() { return this.id.isGroup() ? FW.canEditGroupInfo(this.id) : this.isMine(); }
    canDelete() { return this.id.isGroup() ? FW.canEditGroupInfo(this.id) && !!FW.groupPictureURL(this.id) : this.isMine() && !!FW.own.picture; }
  }
  Model.define(ProfilePicThumbModel, ['id', 'eurl', 'tag', 'img', 'imgFull']);

  class ProfilePicThumbCollection extends Collection {
    constructor() { super(ProfilePicThumbModel); }
    async find(id) {
      const wid = toWid(id);
      let m = this.get(wid);
      if (!m) m = this.add({ id: wid })[0];
      const url = FW.pictureOf(wid);
      m.set({ eurl: url || undefined, img: url || undefined, imgFull: url || undefined });
      return m;
    }
  }

  // pictureOf is the URL of a user's picture as the server serves it, null
  // when they have none (or block the account).
  FW.pictureOf = function (wid) {
    const w = toWid(wid);
    if (w.isGroup()) return FW.groupPictureURL(w);
    const mine = String(w) === String(FW.me) || String(w) === String(FW.meLid);
    if (mine) return FW.own.picture ? location.origin + '/__fakeweb/pp/' + FW.own.picture + '.jpg' : null;
    const peer = FW.peerOf(w);
    if (peer && peer.picture) return location.origin + '/__fakeweb/pp/' + peer.picture + '.jpg';
    return null;
  };

  // peerOf is the server's record of a user, by either id.
  FW.peerOf = function (wid) {
    const w = toWid(wid);
    if (w.isLid()) {
      for (const p of FW.peers.values()) if (p.lid === String(w)) return p;
      return null;
    }
    return FW.peers.get(String(w)) || null;
  };

  // applyPeople (re)registers what the server knows of other users: they
  // are on WhatsApp, with a LID, push name, about, picture and presence.
  FW.applyPeople = function (spec) {
    FW.peers.clear();
    for (const p of (spec && spec.peers) || []) {
      const pn = p.phone + '@c.us';
      FW.peers.set(pn, Object.assign({}, p, { pn }));
      FW.registered.add(pn);
      if (p.lid) FW.registered.add(p.lid);
    }
    FW.own = Object.assign({ about: null, picture: null }, (spec && spec.own) || {});
  };

  FW.ChatstateModel = ChatstateModel;
  FW.Presence = new PresenceCollection();
  FW.ProfilePicThumb = new ProfilePicThumbCollection();
  FW.peers = new Map(); // 'pn@c.us' → {phone, lid, pushname, about, picture (id), online, lastSeen}
  FW.own = { about: null, picture: null }; // the account's own profile as the server has it
  FW.rejectedCalls = []; // calls the account rejected: {id, to}
  FW.peopleSpec = null;
})();

// Models and collections of the fake account: Chat, Msg, Contact, the Socket
// and Conn singletons, and the per-tab state that WhatsApp Web would keep in
// memory (the "server side" history lives in FW.history until a
// loadEarlierMsgs call brings it into the collections).
(function () {
  'use strict';
  const FW = window.__fakewebInternals;
  const { Model, Collection, Emitter, MsgKey, toWid } = FW;

  class MsgModel extends Model {
    constructor(attrs) {
      super(attrs);
      if (!(this.__x.id instanceof MsgKey)) this.__x.id = new MsgKey(this.__x.id);
      for (const k of ['from', 'to', 'author']) if (this.__x[k] && !(this.__x[k] instanceof FW.Wid)) this.__x[k] = toWid(this.__x[k]);
      if (this.__x.ack === undefined) this.__x.ack = 0;
    }
    // downloadMedia moves the media from INIT to RESOLVED, as WA does once
    // the encrypted blob has been fetched.
    async downloadMedia() {
      if (!this.directPath) throw new Error('no media');
      this.mediaData = Object.assign({}, this.mediaData, { mediaStage: 'RESOLVED' });
    }
    msgContextInfo(chat) {
      return {
        quotedMsg: { type: this.type, body: this.body, caption: this.caption },
        quotedStanzaID: this.id.id,
        quotedParticipant: this.author || (this.id.fromMe ? FW.me : this.from),
        quotedRemoteJid: chat && chat.id && !String(chat.id).startsWith(String(this.id.remote)) ? this.id.remote : undefined,
      };
    }
    get mediaObject() { return this.directPath ? this.mediaData : undefined; }
  }
  Model.define(MsgModel, [
    'id', 'body', 'caption', 'type', 't', 'from', 'to', 'author', 'ack', 'isNewMsg', 'isNotification', 'star',
    'isForwarded', 'forwardingScore', 'hasReaction', 'mentionedJidList', 'quotedMsg', 'quotedStanzaID',
    'quotedParticipant', 'quotedRemoteJid', 'latestEditMsgKey', 'latestEditSenderTimestampMs',
    'protocolMessageKey', 'isEphemeral', 'isStatusV3', 'directPath', 'mimetype', 'filename', 'size',
    'mediaKey', 'mediaKeyTimestamp', 'filehash', 'encFilehash', 'notifyName', 'self', 'local', 'subtype',
    'broadcast', 'recvFresh', 'pendingAckUpdate', 'duration', 'width', 'height', 'isGif', 'waveform', 'clientUrl',
    'deprecatedMms3Url', 'uploadhash', 'isViewOnce',
    // locations, contact cards, polls, link cards
    'lat', 'lng', 'loc', 'isLive', 'vcardFormattedName', 'vcardList', 'kind', 'pollName', 'pollOptions',
    'pollSelectableOptionsCount', 'messageSecret', 'title', 'description', 'canonicalUrl', 'matchedText', 'thumbnail',
    'preview', 'richPreviewType', 'doNotPlayInline',
    // group notifications (gp2): who was added, removed, promoted…
    'recipients',
  ], ['mediaData']);

  class MsgCollection extends Collection {
    constructor() { super(MsgModel, (a, b) => a.t - b.t, ['t']); }
    async getMessagesById(ids) {
      const messages = [];
      for (const id of ids) {
        if (id == null) throw new DOMException('Failed to execute get on IDBObjectStore: No key or key range specified.', 'DataError');
        const m = this.get(id) || FW.materialize(String(id));
        if (m) messages.push(m);
      }
      return { messages };
    }
    async search(query, page, count, remote) {
      const q = String(query).toLowerCase();
      const all = [];
      for (const m of this.getModelsArray()) {
        if (remote && String(m.id.remote) !== String(remote)) continue;
        if (String(m.body || m.caption || '').toLowerCase().includes(q)) all.push(m);
      }
      const start = ((page || 1) - 1) * (count || 50);
      return { messages: all.slice(start, start + (count || 50)) };
    }
  }

  class ChatModel extends Model {
    constructor(attrs) {
      super(attrs);
      this.__x.id = toWid(this.__x.id);
      const msgs = new MsgCollection();
      Object.defineProperty(this, 'msgs', { value: msgs, enumerable: false });
      const chat = this;
      const mute = new Emitter();
      Object.defineProperty(mute, 'expiration', { get: () => chat.muteExpiration || 0, enumerable: true });
      mute.mute = async ({ expiration }) => { chat.muteExpiration = expiration; };
      mute.unmute = async () => { chat.muteExpiration = 0; };
      Object.defineProperty(this, 'mute', { value: mute, enumerable: false });
    }
    // iAmAdmin: the account is an admin of this group (false elsewhere).
    iAmAdmin() {
      const gm = this.groupMetadata;
      if (!gm) return false;
      const p = gm.participants.get(FW.me) || (FW.meLid && gm.participants.get(FW.meLid));
      return !!(p && p.isAdmin);
    }
  }
  Model.define(ChatModel, [
    'id', 'lastReceivedKey', 't', 'unreadCount', 'archive', 'isReadOnly', 'isAnnounceGrpRestrict', 'modifyTag',
    'muteExpiration', 'notSpam', 'pin', 'ephemeralDuration', 'unreadMentionsOfMe', 'name', 'isLocked',
  ], ['formattedTitle', 'groupMetadata'], ['msgs']);

  // A group member as GroupMetadata.participants holds it.
  class ParticipantModel extends Model {
    constructor(attrs) { super(attrs); this.__x.id = toWid(this.__x.id); }
  }
  Model.define(ParticipantModel, ['id', 'isAdmin', 'isSuperAdmin']);

  // participants is a collection of its own (keyed by member id), as on
  // WhatsApp Web: wwebjs calls participants.get(id) and .serialize(). Setting
  // `participants` to an array (what the server sends) updates it in place.
  class GroupMetadataModel extends Model {
    constructor(attrs) {
      const a = Object.assign({}, attrs || {});
      const list = a.participants || [];
      delete a.participants;
      super(a);
      this.__x.id = toWid(this.__x.id);
      Object.defineProperty(this, 'participants', { value: new Collection(ParticipantModel), enumerable: false });
      this._setParticipants(list);
    }
    set(a, b) {
      const attrs = Object.assign({}, typeof a === 'string' ? { [a]: b } : a);
      if ('participants' in attrs) {
        this._setParticipants(attrs.participants || []);
        delete attrs.participants;
      }
      return super.set(attrs);
    }
    _setParticipants(list) {
      const want = new Map(list.map((p) => [String(p.id), p]));
      for (const m of this.participants.getModelsArray()) if (!want.has(String(m.id))) this.participants.remove(m);
      for (const [id, p] of want) {
        const m = this.participants.get(id);
        const flags = { isAdmin: !!p.isAdmin, isSuperAdmin: !!p.isSuperAdmin };
        if (m) m.set(flags); else this.participants.add(new ParticipantModel(Object.assign({ id: p.id }, flags)));
      }
    }
  }
  Model.define(GroupMetadataModel, [
    'id', 'owner', 'subject', 'subjectTime', 'subjectOwner', 'creation', 'desc', 'descId', 'descOwner', 'descTime',
    'announce', 'restrict', 'memberAddMode', 'membershipApprovalMode', 'isLidAddressingMode', 'size', 'support', 'suspended', 'terminated',
  ], [], ['participants']);

  // GroupMetadata.update(wid) refreshes a group's metadata from the server
  // (FW.serverGroups), firing change events for what differs.
  class GroupMetadataCollection extends Collection {
    constructor() { super(GroupMetadataModel); }
    async update(wid) {
      const id = String(toWid(wid));
      const row = FW.serverGroups.get(id);
      if (!row) {
        const err = new Error('item-not-found: group ' + id);
        err.name = 'ServerStatusCodeError';
        err.statusCode = 404;
        throw err;
      }
      FW.applyGroupRow(row);
    }
  }

  // applyGroupRow brings the server's copy of a group into the page: its
  // metadata model (made if new) and the chat's link to it.
  FW.applyGroupRow = function (row) {
    const id = String(row.id);
    const attrs = FW.groupAttrs(row);
    let m = FW.GroupMetadata.get(id);
    if (m) m.set(attrs); else m = FW.GroupMetadata.add(new GroupMetadataModel(attrs))[0];
    const chat = FW.Chat.get(id);
    if (chat && chat.groupMetadata !== m) chat.__x.groupMetadata = m;
    return m;
  };
  // groupAttrs is what the page's model holds of a server row (members'
  // flags copied, never shared with the server's copy).
  FW.groupAttrs = function (row) {
    const a = {};
    for (const k of GroupMetadataModel.__props) if (row[k] !== undefined) a[k] = row[k];
    a.participants = (row.participants || []).map((p) => ({ id: p.id, isAdmin: !!p.isAdmin, isSuperAdmin: !!p.isSuperAdmin }));
    a.size = a.participants.length;
    return a;
  };

  // A contact: `type` 'in' is in the phone's address book; `phoneNumber` is
  // set on LID contacts. Blocking is app state (FW.Blocklist, by LID).
  class ContactModel extends Model {
    get isContactBlocked() {
      if (FW.Blocklist.get(this.id)) return true;
      const alt = FW.alternateWid(this.id);
      return !!(alt && FW.Blocklist.get(alt));
    }
    get formattedName() { return this.name || this.pushname || FW.titleFor(this.id); }
  }
  Model.define(ContactModel, [
    'id', 'name', 'shortName', 'pushname', 'type', 'isBusiness', 'isEnterprise', 'verifiedName', 'verifiedLevel',
    'statusMute', 'phoneNumber', 'labels',
  ]);

  // Contact.find resolves any user id: an unknown one becomes a bare contact,
  // as WA Web creates one for every id it looks up.
  class ContactCollection extends Collection {
    constructor() { super(ContactModel); }
    async find(id) {
      const wid = toWid(id);
      return this.get(wid) || this.add({ id: wid })[0];
    }
    gadd(id, opts) {
      const wid = toWid(id);
      return this.get(wid) || this.add({ id: wid }, opts)[0];
    }
  }

  class BlocklistModel extends Model {
    constructor(attrs) { super(attrs); this.__x.id = toWid(this.__x.id); }
  }
  Model.define(BlocklistModel, ['id']);

  // A call offer (WAWebCallCollection): keyed by call id in the collection's Map.
  class CallModel extends Model {}
  Model.define(CallModel, ['id', 'peerJid', 'isVideo', 'isGroup', 'canHandleLocally', 'outgoing', 'webClientShouldHandle', 'participants', 'offerTime']);

  // Reactions of one message as WAWebCollections.Reactions.find gives them:
  // one aggregate per emoji, each with its senders.
  class ReactionSenderModel extends Model {}
  Model.define(ReactionSenderModel, ['id', 'msgKey', 'parentMsgKey', 'senderUserJid', 'reactionText', 'timestamp', 'orphan', 'read', 'ack']);
  class ReactionAggregateModel extends Model {
    constructor(attrs) {
      super(attrs);
      Object.defineProperty(this, 'senders', { value: new Collection(ReactionSenderModel), enumerable: false });
    }
  }
  Model.define(ReactionAggregateModel, ['id', 'aggregateEmoji', 'hasReactionByMe'], [], ['senders']);
  class MsgReactionsModel extends Model {
    constructor(attrs) {
      super(attrs);
      Object.defineProperty(this, 'reactions', { value: new Collection(ReactionAggregateModel), enumerable: false });
    }
  }
  Model.define(MsgReactionsModel, ['id'], [], ['reactions']);
  class ReactionsCollection extends Collection {
    constructor() { super(MsgReactionsModel); }
    // find builds the message's reactions from the reaction table.
    async find(parentMsgId) {
      const key = String(parentMsgId);
      const rows = Array.from((FW.reactionRows.get(key) || new Map()).values()).filter((r) => r.reactionText);
      const model = new MsgReactionsModel({ id: key });
      const byEmoji = new Map();
      for (const r of rows) {
        if (!byEmoji.has(r.reactionText)) byEmoji.set(r.reactionText, []);
        byEmoji.get(r.reactionText).push(r);
      }
      for (const [emoji, list] of byEmoji) {
        const agg = new ReactionAggregateModel({ id: emoji, aggregateEmoji: emoji, hasReactionByMe: list.some((r) => r.id.fromMe) });
        agg.senders.add(list.map((r) => new ReactionSenderModel({
          id: r.id, msgKey: r.id, parentMsgKey: r.reactionParentKey, senderUserJid: String(r.author || r.from),
          reactionText: r.reactionText, timestamp: r.reactionTimestamp, orphan: r.orphan, read: r.read, ack: r.ack,
        })));
        model.reactions.add(agg);
      }
      return model;
    }
  }

  // WA orders the chat list with pinned chats first, then by last activity.
  function chatOrder(a, b) {
    const pa = a.pin || 0, pb = b.pin || 0;
    if (pa !== pb) return pb - pa;
    return (b.t || 0) - (a.t || 0);
  }

  class SocketModel extends Model {
    async logout() { FW.logout('socket'); }
    async reconnect() { this.set('state', 'OPENING'); setTimeout(() => this.set('state', FW.me ? 'CONNECTED' : 'UNPAIRED'), 50); }
    async takeover() { if (this.state === 'CONFLICT') this.set('state', 'CONNECTED'); }
  }
  Model.define(SocketModel, ['state', 'hasSynced', 'stream']);

  class ConnModel extends Model {
    serialize() {
      return { ref: this.ref, pushname: this.pushname, platform: this.platform, battery: this.battery, plugged: this.plugged, phone: { wa_version: '2.26.1.1' } };
    }
    canSetMyPushname() { return true; }
  }
  Model.define(ConnModel, ['ref', 'pushname', 'platform', 'battery', 'plugged', 'wid']);

  // alternateWid maps a PN user to its LID and back (null when unknown).
  FW.alternateWid = function (wid) {
    const w = toWid(wid);
    const alt = w.isLid() ? FW.lidToPn.get(String(w)) : w.server === 'c.us' ? FW.pnToLid.get(String(w)) : undefined;
    return alt ? toWid(alt) : null;
  };
  FW.mapLid = function (pn, lid) {
    FW.pnToLid.set(String(pn), String(lid));
    FW.lidToPn.set(String(lid), String(pn));
  };

  FW.MsgModel = MsgModel;
  FW.ContactModel = ContactModel;
  FW.CallModel = CallModel;
  FW.ChatModel = ChatModel;
  FW.GroupMetadataModel = GroupMetadataModel;
  FW.ParticipantModel = ParticipantModel;
  FW.Chat = new Collection(ChatModel, chatOrder, ['t', 'pin']);
  FW.Msg = new MsgCollection();
  FW.Contact = new ContactCollection();
  FW.GroupMetadata = new GroupMetadataCollection();
  FW.Blocklist = new Collection(BlocklistModel);
  FW.Call = new Collection(CallModel);
  FW.Reactions = new ReactionsCollection();
  FW.serverGroups = new Map(); // chatId -> group metadata as the server has it
  FW.registered = new Set(); // user ids the server knows to be on WhatsApp
  FW.lidToPn = new Map(); // 'lid@lid' -> 'pn@c.us', as LID migration maps them
  FW.pnToLid = new Map();
  FW.reactionRows = new Map(); // parent msg key -> sender -> reaction row (the addon table)
  FW.presence = { state: 'unavailable', log: [] }; // own presence sent to the server
  FW.chatStates = []; // chat states sent: {chatId, state, t}
  FW.ciphertexts = new Map(); // msg key -> plaintext the sender will resend on request
  FW.ProfilePicThumb = new Collection(Model);
  FW.Socket = new SocketModel({ state: 'UNLAUNCHED', hasSynced: false });
  FW.Conn = new ConnModel({ platform: 'smba', pushname: '', battery: 100, plugged: true });
  FW.Cmd = new Emitter();
  FW.Stream = new Model({ available: false });
  FW.history = new Map(); // chatId -> ascending array of msg attrs not yet loaded
  FW.pins = []; // rows of WAWebPinInChatSchema
  FW.stalls = new Set(); // "Module.fn" names that never settle (test hook)
  FW.me = null;
  FW.nowSec = () => Math.floor(Date.now() / 1000);

  // materialize turns a history row into a loaded model (IndexedDB read).
  FW.materialize = function (id) {
    let key;
    try { key = MsgKey.fromString(id); } catch (e) { return undefined; }
    const rows = FW.history.get(String(key.remote));
    if (!rows) return undefined;
    const row = rows.find((r) => String(new MsgKey(r.id)) === String(key));
    return row ? new MsgModel(row) : undefined;
  };
})();

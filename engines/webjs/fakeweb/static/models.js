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
    'broadcast', 'recvFresh', 'pendingAckUpdate',
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
  }
  Model.define(ChatModel, [
    'id', 'lastReceivedKey', 't', 'unreadCount', 'archive', 'isReadOnly', 'isAnnounceGrpRestrict', 'modifyTag',
    'muteExpiration', 'notSpam', 'pin', 'ephemeralDuration', 'unreadMentionsOfMe', 'name', 'isLocked',
  ], ['formattedTitle', 'groupMetadata']);

  class GroupMetadataModel extends Model {}
  Model.define(GroupMetadataModel, ['id', 'owner', 'subject', 'creation', 'desc', 'participants', 'announce', 'restrict', 'isLidAddressingMode']);

  class ContactModel extends Model {}
  Model.define(ContactModel, ['id', 'name', 'shortName', 'pushname', 'type', 'isBusiness', 'isEnterprise', 'verifiedName']);

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

  FW.MsgModel = MsgModel;
  FW.ChatModel = ChatModel;
  FW.GroupMetadataModel = GroupMetadataModel;
  FW.Chat = new Collection(ChatModel, chatOrder, ['t', 'pin']);
  FW.Msg = new MsgCollection();
  FW.Contact = new Collection(ContactModel);
  FW.GroupMetadata = new Collection(GroupMetadataModel);
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

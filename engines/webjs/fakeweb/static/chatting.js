// The WhatsApp Web modules of the Chatting tag beyond text and media, as
// whatsapp-web.js calls them (Injected/Utils.js sendMessage, forwardMessage;
// Message.js vote; Client.js getPollVotes and the poll vote table): link
// previews, vCards, poll votes and their table, forwarding. Plus the test
// hooks through which the other side sends these kinds and the phone shows
// what arrived.
(function () {
  'use strict';
  const FW = window.__fakewebInternals;
  const { MsgKey, toWid } = FW;

  function def(name, exportsObj) {
    window.__d(name, [], function (g, r, i, n, module, exports) { Object.assign(exports, exportsObj); }, 1);
  }

  FW.readReceipts = []; // read receipts sent: {chatId, ids, t}
  FW.reactionLog = []; // every reaction row written, oldest first
  FW.pollVotes = new Map(); // poll msg key -> sender -> vote row (the addon table)
  FW.pollVoteLog = []; // every vote row written, oldest first
  const load = FW.loadAccount;
  FW.loadAccount = function (spec) {
    FW.readReceipts = []; FW.reactionLog = []; FW.pollVotes.clear(); FW.pollVoteLog = [];
    return load(spec);
  };
  const react = FW.react;
  FW.react = function (msg, emoji, sender, fromMe) {
    FW.reactionLog.push({ parent: String(msg.id), sender: String(sender), fromMe: !!fromMe, reaction: String(emoji || ''), t: Date.now() });
    return react(msg, emoji, sender, fromMe);
  };

  // --- link previews: WhatsApp's servers fetch the page (the Go server here) ---
  def('WAWebLinkPreviewChatAction', {
    getLinkPreview: async (link) => {
      const url = link && (link.href || link.url || link);
      const res = await fetch('/__fakeweb/linkpreview?url=' + encodeURIComponent(String(url)));
      if (!res.ok) return null;
      const data = await res.json();
      return data && data.title ? { data } : null;
    },
  });

  // --- vCards ---
  function unescape(v) { return String(v).replace(/\\n/g, '\n').replace(/\\([,;\\])/g, '$1'); }
  def('WAWebVcardParsingUtils', {
    parseVcard: (text) => {
      const lines = String(text).replace(/\r\n/g, '\n').split('\n');
      if (!/^BEGIN:VCARD$/i.test(lines[0] || '') || !lines.some((l) => /^END:VCARD$/i.test(l))) throw new Error('not a vcard');
      const out = { fields: [] };
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const key = line.slice(0, i).split(';')[0].toUpperCase();
        out.fields.push({ key, params: line.slice(0, i), value: unescape(line.slice(i + 1)) });
        if (key === 'FN' && !out.fn) out.fn = unescape(line.slice(i + 1));
        if (key === 'N' && !out.n) out.n = unescape(line.slice(i + 1));
      }
      return out;
    },
  });
  def('WAWebVcardGetNameFromParsed', {
    vcardGetNameFromParsed: (p) => (p && (p.fn || (p.n || '').split(';').filter(Boolean).reverse().join(' '))) || '',
  });
  def('WAWebFrontendVcardUtils', {
    vcardFromContactModel: (c) => {
      const name = c.formattedName;
      const user = c.id.user;
      return { displayName: name, vcard: 'BEGIN:VCARD\nVERSION:3.0\nN:;' + name + ';;;\nFN:' + name + '\nTEL;type=CELL;type=VOICE;waid=' + user + ':+' + user + '\nEND:VCARD' };
    },
  });

  // --- poll votes: the addon table every vote passes through, sending one,
  // and the votes schema wwebjs' getPollVotes reads ---
  const pollVoteTableMode = {
    bulkUpsert: async (rows) => {
      for (const r of rows) {
        const parent = String(r.pollUpdateParentKey);
        if (!FW.pollVotes.has(parent)) FW.pollVotes.set(parent, new Map());
        const sender = String(r.author || r.from);
        FW.pollVotes.get(parent).set(sender, r);
        FW.pollVoteLog.push(r);
      }
      return rows;
    },
  };
  def('WAWebAddonPollVoteTableMode', { pollVoteTableMode });
  // vote records sender's vote (option local ids) on poll msg.
  FW.vote = function (msg, localIds, sender, fromMe) {
    if (msg.type !== 'poll_creation') throw new Error('not a poll');
    const group = msg.id.remote.isGroup();
    const key = new MsgKey({ fromMe, remote: msg.id.remote, id: fromMe ? MsgKey.newIdSync() : FW.hex(32), participant: group ? sender : undefined });
    const now = Date.now();
    const row = {
      id: key, pollUpdateParentKey: msg.id, selectedOptionLocalIds: Array.from(localIds), senderTimestampMs: now, t: now,
      from: sender, author: group ? sender : undefined, ack: fromMe ? 1 : 0, read: fromMe,
    };
    return require('WAWebAddonPollVoteTableMode').pollVoteTableMode.bulkUpsert([row]);
  };
  def('WAWebPollsSendVoteMsgAction', {
    sendVote: async (msg, localIdSet) => {
      if (!msg || !FW.Msg.get(msg.id)) throw new Error('poll not found');
      const valid = new Set((msg.pollOptions || []).map((o) => o.localId));
      for (const id of localIdSet) if (!valid.has(id)) throw new Error('no option ' + id);
      const gm = FW.GroupMetadata.get(msg.id.remote);
      await FW.vote(msg, localIdSet, gm && gm.isLidAddressingMode ? FW.meLid : FW.me, true);
      return { messageSendResult: 'OK' };
    },
  });
  def('WAWebPollsVotesSchema', {
    getTable: () => ({
      equals: async (fields, value) => {
        if (fields[0] !== 'parentMsgKey') throw new Error('unsupported index');
        const rows = Array.from((FW.pollVotes.get(String(value)) || new Map()).values());
        return rows.map((r) => ({
          msgKey: String(r.id), parentMsgKey: String(r.pollUpdateParentKey), sender: String(r.author || r.from),
          selectedOptionLocalIds: r.selectedOptionLocalIds.slice(), senderTimestampMs: r.senderTimestampMs, ack: r.ack,
        }));
      },
    }),
  });

  // --- forwarding: a copy of the content, sent like any message ---
  const CONTENT = [
    'type', 'body', 'caption', 'directPath', 'mimetype', 'filename', 'size', 'mediaKey', 'mediaKeyTimestamp', 'filehash',
    'encFilehash', 'lat', 'lng', 'loc', 'clientUrl', 'vcardFormattedName', 'vcardList', 'kind', 'pollName', 'pollOptions',
    'pollSelectableOptionsCount', 'title', 'description', 'canonicalUrl', 'matchedText', 'thumbnail', 'preview', 'subtype',
    'richPreviewType', 'doNotPlayInline',
  ];
  def('WAWebChatForwardMessage', {
    forwardMessages: async ({ chat, msgs, includeCaption }) => {
      if (!chat || !FW.Chat.get(chat.id)) throw new Error('chat not found');
      const results = [];
      for (const m of msgs) {
        if (!m || m.type === 'revoked') throw new Error('cannot forward this message');
        const data = {};
        for (const k of CONTENT) if (m[k] !== undefined) data[k] = m[k];
        if (!includeCaption) delete data.caption;
        if (data.kind === 'pollCreation') data.messageSecret = crypto.getRandomValues(new Uint8Array(32));
        const group = chat.id.isGroup();
        const from = group && chat.groupMetadata && chat.groupMetadata.isLidAddressingMode ? FW.meLid : FW.me;
        const key = new MsgKey({ fromMe: true, remote: chat.id, id: MsgKey.newIdSync(), participant: group ? from : undefined });
        Object.assign(data, { id: key, from, to: chat.id, t: FW.nowSec(), isForwarded: true, forwardingScore: (m.forwardingScore || 0) + 1 });
        const [added, sent] = require('WAWebSendMsgChatAction').addAndSendMsgToChat(chat, data);
        await added;
        results.push(await sent);
      }
      return results;
    },
  });

  // --- test hooks ---
  const cards = (list) => (list.length === 1
    ? { type: 'vcard', body: list[0].vcard, vcardFormattedName: list[0].name }
    : { type: 'multi_vcard', body: '', vcardList: list.map((c) => ({ displayName: c.name, vcard: c.vcard })) });
  function rich(m) {
    const out = {
      id: String(m.id), fromMe: !!m.id.fromMe, type: m.type, body: m.body || '', caption: m.caption || '',
      isForwarded: !!m.isForwarded, forwardingScore: m.forwardingScore || 0, quotedStanzaID: m.quotedStanzaID || '',
      mentions: (m.mentionedJidList || []).map(String), t: m.t, ack: m.ack,
    };
    if (m.type === 'location') Object.assign(out, { lat: m.lat, lng: m.lng, loc: m.loc || '', clientUrl: m.clientUrl || '' });
    if (m.type === 'vcard') out.vcards = [m.body];
    if (m.type === 'multi_vcard') out.vcards = (m.vcardList || []).map((v) => v.vcard);
    if (m.type === 'poll_creation') {
      Object.assign(out, { pollName: m.pollName, pollOptions: (m.pollOptions || []).map((o) => o.name), selectable: m.pollSelectableOptionsCount });
    }
    if (m.title) Object.assign(out, { title: m.title, description: m.description || '', matchedText: m.matchedText || '', thumbnail: !!m.thumbnail });
    return out;
  }
  FW.moreHooks = {
    receiveLocation: (a) => FW.receive(Object.assign({}, a, { body: '', extra: {
      type: 'location', body: '', lat: a.lat, lng: a.lng, loc: [a.name, a.address].filter(Boolean).join('\n') || undefined, clientUrl: a.url || undefined,
    } })),
    receiveContacts: (a) => FW.receive(Object.assign({}, a, { body: '', extra: cards(a.contacts) })),
    receivePoll: (a) => FW.receive(Object.assign({}, a, { body: '', extra: {
      type: 'poll_creation', kind: 'pollCreation', body: '', pollName: a.name,
      pollOptions: a.options.map((o, i) => ({ name: o, localId: i })), pollSelectableOptionsCount: a.multiple ? 0 : 1,
      messageSecret: crypto.getRandomValues(new Uint8Array(32)),
    } })),
    remoteVote: ({ id, from, options }) => {
      const msg = FW.findMsg(id);
      const ids = options.map((name) => {
        const o = (msg.pollOptions || []).find((x) => x.name === name);
        if (!o) throw new Error('no option ' + name);
        return o.localId;
      });
      return FW.vote(msg, ids, toWid(from), false).then(() => true);
    },
    // resendCiphertext is the sender's phone answering the retry of an
    // undecryptable message, a round trip later.
    resendCiphertext: ({ id }) => {
      const msg = FW.findMsg(id);
      const plain = FW.ciphertexts.get(String(msg.id));
      if (msg.type !== 'ciphertext' || plain === undefined) throw new Error('message ' + id + ' is not waiting for a resend');
      FW.ciphertexts.delete(String(msg.id));
      setTimeout(() => msg.set({ type: 'chat', body: plain }), 50);
      return true;
    },
    richMessages: ({ chatId }) => FW.findChat(chatId).msgs.getModelsArray().map(rich),
    pollVoteLog: () => FW.pollVoteLog.map((r) => {
      const poll = FW.Msg.get(String(r.pollUpdateParentKey));
      const opts = (poll && poll.pollOptions) || [];
      return {
        id: String(r.id), parent: String(r.pollUpdateParentKey), sender: String(r.author || r.from), fromMe: !!r.id.fromMe,
        options: r.selectedOptionLocalIds.map((l) => (opts.find((o) => o.localId === l) || {}).name || ''), t: r.senderTimestampMs,
      };
    }),
    reactionLog: () => FW.reactionLog.slice(),
    readReceipts: () => FW.readReceipts.slice(),
  };
})();

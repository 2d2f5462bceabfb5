// The Chatting tag beyond text and media: locations, contact cards, polls and
// votes, link previews, forwards, reactions, stars, read receipts and chat
// states. Each calls the WhatsApp Web module functions whatsapp-web.js calls for
// the same feature (its Injected/Utils.js sendMessage, forwardMessage,
// sendSeen, sendChatstate; Message.js react, star, vote).
(function () {
  'use strict';
  const W = window.WAGATE;

  // mod requires a module the core store does not hold; a build without it
  // disables only the operation that needs it.
  W.mod = function (name) {
    let m;
    try { m = window.require(name); } catch (e) { m = undefined; }
    return W.need(m, name);
  };

  // sendFields adds a message of the given fields to chatId and sends it, as
  // wwebjs' sendMessage does: a new key (or the pre-generated id), ephemeral
  // fields, the quote, the mentions. It resolves once the message is in the
  // chat, and returns it serialized.
  W.sendFields = async function (chatId, fields, { id, replyTo, mentions, mentionAll } = {}) {
    const S = W.S;
    const chat = await W.getChat(chatId, true);
    W.canSendTo(chat);
    const newId = id ? String(id) : await S.MsgKey.newId();
    const me = W.need(S.MeUser, 'WAWebUserPrefsMeUser');
    const pn = me.getMaybeMePnUser(), lid = me.getMaybeMeLidUser();
    let from = chat.id.isLid() ? lid : pn;
    let participant;
    if (chat.id.isGroup()) {
      from = chat.groupMetadata && chat.groupMetadata.isLidAddressingMode ? lid : pn;
      participant = S.WidFactory.asUserWidOrThrow(from);
    }
    const key = new S.MsgKey({ from, to: chat.id, id: newId, participant, selfDir: 'out' });
    if (S.Msg.get(String(key))) W.fail('not_allowed', 'message id ' + newId + ' is already used');
    let quoted = {};
    if (replyTo) {
      const q = await W.findMsg(replyTo);
      if (S.Reply && !S.Reply.canReplyMsg(q.unsafe ? q.unsafe() : q)) W.fail('not_allowed', 'cannot reply to ' + replyTo);
      quoted = q.msgContextInfo(chat);
    }
    const msg = Object.assign({
      id: key, ack: 0, body: '', from, to: chat.id, local: true, self: 'out',
      t: Math.floor(Date.now() / 1000), isNewMsg: true, type: 'chat',
    }, S.Ephemeral ? S.Ephemeral.getEphemeralFields(chat) : {}, quoted, fields);
    if (mentionAll) {
      if (!chat.groupMetadata) W.fail('invalid', 'mentioning all members needs a group; ' + String(chat.id) + ' is not one');
      const mine = new Set([String(pn), String(lid)]);
      mentions = chat.groupMetadata.participants.map((p) => String(p.id)).filter((p) => !mine.has(p));
    }
    if (mentions && mentions.length) msg.mentionedJidList = mentions.map(W.wid);
    // Marked before sending: the Msg `add` event fires inside the call.
    W.apiSent.add(String(key));
    try {
      const [added] = W.need(S.SendMsg, 'WAWebSendMsgChatAction').addAndSendMsgToChat(chat, msg);
      await added;
    } catch (e) {
      W.apiSent.delete(String(key));
      throw e;
    }
    const sent = S.Msg.get(String(key));
    if (!sent) W.fail('unavailable', 'message ' + String(key) + ' was not added');
    return W.msgJSON(sent);
  };

  W.ops.newMessageId = async () => W.S.MsgKey.newId();

  // previewFields are the link card of a text: the one given, or the one
  // WhatsApp Web's own link preview finds (WAWebLinkPreviewChatAction).
  async function previewFields(text, linkPreview, preview) {
    if (preview) {
      const f = {
        title: preview.title, description: preview.description || '', canonicalUrl: preview.url, matchedText: preview.url,
        preview: true, subtype: 'url', richPreviewType: 0, doNotPlayInline: true,
      };
      if (preview.thumbnail) f.thumbnail = preview.thumbnail;
      return f;
    }
    if (!linkPreview) return {};
    const link = W.mod('WALinkify').findLink(text);
    if (!link) return {};
    const r = await W.mod('WAWebLinkPreviewChatAction').getLinkPreview(link);
    if (!r || !r.data) return {};
    return Object.assign({}, r.data, { preview: true, subtype: 'url' });
  }

  W.ops.sendText = async ({ chatId, text, replyTo, mentions, mentionAll, id, linkPreview, preview }) => {
    const fields = Object.assign({ body: String(text) }, await previewFields(String(text), linkPreview, preview));
    return W.sendFields(chatId, fields, { id, replyTo, mentions, mentionAll });
  };

  W.ops.sendLocation = async ({ chatId, latitude, longitude, name, address, url, replyTo, id }) => {
    const desc = [name, address].filter(Boolean).join('\n');
    const fields = { type: 'location', lat: latitude, lng: longitude };
    if (desc) fields.loc = desc;
    if (url) fields.clientUrl = url;
    return W.sendFields(chatId, fields, { id, replyTo });
  };

  // nameOf is a card's display name as WhatsApp Web reads it from the vCard.
  function nameOf(card) {
    if (card.name) return card.name;
    const parsed = W.mod('WAWebVcardParsingUtils').parseVcard(card.vcard);
    return W.mod('WAWebVcardGetNameFromParsed').vcardGetNameFromParsed(parsed);
  }

  W.ops.sendContacts = async ({ chatId, contacts, replyTo, id }) => {
    if (!contacts || !contacts.length) W.fail('invalid', 'no contacts to send');
    let fields;
    if (contacts.length === 1) {
      fields = { type: 'vcard', body: contacts[0].vcard, vcardFormattedName: nameOf(contacts[0]) };
    } else {
      fields = { type: 'multi_vcard', body: null, vcardList: contacts.map((c) => ({ displayName: nameOf(c), vcard: c.vcard })) };
    }
    return W.sendFields(chatId, fields, { id, replyTo });
  };

  W.ops.sendPoll = async ({ chatId, name, options, multiple, replyTo, id }) => {
    const fields = {
      kind: 'pollCreation', type: 'poll_creation', pollName: String(name),
      pollOptions: options.map((o, i) => ({ name: String(o), localId: i })),
      pollSelectableOptionsCount: multiple ? 0 : 1,
      messageSecret: window.crypto.getRandomValues(new Uint8Array(32)),
    };
    return W.sendFields(chatId, fields, { id, replyTo });
  };

  W.ops.votePoll = async ({ id, votes }) => {
    const msg = await W.findMsg(id);
    if (msg.type !== 'poll_creation') W.fail('invalid', 'message ' + id + ' is not a poll');
    const ids = new Set();
    for (const v of votes || []) {
      const opt = (msg.pollOptions || []).find((o) => o.name === v);
      if (!opt) W.fail('invalid', JSON.stringify(v) + ' is not an option of poll ' + id + ' (its options: ' + JSON.stringify((msg.pollOptions || []).map((o) => o.name)) + ')');
      ids.add(opt.localId);
    }
    if (msg.pollSelectableOptionsCount === 1 && ids.size > 1) W.fail('invalid', 'poll ' + id + ' takes one answer, got ' + ids.size);
    await W.mod('WAWebPollsSendVoteMsgAction').sendVote(msg, ids);
    return true;
  };

  // forwardMessage forwards as wwebjs does (WAWebChatForwardMessage) and
  // returns the copy the chat got.
  W.ops.forwardMessage = async ({ chatId, id }) => {
    const msg = await W.findMsg(id);
    const chat = await W.getChat(chatId, true);
    W.canSendTo(chat);
    const before = new Set(chat.msgs.getModelsArray().map((m) => String(m.id)));
    let added;
    const onAdd = (m) => {
      if (!added && m.id.fromMe && String(m.id.remote) === String(chat.id) && !before.has(String(m.id))) added = m;
    };
    W.S.Msg.on('add', onAdd);
    try {
      await W.mod('WAWebChatForwardMessage').forwardMessages({
        chat, msgs: [msg], multicast: true, includeCaption: true, appendedText: undefined,
      });
    } finally {
      W.S.Msg.off('add', onAdd);
    }
    if (!added) W.fail('unavailable', 'the forward of ' + id + ' did not reach ' + chatId);
    return W.msgJSON(added);
  };

  W.ops.react = async ({ id, emoji }) => {
    const msg = await W.findMsg(id);
    await W.mod('WAWebSendReactionMsgAction').sendReactionToMsg(msg, String(emoji || ''));
    return true;
  };

  W.ops.star = async ({ id, star }) => {
    const msg = await W.findMsg(id);
    if (!W.need(W.S.Cap, 'WAWebMsgActionCapability').canStarMsg(msg)) W.fail('not_allowed', 'message ' + id + ' cannot be starred');
    const chat = await W.S.Chat.find(msg.id.remote);
    await (star ? W.S.Cmd.sendStarMsgs(chat, [msg], false) : W.S.Cmd.sendUnstarMsgs(chat, [msg], false));
    return true;
  };

  // sendSeen reads the chat as wwebjs does (available, sendSeen, unavailable)
  // and returns the ids of the messages it read.
  W.ops.sendSeen = async ({ chatId }) => {
    const chat = await W.getChat(chatId);
    const n = chat.unreadCount > 0 ? chat.unreadCount : 0;
    const unread = chat.msgs.getModelsArray().filter((m) => !m.id.fromMe && !m.isNotification).slice(-n || undefined);
    const ids = n > 0 ? unread.map((m) => String(m.id)) : [];
    const stream = W.S.Stream;
    if (stream) stream.markAvailable();
    await W.need(W.S.Seen, 'WAWebUpdateUnreadChatAction').sendSeen({ chat, threadId: undefined });
    if (stream) stream.markUnavailable();
    return ids;
  };

  W.ops.typing = async ({ chatId, typing }) => {
    const wid = W.wid(chatId);
    const cs = W.mod('WAWebChatStateBridge');
    await (typing ? cs.sendChatStateComposing(wid) : cs.sendChatStatePaused(wid));
    return true;
  };
})();

// Chat operations: list, overview, picture, archive/unarchive, mark unread,
// delete, clear, read (send seen). Each maps to the internal call listed in
// wa-web-internals.md ("WAHA Chats endpoint → internal call").
(function () {
  'use strict';
  const W = window.WAGATE;

  W.wid = function (id) {
    try { return W.S.WidFactory.createWid(String(id)); } catch (e) { W.fail('invalid', 'invalid chat id ' + JSON.stringify(id)); }
  };

  W.getChat = async function (id, create) {
    const wid = W.wid(id);
    let chat = W.S.Chat.get(wid);
    if (!chat && create) {
      const r = await W.need(W.S.FindChat, 'WAWebFindChatAction').findOrCreateLatestChat(wid);
      chat = r && r.chat;
    }
    if (!chat) W.fail('not_found', 'chat ' + String(wid) + ' not found');
    return chat;
  };

  const SORT_KEYS = {
    conversationTimestamp: (c) => c.t || 0,
    id: (c) => String(c.id),
    name: (c) => String(c.formattedTitle || c.name || '').toLowerCase(),
  };

  function page(arr, offset, limit) {
    const start = Math.max(0, offset || 0);
    return limit > 0 ? arr.slice(start, start + limit) : arr.slice(start);
  }

  // Each row carries its last message, as whatsapp-web.js's Chat does.
  W.ops.listChats = async ({ limit, offset, sortBy, sortOrder }) => {
    let chats = W.S.Chat.getModelsArray();
    if (sortBy) {
      const key = SORT_KEYS[sortBy];
      if (!key) W.fail('invalid', 'unknown sortBy ' + sortBy);
      const dir = sortOrder === 'asc' ? 1 : -1;
      chats = chats.map((c) => [key(c), c]).sort((a, b) => (a[0] < b[0] ? -dir : a[0] > b[0] ? dir : 0)).map((x) => x[1]);
    }
    const out = [];
    for (const chat of page(chats, offset, limit)) {
      const row = W.chatJSON(chat);
      const last = await W.lastMsg(chat);
      if (last) row.lastMessage = W.msgJSON(last);
      out.push(row);
    }
    return out;
  };

  // lastMsg is the newest loaded message of a chat, falling back to the
  // chat's lastReceivedKey when nothing is loaded.
  W.lastMsg = async function (chat) {
    const msgs = chat.msgs ? chat.msgs.getModelsArray().filter((m) => !m.isNotification) : [];
    if (msgs.length) return msgs[msgs.length - 1];
    if (chat.lastReceivedKey) {
      const id = String(chat.lastReceivedKey);
      const m = W.S.Msg.get(id) || ((await W.S.Msg.getMessagesById([id])).messages || [])[0];
      if (m) return m;
    }
    return null;
  };

  W.pictureURL = async function (chat) {
    const pp = W.need(W.S.ProfilePic, 'WAWebContactProfilePicThumbBridge');
    try {
      const r = await pp.requestProfilePicFromServer(chat);
      return (r && r.eurl) || null;
    } catch (e) {
      // No picture, or hidden by the contact's privacy settings.
      if (e && e.name === 'ServerStatusCodeError') return null;
      throw e;
    }
  };

  W.ops.overview = async ({ limit, offset, ids }) => {
    let chats;
    if (ids && ids.length) chats = ids.map((id) => W.S.Chat.get(W.wid(id))).filter(Boolean);
    else chats = W.S.Chat.getModelsArray();
    chats = chats.slice().sort((a, b) => (b.t || 0) - (a.t || 0));
    const out = [];
    for (const chat of page(chats, offset, limit || 20)) {
      const last = await W.lastMsg(chat);
      out.push({
        id: String(chat.id),
        name: chat.formattedTitle || chat.name || null,
        picture: await W.pictureURL(chat),
        lastMessage: last ? W.msgJSON(last) : null,
        _chat: W.chatJSON(chat)._chat,
      });
    }
    return out;
  };

  W.ops.picture = async ({ chatId }) => {
    const chat = W.S.Chat.get(W.wid(chatId)) || { id: W.wid(chatId) };
    return W.pictureURL(chat);
  };

  W.ops.archive = async ({ chatId }) => {
    const chat = await W.getChat(chatId);
    await W.S.Cmd.archiveChat(chat, true);
    return W.chatJSON(chat);
  };

  W.ops.unarchive = async ({ chatId }) => {
    const chat = await W.getChat(chatId);
    await W.S.Cmd.archiveChat(chat, false);
    return W.chatJSON(chat);
  };

  W.ops.markUnread = async ({ chatId }) => {
    const chat = await W.getChat(chatId);
    await W.S.Cmd.markChatUnread(chat, true);
    return W.chatJSON(chat);
  };

  W.ops.deleteChat = async ({ chatId }) => {
    const chat = await W.getChat(chatId);
    await W.need(W.S.DeleteChat, 'WAWebDeleteChatAction').sendDelete(chat);
    return true;
  };

  W.ops.clearMessages = async ({ chatId }) => {
    const chat = await W.getChat(chatId);
    await W.need(W.S.Clear, 'WAWebChatClearBridge').sendClear(chat, false);
    return true;
  };

  // readMessages sends read receipts for the chat and returns the ids of
  // the incoming messages that were unread: the newest `unreadCount` of
  // them, within `days`, at most `messages`.
  W.ops.readMessages = async ({ chatId, messages, days }) => {
    const chat = await W.getChat(chatId);
    const unread = chat.unreadCount > 0 ? chat.unreadCount : 0;
    const since = Math.floor(Date.now() / 1000) - (days > 0 ? days : 7) * 86400;
    const max = Math.min(unread, messages > 0 ? messages : unread);
    const incoming = chat.msgs.getModelsArray().filter((m) => !m.id.fromMe && !m.isNotification && (m.t || 0) >= since);
    const ids = (max > 0 ? incoming.slice(-max) : []).map((m) => String(m.id)).reverse();
    const seen = W.need(W.S.Seen, 'WAWebUpdateUnreadChatAction');
    if (W.S.Stream) W.S.Stream.markAvailable();
    try {
      await seen.sendSeen({ chat, threadId: undefined });
    } finally {
      if (W.S.Stream) W.S.Stream.markUnavailable();
    }
    return ids;
  };
})();

// Collection listeners → events: message / message_create, ack, edit,
// revoke, chat_archive. Attached once per document, after sync.
(function () {
  'use strict';
  const W = window.WAGATE;

  // A revoke clears the body, so keep recent messages to report `before`.
  const recent = new Map();
  const RECENT_MAX = 2000;
  W.remember = function (json) {
    recent.delete(json.id);
    recent.set(json.id, json);
    if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value);
  };

  W.attachEvents = function () {
    const { Msg, Chat } = W.S;
    const withSource = (msg, json) => {
      // Each id is reported once, so its mark can go.
      if (json.fromMe) json.source = W.apiSent.delete(json.id) ? 'api' : 'app';
      return json;
    };
    const onNew = (msg) => {
      const json = withSource(msg, W.msgJSON(msg));
      W.remember(json);
      W.emit('message_create', { message: json });
      if (!json.fromMe) W.emit('message', { message: json });
    };
    Msg.on('add', (msg) => {
      if (!msg.isNewMsg) return;
      // Group notifications are group events, not messages (as in wwebjs).
      if (msg.type === 'gp2') {
        W.onGroupNotification(msg).catch((e) => console.warn('wagate: group notification', e));
        return;
      }
      // Not decrypted yet: message.waiting now, the message once it has its
      // real type.
      if (msg.type === 'ciphertext') {
        W.emit('waiting', { message: W.msgJSON(msg) });
        msg.once('change:type', () => onNew(msg));
        return;
      }
      onNew(msg);
    });
    Msg.on('change:ack', (msg, ack) => {
      // A group message's delivery and reads come per member from the
      // receipts (80_groups.js); its own ack says only sent or failed then.
      if (W.receiptsSniffed && msg.id.remote.isGroup && msg.id.remote.isGroup() && ack >= 2) return;
      W.emit('ack', { ack: W.ackJSON(msg, ack) });
    });
    Msg.on('change:type', (msg, type) => {
      if (type !== 'revoked') return;
      const after = W.msgJSON(msg);
      W.emit('revoke', { revoke: { after, before: recent.get(after.id) || null, revokedMessageId: String(msg.id.id) } });
    });
    Msg.on('change:body change:caption', (msg, newBody, prevBody) => {
      if (msg.type === 'revoked') return;
      const json = W.msgJSON(msg);
      W.remember(json);
      W.emit('edit', { edit: { message: json, newBody: newBody == null ? '' : String(newBody), prevBody: prevBody == null ? '' : String(prevBody), editedMessageId: String(msg.id.id) } });
    });
    Chat.on('change:archive', (chat, cur) => {
      W.emit('chat_archive', { archive: { id: String(chat.id), archived: !!cur, timestamp: chat.t || 0 } });
    });
    W.attachPeopleEvents();
    W.attachChattingEvents();
    W.attachGroupEvents();
  };
})();

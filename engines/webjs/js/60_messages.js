// Message operations: list (with loadEarlierMsgs paging and filters), get,
// edit, revoke for everyone, pin/unpin, and media download through WA's own
// download-and-decrypt.
(function () {
  'use strict';
  const W = window.WAGATE;

  W.findMsg = async function (id) {
    const s = String(id || '');
    const parts = s.split('_');
    if (parts.length < 3 || parts.length > 4 || (parts[0] !== 'true' && parts[0] !== 'false')) {
      W.fail('invalid', 'invalid message id ' + JSON.stringify(id) + ': want {fromMe}_{chatId}_{id}[_{participant}]');
    }
    let m = W.S.Msg.get(s);
    if (!m) {
      const r = await W.S.Msg.getMessagesById([s]);
      m = r && r.messages && r.messages[0];
    }
    if (!m) W.fail('not_found', 'message ' + s + ' not found');
    return m;
  };

  W.ops.listMessages = async ({ chatId, limit, offset, gte, lte, fromMe, ack, sortOrder, excludeRevoked }) => {
    const has = (v) => v !== undefined && v !== null;
    if (chatId === 'all') return listLoaded({ limit, offset, gte, lte, fromMe, ack, sortOrder, excludeRevoked }, has);
    const chat = await W.getChat(chatId);
    const loader = W.need(W.S.LoadMsgs, 'WAWebChatLoadMessages');
    const match = (m) => !m.isNotification
      && (!excludeRevoked || m.type !== 'revoked')
      && (!has(fromMe) || !!m.id.fromMe === fromMe)
      && (!has(gte) || (m.t || 0) >= gte)
      && (!has(lte) || (m.t || 0) <= lte)
      && (!has(ack) || m.ack === ack);
    const asc = sortOrder === 'asc';
    const need = (offset || 0) + (limit > 0 ? limit : 10);
    let msgs = chat.msgs.getModelsArray();
    // Newest-first needs only enough matches; oldest-first needs everything
    // back to `gte`. Either way, stop once older pages cannot match.
    for (;;) {
      if (!asc && msgs.filter(match).length >= need) break;
      if (has(gte) && msgs.length && (msgs[0].t || 0) < gte) break;
      const loaded = await loader.loadEarlierMsgs({ chat });
      if (!loaded || !loaded.length) break;
      msgs = chat.msgs.getModelsArray();
    }
    const sel = byTime(msgs.filter(match), asc);
    const start = offset || 0;
    return sel.slice(start, start + (limit > 0 ? limit : 10)).map(W.msgJSON);
  };

  // byTime orders messages by timestamp; messages of the same second keep
  // the collection's order (arrival), so newest-first is its exact reverse.
  function byTime(msgs, asc) {
    const pos = new Map(msgs.map((m, i) => [m, i]));
    msgs.sort((a, b) => ((a.t || 0) - (b.t || 0)) || (pos.get(a) - pos.get(b)));
    if (!asc) msgs.reverse();
    return msgs;
  }

  // listLoaded pages the messages WhatsApp Web holds in memory across all
  // chats (the Msg collection); it never loads older history.
  function listLoaded({ limit, offset, gte, lte, fromMe, ack, sortOrder, excludeRevoked }, has) {
    const asc = sortOrder === 'asc';
    let sel = W.S.Msg.getModelsArray().filter((m) => !m.isNotification
      && (!excludeRevoked || m.type !== 'revoked')
      && (!has(fromMe) || !!m.id.fromMe === fromMe)
      && (!has(gte) || (m.t || 0) >= gte)
      && (!has(lte) || (m.t || 0) <= lte)
      && (!has(ack) || m.ack === ack));
    sel = byTime(sel, asc);
    const start = offset || 0;
    return sel.slice(start, start + (limit > 0 ? limit : 10)).map(W.msgJSON);
  }

  W.ops.getMessage = async ({ id }) => W.msgJSON(await W.findMsg(id));

  W.ops.editMessage = async ({ id, text }) => {
    const msg = await W.findMsg(id);
    if (!msg.id.fromMe) W.fail('not_allowed', 'only own messages can be edited');
    const cap = W.need(W.S.Cap, 'WAWebMsgActionCapability');
    if (!cap.canEditText(msg) && !cap.canEditCaption(msg)) W.fail('not_allowed', 'message ' + id + ' can no longer be edited');
    await W.need(W.S.Edit, 'WAWebSendMessageEditAction').sendMessageEdit(msg, String(text), {});
    return W.msgJSON(W.S.Msg.get(String(msg.id)) || msg);
  };

  W.ops.revokeMessage = async ({ id }) => {
    const msg = await W.findMsg(id);
    const cap = W.need(W.S.Cap, 'WAWebMsgActionCapability');
    // WAHA always deletes for everyone; unlike wwebjs we never fall back
    // silently to "delete for me".
    if (!cap.canSenderRevokeMsg(msg) && !cap.canAdminRevokeMsg(msg)) W.fail('not_allowed', 'message ' + id + ' cannot be deleted for everyone');
    const chat = await W.getChat(String(msg.id.remote));
    await W.S.Cmd.sendRevokeMsgs(chat, { list: [msg], type: 'message' }, { clearMedia: true });
    return W.msgJSON(msg);
  };

  // Pinning reads the expiry from WAWebPinMsgConstants.getPinExpiryDuration,
  // so it is swapped for the call; the chain keeps two pins from racing.
  let pinChain = Promise.resolve();
  function pin(msg, action, duration) {
    const run = async () => {
      const consts = W.need(W.S.PinConst, 'WAWebPinMsgConstants');
      const orig = consts.getPinExpiryDuration;
      consts.getPinExpiryDuration = () => duration;
      try {
        const r = await W.need(W.S.PinAction, 'WAWebSendPinMessageAction').sendPinInChatMsg(msg, action, duration);
        if (!r || r.messageSendResult !== 'OK') W.fail('unavailable', 'WhatsApp refused the pin: ' + JSON.stringify(r && r.messageSendResult));
        return true;
      } finally {
        consts.getPinExpiryDuration = orig;
      }
    };
    const p = pinChain.then(run, run);
    pinChain = p.catch(() => {});
    return p;
  }

  W.ops.pinMessage = async ({ id, duration }) => {
    if (!(duration > 0)) W.fail('invalid', 'pin duration must be positive seconds');
    return pin(await W.findMsg(id), 1, duration);
  };

  W.ops.unpinMessage = async ({ id }) => pin(await W.findMsg(id), 2, 0);

  W.apiSent = new Set();

  // sendText is in 65_chatting.js, with the other sends.

  function toBase64(buf) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result).split(',')[1] || '');
      r.onerror = () => reject(r.error);
      r.readAsDataURL(new Blob([buf]));
    });
  }

  W.ops.downloadMedia = async ({ id }) => {
    const msg = await W.findMsg(id);
    if (!msg.directPath || !msg.mediaData) W.fail('not_found', 'message ' + id + ' has no media');
    if (msg.mediaData.mediaStage === 'REUPLOADING') W.fail('unavailable', 'media is being re-uploaded');
    if (msg.mediaData.mediaStage !== 'RESOLVED') await msg.downloadMedia({ downloadEvenIfExpensive: true, rmrReason: 1 });
    const stage = String(msg.mediaData.mediaStage || '');
    if (stage.includes('ERROR') || stage === 'FETCHING') W.fail('unavailable', 'media download failed (' + stage + ')');
    const qpl = { addAnnotations() { return this; }, addPoint() { return this; } };
    let buf;
    try {
      buf = await W.need(W.S.Download, 'WAWebDownloadManager').downloadAndMaybeDecrypt({
        directPath: msg.directPath, encFilehash: msg.encFilehash, filehash: msg.filehash, mediaKey: msg.mediaKey,
        mediaKeyTimestamp: msg.mediaKeyTimestamp, type: msg.type, signal: new AbortController().signal, downloadQpl: qpl,
      });
    } catch (e) {
      if (e && (e.status === 404 || /404/.test(String(e.message)))) W.fail('not_found', 'media of ' + id + ' is gone from the server');
      throw e;
    }
    return { data: await toBase64(buf), mimetype: msg.mimetype || '', filename: msg.filename || '', size: msg.size || buf.byteLength };
  };
})();

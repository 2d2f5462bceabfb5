// Sending media as whatsapp-web.js does (src/util/Injected/Utils.js:
// sendMessage with options.media, processMediaData, mediaInfoToFile): the
// file becomes a File, WA's OpaqueData, prepRawMedia's MediaData; its media
// object is filled, the blob cached, the file encrypted and uploaded by
// WAWebMediaMmsV4Upload.uploadMedia, and the message added to the chat with the
// upload's media entry. The file comes from Go in pieces (mediaBegin,
// mediaChunk), so no CDP message carries it whole.
(function () {
  'use strict';
  const W = window.WAGATE;

  const req = (name) => {
    try { return window.require(name); } catch (e) { return undefined; }
  };
  const mod = (name) => W.need(req(name), name);

  // Files on their way in: upload id → pieces.
  const uploads = new Map();
  const UPLOAD_TTL_MS = 10 * 60 * 1000;
  const sweep = () => {
    const now = Date.now();
    for (const [id, u] of uploads) if (now - u.t > UPLOAD_TTL_MS) uploads.delete(id);
  };

  // mediaBegin opens an upload and picks the message's id, as wwebjs's
  // sendMessage does (WAWebMsgKey.newId), so Go can keep the file under it.
  W.ops.mediaBegin = async () => {
    sweep();
    const id = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
    const messageId = await W.S.MsgKey.newId();
    uploads.set(id, { parts: [], size: 0, messageId, t: Date.now() });
    return { uploadId: id, messageId: String(messageId) };
  };

  W.ops.mediaChunk = async ({ uploadId, data }) => {
    const u = uploads.get(uploadId);
    if (!u) W.fail('not_found', 'upload ' + uploadId + ' is not open');
    const bin = atob(String(data || ''));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    u.parts.push(bytes);
    u.size += bytes.length;
    u.t = Date.now();
    return u.size;
  };

  W.ops.mediaAbort = async ({ uploadId }) => { uploads.delete(uploadId); return true; };

  // generateWaveform is wwebjs's: 64 bars of mean loudness, 0-100.
  async function generateWaveform(file) {
    try {
      const audioContext = new AudioContext();
      const audioBuffer = await audioContext.decodeAudioData(await file.arrayBuffer());
      const rawData = audioBuffer.getChannelData(0);
      const samples = 64;
      const blockSize = Math.floor(rawData.length / samples);
      const filtered = [];
      for (let i = 0; i < samples; i++) {
        let sum = 0;
        for (let j = 0; j < blockSize; j++) sum += Math.abs(rawData[blockSize * i + j]);
        filtered.push(sum / blockSize);
      }
      const multiplier = Math.pow(Math.max(...filtered), -1);
      return new Uint8Array(filtered.map((n) => Math.floor(100 * n * multiplier)));
    } catch (e) {
      return undefined;
    }
  }

  // processMediaData is wwebjs's WWebJS.processMediaData, for chats (not
  // channels or status).
  async function processMediaData(file, mimetype, { forceVoice, forceDocument, waveform }) {
    const OpaqueData = mod('WAWebMediaOpaqueData');
    const opaqueData = await OpaqueData.createFromData(file, mimetype);
    const mediaParams = { asSticker: false, asGif: false, isPtt: forceVoice, asDocument: forceDocument };
    const mediaPrep = mod('WAWebPrepRawMedia').prepRawMedia(opaqueData, mediaParams);
    const mediaData = await mediaPrep.waitForPrep();
    const mediaObject = mod('WAWebMediaStorage').getOrCreateMediaObject(mediaData.filehash);
    const types = mod('WAWebMmsMediaTypes');
    const mediaType = types.msgToMediaType({ type: mediaData.type, isGif: mediaData.isGif, isNewsletter: false });
    if (!mediaData.filehash) throw new Error('media-fault: sendToChat filehash undefined');
    if (forceVoice && mediaData.type === 'ptt') {
      mediaData.waveform = mediaObject.contentInfo.waveform || (waveform && waveform.length ? Uint8Array.from(waveform) : await generateWaveform(file));
    }
    if (!(mediaData.mediaBlob instanceof OpaqueData)) {
      mediaData.mediaBlob = await OpaqueData.createFromData(mediaData.mediaBlob, mediaData.mediaBlob.type);
    }
    mediaData.renderableUrl = mediaData.mediaBlob.url();
    mediaObject.consolidate(mediaData.toJSON());
    mediaData.mediaBlob.autorelease();
    if (mod('WAWebMediaDataUtils').shouldUseMediaCache(types.castToV4(mediaObject.type)) && mediaData.mediaBlob instanceof OpaqueData) {
      mod('WAWebMediaInMemoryBlobCache').InMemoryMediaBlobCache.put(mediaObject.filehash, mediaData.mediaBlob.formData());
    }
    const uploaded = await mod('WAWebMediaMmsV4Upload').uploadMedia({ mimetype: mediaData.mimetype, mediaObject, mediaType });
    const entry = uploaded && uploaded.mediaEntry;
    if (!entry) throw new Error('upload failed: media entry was not created');
    mediaData.set({
      clientUrl: entry.mmsUrl, deprecatedMms3Url: entry.deprecatedMms3Url, directPath: entry.directPath,
      mediaKey: entry.mediaKey, mediaKeyTimestamp: entry.mediaKeyTimestamp, filehash: mediaObject.filehash,
      encFilehash: entry.encFilehash, uploadhash: entry.uploadHash, size: mediaObject.size,
      streamingSidecar: entry.sidecar, firstFrameSidecar: entry.firstFrameSidecar, mediaHandle: null,
    });
    return mediaData;
  }

  W.ops.sendMedia = async ({ uploadId, chatId, mimetype, filename, caption, replyTo, mentions, kind, waveform }) => {
    const u = uploads.get(uploadId);
    if (!u) W.fail('not_found', 'upload ' + uploadId + ' is not open');
    uploads.delete(uploadId);
    const S = W.S;
    const chat = await W.getChat(chatId, true);
    W.canSendTo(chat);
    // mediaInfoToFile: the pieces as a File of the given type and name.
    const file = new File(u.parts, filename || 'file', { type: mimetype, lastModified: Date.now() });
    const mediaOptions = await processMediaData(file, mimetype, {
      forceVoice: kind === 'voice', forceDocument: kind === 'file', waveform,
    });
    mediaOptions.caption = kind === 'voice' ? undefined : (caption || undefined);
    const content = mediaOptions.preview;

    let quoted = {};
    if (replyTo) {
      const q = await W.findMsg(replyTo);
      if (S.Reply && !S.Reply.canReplyMsg(q.unsafe ? q.unsafe() : q)) W.fail('not_allowed', 'cannot reply to ' + replyTo);
      quoted = q.msgContextInfo(chat);
    }
    const me = W.need(S.MeUser, 'WAWebUserPrefsMeUser');
    const pn = me.getMaybeMePnUser(), lid = me.getMaybeMeLidUser();
    let from = chat.id.isLid() ? lid : pn;
    let participant;
    if (chat.id.isGroup()) {
      from = chat.groupMetadata && chat.groupMetadata.isLidAddressingMode ? lid : pn;
      participant = S.WidFactory.asUserWidOrThrow(from);
    }
    const key = new S.MsgKey({ from, to: chat.id, id: u.messageId, participant, selfDir: 'out' });
    const options = {};
    if (mentions && mentions.length) options.mentionedJidList = mentions.map(W.wid);
    const msg = Object.assign({}, options, {
      id: key, ack: 0, body: content, from, to: chat.id, local: true, self: 'out',
      t: Math.floor(Date.now() / 1000), isNewMsg: true, type: 'chat',
    }, S.Ephemeral ? S.Ephemeral.getEphemeralFields(chat) : {}, mediaOptions, mediaOptions.toJSON ? mediaOptions.toJSON() : {}, quoted);
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
})();

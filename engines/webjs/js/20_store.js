// Our handle on the WhatsApp Web modules we use. Every require is guarded:
// a module that vanishes in a WA update (wwebjs #3690) disables only the
// operations that need it, unless it is one of the core modules.
(function () {
  'use strict';
  const W = window.WAGATE;
  const CORE = ['WAWebCollections', 'WAWebSocketModel', 'WAWebConnModel', 'WAWebCmd', 'WAWebWidFactory', 'WAWebMsgKey'];

  W.buildStore = function () {
    const missing = [];
    const req = (name) => {
      try { return window.require(name); } catch (e) { missing.push(name); return undefined; }
    };
    const m = {};
    for (const name of [
      ...CORE, 'WAWebStreamModel', 'WAWebUserPrefsMeUser', 'WAWebSendMsgChatAction', 'WAWebSendMessageEditAction',
      'WAWebChatClearBridge', 'WAWebDeleteChatAction', 'WAWebUpdateUnreadChatAction', 'WAWebFindChatAction',
      'WAWebChatLoadMessages', 'WAWebMsgActionCapability', 'WAWebGetEphemeralFieldsMsgActionsUtils',
      'WAWebDownloadManager', 'WAWebContactProfilePicThumbBridge', 'WAWebPinInChatSchema',
      'WAWebSendPinMessageAction', 'WAWebPinMsgConstants', 'WAWebMsgReply', 'WABase64', 'WAWebUserPrefsInfoStore',
      'WAWebSignalStoreApi', 'WAWebUserPrefsMultiDevice', 'WAWebCompanionRegClientUtils', 'WAWebAltDeviceLinkingApi',
      'WAWebQueryExistsJob', 'WAWebApiContact', 'WAWebContactGetters', 'WAWebFrontendContactGetters',
      'WAWebBlockContactAction', 'WAWebBlockContactUtils', 'WAWebContactStatusBridge', 'WAWebSaveContactAction', 'WAWebPresenceChatAction',
      'WAWebChatStateBridge', 'WAWebSetPushnameConnAction', 'WAWebCallCollection', 'WAWap', 'WADeprecatedSendIq',
    ]) m[name] = req(name);
    const lost = CORE.filter((n) => missing.includes(n));
    if (lost.length) throw new Error('WhatsApp Web lacks core modules: ' + lost.join(', '));
    // Only a fallback for builds before 2026-05-14; not worth reporting as missing.
    let advLegacy;
    if (!m.WAWebUserPrefsMultiDevice) { try { advLegacy = window.require('WAWebAdvSignatureApi'); } catch (e) { advLegacy = undefined; } }

    const S = {
      missing,
      Chat: m.WAWebCollections.Chat,
      Msg: m.WAWebCollections.Msg,
      Socket: m.WAWebSocketModel.Socket,
      Conn: m.WAWebConnModel.Conn,
      Cmd: m.WAWebCmd.Cmd,
      WidFactory: m.WAWebWidFactory,
      MsgKey: m.WAWebMsgKey,
      Stream: m.WAWebStreamModel && m.WAWebStreamModel.Stream,
      MeUser: m.WAWebUserPrefsMeUser,
      SendMsg: m.WAWebSendMsgChatAction,
      Edit: m.WAWebSendMessageEditAction,
      Clear: m.WAWebChatClearBridge,
      DeleteChat: m.WAWebDeleteChatAction,
      Seen: m.WAWebUpdateUnreadChatAction,
      FindChat: m.WAWebFindChatAction,
      LoadMsgs: m.WAWebChatLoadMessages,
      Cap: m.WAWebMsgActionCapability,
      Ephemeral: m.WAWebGetEphemeralFieldsMsgActionsUtils,
      Download: m.WAWebDownloadManager && m.WAWebDownloadManager.downloadManager,
      ProfilePic: m.WAWebContactProfilePicThumbBridge,
      PinSchema: m.WAWebPinInChatSchema,
      PinAction: m.WAWebSendPinMessageAction,
      PinConst: m.WAWebPinMsgConstants,
      Reply: m.WAWebMsgReply,
      B64: m.WABase64,
      InfoStore: m.WAWebUserPrefsInfoStore,
      Signal: m.WAWebSignalStoreApi,
      MultiDevice: m.WAWebUserPrefsMultiDevice,
      AdvLegacy: advLegacy,
      RegClient: m.WAWebCompanionRegClientUtils,
      AltLink: m.WAWebAltDeviceLinkingApi,
      Contact: m.WAWebCollections.Contact,
      Blocklist: m.WAWebCollections.Blocklist,
      ProfilePicThumb: m.WAWebCollections.ProfilePicThumb,
      Presence: m.WAWebCollections.Presence,
      QueryExist: m.WAWebQueryExistsJob,
      LidUtils: m.WAWebApiContact,
      ContactGetters: m.WAWebContactGetters,
      FrontendContactGetters: m.WAWebFrontendContactGetters,
      BlockContact: m.WAWebBlockContactAction,
      BlockUtils: m.WAWebBlockContactUtils,
      ContactStatus: m.WAWebContactStatusBridge,
      SaveContact: m.WAWebSaveContactAction,
      PresenceUtils: m.WAWebPresenceChatAction,
      ChatState: m.WAWebChatStateBridge,
      SetPushname: m.WAWebSetPushnameConnAction,
      Calls: m.WAWebCallCollection,
      Wap: m.WAWap,
      SendIq: m.WADeprecatedSendIq,
    };
    return S;
  };

  // need returns a store entry or fails with `unsupported` naming the module.
  W.need = function (value, moduleName) {
    if (!value) W.fail('unsupported', 'this WhatsApp Web build has no ' + moduleName);
    return value;
  };
})();

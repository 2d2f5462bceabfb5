// Events of the Chatting tag: reactions and poll votes. WhatsApp Web writes
// both through its addon tables, never as messages, so, as whatsapp-web.js
// does, we wrap the tables' bulkUpsert and report every row that passes.
(function () {
  'use strict';
  const W = window.WAGATE;

  // wrap replaces module.path's function by one that reports its arguments
  // first (wwebjs' injectToFunction); a build without it is left alone.
  function wrap(moduleName, path, report) {
    let obj;
    try { obj = window.require(moduleName); } catch (e) { return false; }
    const keys = path.split('.');
    const fn = keys.pop();
    for (const k of keys) { obj = obj && obj[k]; }
    if (!obj || typeof obj[fn] !== 'function') return false;
    const orig = obj[fn];
    obj[fn] = function (...args) {
      try { report(...args); } catch (e) { console.warn('wagate: reporting ' + moduleName + '.' + path, e); }
      return orig.apply(this, args);
    };
    return true;
  }

  const str = (x) => (x == null ? null : String(x));
  const isGroup = (w) => !!w && String(w).endsWith('@g.us');

  // parties are from, to and participant of a message about the message key
  // parent, sent by author (null: the chat itself in a DM) or by us.
  function parties(parent, fromMe, author) {
    const me = W.S.MeUser.getMaybeMePnUser();
    const chat = parent.remote;
    if (fromMe) return { from: str(me), to: str(chat), participant: isGroup(chat) ? str(me) : null };
    return { from: str(chat), to: str(me), participant: isGroup(chat) ? str(author) : null };
  }

  // Reactions we are sending through the API, by parent message id.
  W.apiReacting = new Set();

  function onReactions(rows) {
    for (const r of rows || []) {
      const parent = r.reactionParentKey;
      if (!parent) continue;
      const fromMe = !!(r.id && r.id.fromMe);
      const p = parties(parent, fromMe, r.author || r.from);
      W.emit('reaction', { reaction: Object.assign({
        id: String(r.id), timestamp: Math.floor((r.reactionTimestamp || Date.now()) / 1000), fromMe,
        source: fromMe && W.apiReacting.has(String(parent)) ? 'api' : 'app',
        reaction: { text: String(r.reactionText || ''), messageId: String(parent) },
      }, p) });
    }
  }

  function onVotes(rows) {
    for (const v of rows || []) {
      const parent = v.pollUpdateParentKey;
      if (!parent) continue;
      const fromMe = !!(v.id && v.id.fromMe);
      const p = parties(parent, fromMe, v.author || v.from);
      const poll = W.S.Msg.get(String(parent));
      const localIds = Array.from(v.selectedOptionLocalIds || []);
      const opts = poll && poll.pollOptions;
      const names = opts ? localIds.map((id) => (opts.find((o) => o.localId === id) || {}).name) : [];
      const failed = !opts || names.some((n) => n === undefined);
      const pollParty = parties(parent, !!parent.fromMe, parent.participant);
      W.emit('poll_vote', { vote: {
        failed,
        vote: Object.assign({ id: String(v.id), selectedOptions: failed ? [] : names, timestamp: v.senderTimestampMs || v.t || Date.now(), fromMe }, p),
        poll: Object.assign({ id: String(parent), fromMe: !!parent.fromMe }, pollParty),
      } });
    }
  }

  W.attachChattingEvents = function () {
    wrap('WAWebAddonReactionTableMode', 'reactionTableMode.bulkUpsert', onReactions);
    wrap('WAWebAddonPollVoteTableMode', 'pollVoteTableMode.bulkUpsert', onVotes);
  };

  // react marks our reaction as the API's while WhatsApp Web writes it.
  const react = W.ops.react;
  W.ops.react = async (args) => {
    const key = String(args.id);
    W.apiReacting.add(key);
    try { return await react(args); } finally { W.apiReacting.delete(key); }
  };
})();

// Drives stock whatsapp-web.js (nothing of it patched) against fakeweb, the
// fake WhatsApp Web, through one scenario, in lockstep with the Go test that
// started it (wwebjs_test.go, peers benchmark):
//
//   stdout, one JSON object a line:
//     {"type":"event","name":"qr","args":[...]}      a whatsapp-web.js event
//     {"type":"step","name":"getChats","ok":true,"ms":12.3,"result":{...}}
//     {"type":"pageerror"|"consoleerror"|"nodeerror","message":"..."}
//     {"type":"done","ok":true,"steps":[...],"pageErrors":[...]}
//   stdin, one JSON object a line, after every step:
//     {"data":{...}}   go on; data is the input of the next step
//     {"abort":"why"}  stop now
//
// Environment: FAKEWEB_ADDR (host:port of fakeweb's TLS listener, where
// web.whatsapp.com is resolved to), CHROMIUM (the browser), DATA_DIR (the
// LocalAuth directory), SCENARIO (fidelity | bench).
'use strict';

const readline = require('readline');
const { Client, LocalAuth, Location, MessageMedia, Poll } = require('whatsapp-web.js');

const env = (k, d) => {
  const v = process.env[k];
  if (v === undefined || v === '') {
    if (d === undefined) fatal('missing environment variable ' + k);
    return d;
  }
  return v;
};
const ADDR = env('FAKEWEB_ADDR');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const DATA_DIR = env('DATA_DIR');
const SCENARIO = env('SCENARIO', 'fidelity');
const EVENT_TIMEOUT_MS = 15000;

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
function fatal(message) {
  out({ type: 'nodeerror', message: String(message) });
  process.exit(2);
}

const pageErrors = [];
process.on('unhandledRejection', (e) => {
  const message = 'unhandled rejection: ' + ((e && e.stack) || e);
  pageErrors.push(message);
  out({ type: 'nodeerror', message });
});
process.on('uncaughtException', (e) => {
  const message = 'uncaught exception: ' + ((e && e.stack) || e);
  pageErrors.push(message);
  out({ type: 'nodeerror', message });
});

// ---- stdin: the Go side's go-ahead after each step ----
const rl = readline.createInterface({ input: process.stdin });
const replies = [];
let replyWaiter = null;
rl.on('line', (line) => {
  let msg;
  try { msg = JSON.parse(line); } catch (e) { fatal('bad input line: ' + line); }
  if (replyWaiter) { const w = replyWaiter; replyWaiter = null; w(msg); } else replies.push(msg);
});
rl.on('close', () => { if (replyWaiter) { const w = replyWaiter; replyWaiter = null; w({ abort: 'stdin closed' }); } });
function nextReply() {
  if (replies.length) return Promise.resolve(replies.shift());
  return new Promise((resolve) => { replyWaiter = resolve; });
}

// ---- events: every whatsapp-web.js event, recorded and echoed ----
const events = [];
let eventWaiters = [];
function record(name, args) {
  const ev = { name, args, at: Date.now() };
  events.push(ev);
  out({ type: 'event', name, args });
  const still = [];
  for (const w of eventWaiters) {
    if (w.name === name && w.pred(ev)) w.resolve(ev); else still.push(w);
  }
  eventWaiters = still;
}
// waitEvent resolves with the first event called name (seen since index
// `from`) for which pred holds.
function waitEvent(name, pred, from) {
  pred = pred || (() => true);
  for (const ev of events.slice(from || 0)) if (ev.name === name && pred(ev)) return Promise.resolve(ev);
  return new Promise((resolve, reject) => {
    const w = { name, pred, resolve: (ev) => { clearTimeout(timer); resolve(ev); } };
    const timer = setTimeout(() => {
      eventWaiters = eventWaiters.filter((x) => x !== w);
      reject(new Error('no ' + name + ' event within ' + EVENT_TIMEOUT_MS + ' ms'));
    }, EVENT_TIMEOUT_MS);
    eventWaiters.push(w);
  });
}

const sid = (id) => (id == null ? null : typeof id === 'string' ? id : id._serialized);
const msgJSON = (m) => m && ({
  id: sid(m.id), body: m.body, type: m.type, from: sid(m.from), to: sid(m.to), author: sid(m.author) || null,
  fromMe: m.fromMe, ack: m.ack, timestamp: m.timestamp, hasReaction: !!m.hasReaction, hasMedia: !!m.hasMedia,
  location: m.location ? { latitude: m.location.latitude, longitude: m.location.longitude, name: m.location.name, address: m.location.address } : null,
  vCards: m.vCards || [], pollName: m.pollName, pollOptions: m.pollOptions ? m.pollOptions.map((o) => o.name) : undefined,
  allowMultipleAnswers: m.allowMultipleAnswers, isForwarded: !!m.isForwarded, isStarred: !!m.isStarred,
});
const voteJSON = (v) => v && ({
  voter: sid(v.voter), selectedOptions: (v.selectedOptions || []).map((o) => o.name), parent: sid(v.parentMsgKey) || sid(v.parentMessage && v.parentMessage.id),
});
const chatJSON = (c) => c && ({
  id: sid(c.id), name: c.name, isGroup: !!c.isGroup, archived: !!c.archived, pinned: !!c.pinned,
  unreadCount: c.unreadCount, timestamp: c.timestamp, isMuted: !!c.isMuted,
  lastMessage: c.lastMessage ? msgJSON(c.lastMessage) : null,
  participants: c.isGroup && c.groupMetadata ? (c.groupMetadata.participants || []).map((p) => sid(p.id)) : undefined,
});
const contactJSON = (c) => c && ({
  id: sid(c.id), number: c.number, name: c.name, shortName: c.shortName, pushname: c.pushname, isMe: c.isMe,
  isUser: c.isUser, isGroup: c.isGroup, isWAContact: c.isWAContact, isMyContact: c.isMyContact,
  isBlocked: c.isBlocked, isBusiness: c.isBusiness,
});
const reactionJSON = (r) => r && ({
  id: sid(r.id), msgId: sid(r.msgId), reaction: r.reaction, senderId: r.senderId, timestamp: r.timestamp,
  orphan: r.orphan, read: r.read,
});
const notificationJSON = (n) => n && ({
  id: sid(n.id), type: n.type, chatId: n.chatId, author: n.author || null, body: n.body, timestamp: n.timestamp,
  recipientIds: (n.recipientIds || []).map(sid),
});
const groupJSON = (c) => c && ({
  id: sid(c.id), name: c.name, isGroup: !!c.isGroup, isReadOnly: !!c.isReadOnly, owner: sid(c.owner), description: c.description,
  participants: (c.participants || []).map((p) => ({ id: sid(p.id), isAdmin: !!p.isAdmin, isSuperAdmin: !!p.isSuperAdmin })),
});
const EVENT_ARGS = {
  qr: (qr) => [qr],
  code: (code) => [code],
  authenticated: () => [],
  auth_failure: (m) => [String(m)],
  loading_screen: (percent, message) => [percent, message],
  ready: () => [],
  change_state: (s) => [s],
  disconnected: (r) => [r],
  message: (m) => [msgJSON(m)],
  message_create: (m) => [msgJSON(m)],
  message_ack: (m, ack) => [msgJSON(m), ack],
  message_edit: (m, newBody, prevBody) => [msgJSON(m), newBody, prevBody],
  message_revoke_everyone: (after, before) => [msgJSON(after), msgJSON(before)],
  message_revoke_me: (m) => [msgJSON(m)],
  message_reaction: (r) => [reactionJSON(r)],
  chat_archived: (chat, cur, prev) => [chatJSON(chat), cur, prev],
  chat_removed: (chat) => [chatJSON(chat)],
  unread_count: (chat) => [chatJSON(chat)],
  call: (c) => [{ id: c.id, from: sid(c.from), isVideo: c.isVideo, isGroup: c.isGroup, fromMe: c.fromMe }],
  message_ciphertext: (m) => [msgJSON(m)],
  vote_update: (v) => [voteJSON(v)],
  group_join: (n) => [notificationJSON(n)],
  group_leave: (n) => [notificationJSON(n)],
  group_update: (n) => [notificationJSON(n)],
  group_admin_changed: (n) => [notificationJSON(n)],
};

// A LocalAuth that also reports the page's errors: the hook runs once the
// page exists, before WhatsApp Web is opened. whatsapp-web.js itself is
// untouched.
class ReportingAuth extends LocalAuth {
  async afterBrowserInitialized() {
    await super.afterBrowserInitialized();
    const page = this.client.pupPage;
    const proc = this.client.pupBrowser.process();
    out({ type: 'browser', pid: proc ? proc.pid : 0 });
    page.on('pageerror', (e) => {
      const message = String((e && e.stack) || (e && e.message) || e);
      pageErrors.push(message);
      out({ type: 'pageerror', message });
    });
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const message = msg.text();
      pageErrors.push('console.error: ' + message);
      out({ type: 'consoleerror', message });
    });
  }
}

const args = ['--ignore-certificate-errors', '--host-resolver-rules=MAP web.whatsapp.com ' + ADDR];
if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
const client = new Client({
  authStrategy: new ReportingAuth({ dataPath: DATA_DIR }),
  webVersionCache: { type: 'none' },
  puppeteer: { executablePath: CHROMIUM, headless: true, args },
});
for (const [name, fn] of Object.entries(EVENT_ARGS)) client.on(name, (...a) => record(name, fn(...a)));
// The Call objects, to reject one later.
const calls = new Map();
client.on('call', (c) => calls.set(c.id, c));

const t0 = () => process.hrtime.bigint();
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

// ---- scenarios: named steps, each fed by the Go side's data ----
const ready = async () => {
  await waitEventLong('ready', 90000);
  const proc = client.pupBrowser.process();
  return { info: { wid: sid(client.info.wid), pushname: client.info.pushname, platform: client.info.platform }, browserPid: proc ? proc.pid : 0, events: events.map((e) => e.name) };
};
function waitEventLong(name, timeout) {
  const found = events.find((e) => e.name === name);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ' + name + ' within ' + timeout + ' ms')), timeout);
    client.once(name, () => { clearTimeout(timer); resolve(); });
  });
}

const getChats = async () => {
  const start = t0();
  const chats = await client.getChats();
  const took = ms(start);
  return { listMs: took, count: chats.length, chats: chats.map(chatJSON) };
};

const fidelity = [
  ['ready', ready],
  ['getChats', getChats],
  ['fetchMessages', async ({ chatId, limit }) => {
    const chat = await client.getChatById(chatId);
    const msgs = await chat.fetchMessages({ limit });
    return { messages: msgs.map(msgJSON) };
  }],
  ['sendMessage', async ({ chatId, body }) => {
    const from = events.length;
    const msg = await client.sendMessage(chatId, body);
    const created = await waitEvent('message_create', (e) => e.args[0].id === sid(msg.id), from);
    const acked = await waitEvent('message_ack', (e) => e.args[0].id === sid(msg.id) && e.args[1] >= 1, from);
    return { message: msgJSON(msg), created: created.args[0], ack: acked.args[1] };
  }],
  ['edit', async ({ id, body }) => {
    const from = events.length;
    const msg = await client.getMessageById(id);
    const edited = await msg.edit(body);
    const ev = await waitEvent('message_edit', (e) => e.args[0].id === id, from);
    return { message: msgJSON(edited), event: { message: ev.args[0], newBody: ev.args[1], prevBody: ev.args[2] } };
  }],
  ['react', async ({ id, reaction }) => {
    const from = events.length;
    const msg = await client.getMessageById(id);
    await msg.react(reaction);
    const ev = await waitEvent('message_reaction', (e) => e.args[0].msgId === id, from);
    const reloaded = await client.getMessageById(id);
    const list = await reloaded.getReactions();
    return { event: ev.args[0], hasReaction: reloaded.hasReaction, reactions: (list || []).map((r) => ({ id: r.id, aggregateEmoji: r.aggregateEmoji, hasReactionByMe: r.hasReactionByMe, senders: r.senders.map(reactionJSON) })) };
  }],
  ['pin', async ({ id, duration }) => {
    const msg = await client.getMessageById(id);
    const pinned = await msg.pin(duration);
    const list = await client.getPinnedMessages(sid(msg.fromMe ? msg.to : msg.from));
    return { pinned, pinnedIds: list.map((m) => sid(m.id)) };
  }],
  ['delete', async ({ id }) => {
    const from = events.length;
    const msg = await client.getMessageById(id);
    await msg.delete(true);
    const ev = await waitEvent('message_revoke_everyone', (e) => e.args[0].id === id, from);
    return { after: ev.args[0], before: ev.args[1] };
  }],
  ['archive', async ({ chatId }) => {
    const from = events.length;
    const chat = await client.getChatById(chatId);
    const r = await chat.archive();
    const ev = await waitEvent('chat_archived', (e) => e.args[0].id === chatId && e.args[1] === true, from);
    return { returned: r, event: { chat: ev.args[0], currState: ev.args[1], prevState: ev.args[2] } };
  }],
  ['unarchive', async ({ chatId }) => {
    const from = events.length;
    const chat = await client.getChatById(chatId);
    const r = await chat.unarchive();
    const ev = await waitEvent('chat_archived', (e) => e.args[0].id === chatId && e.args[1] === false, from);
    return { returned: r, event: { chat: ev.args[0], currState: ev.args[1], prevState: ev.args[2] } };
  }],
  // The Go side has delivered a message to the account; wait for it.
  ['incoming', async ({ id }) => {
    const ev = await waitEvent('message', (e) => e.args[0].id === id);
    const chatId = ev.args[0].from;
    const unread = await waitEvent('unread_count', (e) => e.args[0].id === chatId);
    return { message: ev.args[0], unread: unread.args[0] };
  }],
  // A call offer the Go side made reach the tab.
  ['call', async ({ id }) => {
    const ev = await waitEvent('call', (e) => e.args[0].id === id);
    return ev.args[0];
  }],
  // An undecryptable message the Go side delivered: whatsapp-web.js asks
  // for it again (placeholder resend, its gate forced on) and reports it
  // once readable.
  ['ciphertext', async ({ id }) => {
    const first = await waitEvent('message_ciphertext', (e) => e.args[0].id === id);
    const ev = await waitEvent('message', (e) => e.args[0].id === id);
    return { placeholder: first.args[0], message: ev.args[0] };
  }],
  ['getContacts', async () => {
    const contacts = await client.getContacts();
    return { count: contacts.length, contacts: contacts.map(contactJSON) };
  }],
  ['getContactById', async ({ ids }) => {
    const out = [];
    for (const id of ids) out.push(contactJSON(await client.getContactById(id)));
    return { contacts: out };
  }],
  ['numbers', async ({ registered, unregistered }) => {
    return {
      registered: await Promise.all(registered.map(async (n) => ({ number: n, isRegistered: await client.isRegisteredUser(n), numberId: sid(await client.getNumberId(n)) }))),
      unregistered: await Promise.all(unregistered.map(async (n) => ({ number: n, isRegistered: await client.isRegisteredUser(n), numberId: sid(await client.getNumberId(n)) }))),
    };
  }],
  ['presence', async () => {
    await client.sendPresenceAvailable();
    return true;
  }],
  ['typing', async ({ chatId }) => {
    const chat = await client.getChatById(chatId);
    return await chat.sendStateTyping();
  }],
  ['block', async ({ id }) => {
    const contact = await client.getContactById(id);
    const returned = await contact.block();
    return { returned, isBlocked: (await client.getContactById(id)).isBlocked };
  }],
  ['unblock', async ({ id }) => {
    const contact = await client.getContactById(id);
    const returned = await contact.unblock();
    return { returned, isBlocked: (await client.getContactById(id)).isBlocked };
  }],
  ['saveContact', async ({ phone, firstName, lastName }) => {
    await client.saveOrEditAddressbookContact(phone, firstName, lastName, true);
    return contactJSON(await client.getContactById(phone + '@c.us'));
  }],
  ['about', async ({ id }) => ({ about: await (await client.getContactById(id)).getAbout() })],
  ['profilePicUrl', async ({ id }) => ({ url: (await client.getProfilePicUrl(id)) || null })],
  ['setStatus', async ({ status }) => { await client.setStatus(status); return true; }],
  ['setDisplayName', async ({ name }) => ({ set: await client.setDisplayName(name) })],
  ['setProfilePicture', async ({ mimetype, data }) => {
    const { MessageMedia } = require('whatsapp-web.js');
    return { set: await client.setProfilePicture(new MessageMedia(mimetype, data)) };
  }],
  ['deleteProfilePicture', async () => ({ deleted: await client.deleteProfilePicture() })],
  ['rejectCall', async ({ id }) => {
    await waitEvent('call', (e) => e.args[0].id === id);
    await calls.get(id).reject();
    return true;
  }],
  // Files sent as MessageMedia: whatsapp-web.js prepares, encrypts and
  // uploads each through fakeweb's media modules; the Go side downloads and
  // decrypts them from fakeweb's media host as the recipient would.
  ['sendMedia', async ({ chatId, files }) => {
    const sent = [];
    for (const f of files) {
      const from = events.length;
      const media = new MessageMedia(f.mimetype, f.data, f.filename);
      const msg = await client.sendMessage(chatId, media, { caption: f.caption, sendAudioAsVoice: !!f.asVoice, sendMediaAsDocument: !!f.asDocument });
      await waitEvent('message_ack', (e) => e.args[0].id === sid(msg.id) && e.args[1] >= 1, from);
      sent.push(msgJSON(msg));
    }
    return { sent };
  }],
  // A media message the Go side delivered, downloaded with downloadMedia().
  ['incomingMedia', async ({ id }) => {
    const ev = await waitEvent('message', (e) => e.args[0].id === id);
    const msg = await client.getMessageById(id);
    const media = await msg.downloadMedia();
    return { message: ev.args[0], media: media && { mimetype: media.mimetype, data: media.data, filename: media.filename, filesize: media.filesize } };
  }],
];

// The Chatting steps beyond text: what whatsapp-web.js sends and reads of
// locations, contact cards, polls and votes, forwards, stars and read receipts.
const chatting = [
  ['location', async ({ chatId }) => {
    const msg = await client.sendMessage(chatId, new Location(52.5163, 13.3777, { name: 'Brandenburger Tor', address: 'Pariser Platz, Berlin' }));
    return { message: msgJSON(msg) };
  }],
  ['vcards', async ({ chatId, contactId, contactIds, vcard }) => {
    const one = await client.sendMessage(chatId, await client.getContactById(contactId));
    const raw = await client.sendMessage(chatId, vcard);
    const several = await client.sendMessage(chatId, await Promise.all(contactIds.map((id) => client.getContactById(id))));
    return { contact: msgJSON(one), raw: msgJSON(raw), several: msgJSON(several) };
  }],
  ['poll', async ({ chatId, name, options }) => {
    const msg = await client.sendMessage(chatId, new Poll(name, options, { allowMultipleAnswers: true }));
    return { message: msgJSON(msg) };
  }],
  // The Go side had the chat's user vote; whatsapp-web.js reports it, votes
  // itself and reads every vote back.
  ['pollVotes', async ({ id, voter, votes }) => {
    const ev = await waitEvent('vote_update', (e) => e.args[0].parent === id && e.args[0].voter === voter);
    const msg = await client.getMessageById(id);
    await msg.vote(votes);
    const all = await msg.getPollVotes();
    return { update: ev.args[0], votes: all.map(voteJSON) };
  }],
  ['forward', async ({ id, chatId }) => {
    const from = events.length;
    const msg = await client.getMessageById(id);
    await msg.forward(chatId);
    const ev = await waitEvent('message_create', (e) => e.args[0].fromMe && e.args[0].to === chatId && e.args[0].isForwarded, from);
    return { message: ev.args[0] };
  }],
  ['star', async ({ id }) => {
    await (await client.getMessageById(id)).star();
    return { isStarred: (await client.getMessageById(id)).isStarred };
  }],
  ['unstar', async ({ id }) => {
    await (await client.getMessageById(id)).unstar();
    return { isStarred: (await client.getMessageById(id)).isStarred };
  }],
  ['seen', async ({ chatId }) => ({ sent: await client.sendSeen(chatId) })],
];

// The Groups steps: what whatsapp-web.js calls to create and administer a
// group, its invites and messages, and the group events it reports.
const groups = [
  ['createGroup', async ({ title, participants }) => {
    const from = events.length;
    const res = await client.createGroup(title, participants);
    if (typeof res === 'string') throw new Error(res);
    const ev = await waitEvent('group_update', (e) => e.args[0].chatId === sid(res.gid) && e.args[0].type === 'create', from);
    return { gid: sid(res.gid), title: res.title, participants: res.participants, event: ev.args[0] };
  }],
  ['groupInfo', async ({ id }) => groupJSON(await client.getChatById(id))],
  ['addParticipants', async ({ id, participants }) => {
    const from = events.length;
    const chat = await client.getChatById(id);
    const result = await chat.addParticipants(participants, { sleep: null });
    const ev = await waitEvent('group_join', (e) => e.args[0].chatId === id, from);
    return { result, event: ev.args[0] };
  }],
  ['promote', async ({ id, participant }) => {
    const from = events.length;
    const chat = await client.getChatById(id);
    const result = await chat.promoteParticipants([participant]);
    const ev = await waitEvent('group_admin_changed', (e) => e.args[0].chatId === id && e.args[0].type === 'promote', from);
    return { result, event: ev.args[0] };
  }],
  ['removeParticipants', async ({ id, participants }) => {
    const from = events.length;
    const chat = await client.getChatById(id);
    const result = await chat.removeParticipants(participants);
    const ev = await waitEvent('group_leave', (e) => e.args[0].chatId === id && e.args[0].type === 'remove', from);
    return { result, event: ev.args[0] };
  }],
  ['editGroup', async ({ id, subject, description }) => {
    const from = events.length;
    const chat = await client.getChatById(id);
    const out = {
      subject: await chat.setSubject(subject), description: await chat.setDescription(description),
      messagesAdminsOnly: await chat.setMessagesAdminsOnly(true), infoAdminsOnly: await chat.setInfoAdminsOnly(true),
    };
    out.event = (await waitEvent('group_update', (e) => e.args[0].chatId === id && e.args[0].type === 'subject', from)).args[0];
    out.group = groupJSON(await client.getChatById(id));
    return out;
  }],
  ['invites', async ({ id }) => {
    const chat = await client.getChatById(id);
    const code = await chat.getInviteCode();
    const revoked = await chat.revokeInvite();
    const info = await client.getInviteInfo(revoked);
    return { code, revoked, info: { id: sid(info.id), subject: info.subject, size: info.size } };
  }],
  ['groupPicture', async ({ id, mimetype, data }) => {
    const chat = await client.getChatById(id);
    const set = await chat.setPicture(new MessageMedia(mimetype, data));
    const url = await client.getProfilePicUrl(id);
    const deleted = await chat.deletePicture();
    return { set, url: url || null, deleted };
  }],
  ['groupMessage', async ({ id, body }) => {
    const from = events.length;
    const msg = await client.sendMessage(id, body);
    const acked = await waitEvent('message_ack', (e) => e.args[0].id === sid(msg.id) && e.args[1] >= 2, from);
    return { message: msgJSON(msg), ack: acked.args[1] };
  }],
  // The Go side had a member (an admin) write to the group and rename it.
  ['fromMembers', async ({ id, msgId, subject }) => {
    const msg = await waitEvent('message', (e) => e.args[0].id === msgId);
    const ev = await waitEvent('group_update', (e) => e.args[0].chatId === id && e.args[0].type === 'subject' && e.args[0].body === subject);
    return { message: msg.args[0], event: ev.args[0], group: groupJSON(await client.getChatById(id)) };
  }],
  ['acceptInvite', async ({ code }) => {
    const from = events.length;
    const id = await client.acceptInvite(code);
    const ev = await waitEvent('group_join', (e) => e.args[0].chatId === id, from);
    return { id, event: ev.args[0] };
  }],
  ['leave', async ({ id }) => {
    const from = events.length;
    await (await client.getChatById(id)).leave();
    const ev = await waitEvent('group_leave', (e) => e.args[0].chatId === id && e.args[0].type === 'leave', from);
    return { event: ev.args[0] };
  }],
];

const bench = [
  ['ready', ready],
  ['getChats', async () => {
    const r = await getChats();
    return { listMs: r.listMs, count: r.count, withLastMessage: r.chats.filter((c) => c.lastMessage).length };
  }],
  ['fetchMessages', async ({ chatId, limit }) => {
    const chat = await client.getChatById(chatId);
    const start = t0();
    const msgs = await chat.fetchMessages({ limit });
    return { fetchMs: ms(start), count: msgs.length };
  }],
];

async function main() {
  const steps = { fidelity: fidelity.concat(chatting, groups), bench }[SCENARIO];
  if (!steps) fatal('unknown SCENARIO ' + SCENARIO);
  // initialize() resolves once the QR is registered; pairing goes on in events.
  const init = client.initialize().then(() => out({ type: 'initialized' }), (e) => fatal('initialize: ' + ((e && e.stack) || e)));
  const done = [];
  let data = {};
  for (const [name, fn] of steps) {
    const start = t0();
    let line;
    try {
      const result = await fn(data);
      line = { type: 'step', name, ok: true, ms: ms(start), result };
    } catch (e) {
      line = { type: 'step', name, ok: false, ms: ms(start), error: String((e && e.stack) || e) };
    }
    done.push({ name: line.name, ok: line.ok, ms: line.ms });
    out(line);
    if (!line.ok) break;
    const reply = await nextReply();
    if (reply.abort) { done.push({ name: 'aborted', ok: false, error: reply.abort }); break; }
    data = reply.data || {};
  }
  await init;
  const ok = done.every((s) => s.ok) && done.length === steps.length && pageErrors.length === 0;
  out({ type: 'done', ok, steps: done, pageErrors });
  try { await client.destroy(); } catch (e) { /* the browser may be gone already */ }
  process.exit(ok ? 0 : 1);
}

main().catch((e) => fatal((e && e.stack) || e));

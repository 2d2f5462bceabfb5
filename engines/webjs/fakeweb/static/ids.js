// Wid (a WhatsApp id, `user@server`) and MsgKey (a message key,
// `{fromMe}_{remote}_{id}[_{participant}]`) as WhatsApp Web models them.
(function () {
  'use strict';
  const FW = window.__fakewebInternals;
  const SERVERS = new Set(['c.us', 'g.us', 'lid', 'broadcast', 'newsletter']);

  class Wid {
    constructor(str) {
      const s = String(str);
      const at = s.lastIndexOf('@');
      if (at <= 0) throw new Error('invalid wid: ' + s);
      let user = s.slice(0, at);
      let server = s.slice(at + 1);
      if (server === 's.whatsapp.net') server = 'c.us';
      if (!SERVERS.has(server) || !/^[0-9A-Za-z.:-]+$/.test(user)) throw new Error('invalid wid: ' + s);
      // Device suffixes (`123:4@c.us`) are not part of a chat id.
      if (server === 'c.us' || server === 'lid') user = user.split(':')[0];
      this.server = server;
      this.user = user;
      this._serialized = user + '@' + server;
    }
    toString() { return this._serialized; }
    toJid() { return this.server === 'c.us' ? this.user + '@s.whatsapp.net' : this._serialized; }
    isUser() { return this.server === 'c.us' || this.server === 'lid'; }
    isGroup() { return this.server === 'g.us'; }
    isLid() { return this.server === 'lid'; }
    isStatus() { return this.user === 'status' && this.server === 'broadcast'; }
    isBroadcast() { return this.server === 'broadcast'; }
    isNewsletter() { return this.server === 'newsletter'; }
    equals(o) { return !!o && String(o) === this._serialized; }
  }

  function toWid(x) {
    if (x instanceof Wid) return x;
    if (x && typeof x === 'object' && x._serialized) return new Wid(x._serialized);
    if (x && typeof x === 'object' && x.user && x.server) return new Wid(x.user + '@' + x.server);
    return new Wid(x);
  }

  function hex(n) {
    const b = new Uint8Array(Math.ceil(n / 2));
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').slice(0, n).toUpperCase();
  }

  class MsgKey {
    constructor(o) {
      let fromMe, remote;
      if ('fromMe' in o) {
        fromMe = !!o.fromMe;
        remote = toWid(o.remote);
      } else {
        fromMe = o.selfDir === 'out';
        remote = toWid(fromMe ? o.to : o.from);
      }
      if (!o.id) throw new Error('MsgKey needs an id');
      this.fromMe = fromMe;
      this.remote = remote;
      this.id = String(o.id);
      if (o.participant) this.participant = toWid(o.participant);
      const s = fromMe + '_' + remote + '_' + this.id + (this.participant ? '_' + this.participant : '');
      // Since WA 2.3000.1042401057 the string lives in a minified property;
      // the fake can mimic that so consumers must use toString().
      if (FW.cfg && FW.cfg.minifiedMsgKey) Object.defineProperty(this, '$1', { value: s, enumerable: true });
      else this._serialized = s;
    }
    toString() { return this._serialized || this.$1; }
    equals(o) { return !!o && String(o) === String(this); }
    static async newId() { return MsgKey.newIdSync(); }
    static newIdSync() { return '3EB0' + hex(18); }
    static fromString(s) {
      const p = String(s).split('_');
      if (p.length < 3 || p.length > 4 || (p[0] !== 'true' && p[0] !== 'false')) throw new Error('invalid msg key: ' + s);
      return new MsgKey({ fromMe: p[0] === 'true', remote: p[1], id: p[2], participant: p[3] });
    }
  }

  FW.Wid = Wid;
  FW.toWid = toWid;
  FW.MsgKey = MsgKey;
  FW.hex = hex;
})();

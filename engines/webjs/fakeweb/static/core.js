// Backbone-like primitives WhatsApp Web's models are built on: an emitter with
// space-separated event names, models whose attributes fire
// `change:<attr>` (model, new, prev) then `change` (model), and collections
// that re-emit their models' events and fire `add`/`remove` (model, coll).
(function () {
  'use strict';
  const FW = (window.__fakewebInternals = window.__fakewebInternals || {});

  class Emitter {
    on(events, cb, ctx) {
      if (!this._ev) Object.defineProperty(this, '_ev', { value: new Map() });
      for (const name of String(events).split(/\s+/).filter(Boolean)) {
        if (!this._ev.has(name)) this._ev.set(name, []);
        this._ev.get(name).push({ cb, ctx });
      }
      return this;
    }
    off(events, cb) {
      if (!this._ev) return this;
      if (!events) { this._ev.clear(); return this; }
      for (const name of String(events).split(/\s+/).filter(Boolean)) {
        const list = this._ev.get(name);
        if (!list) continue;
        this._ev.set(name, cb ? list.filter((h) => h.cb !== cb && h.cb._orig !== cb) : []);
      }
      return this;
    }
    once(events, cb, ctx) {
      const wrapper = (...args) => { this.off(events, wrapper); cb.apply(ctx || this, args); };
      wrapper._orig = cb;
      return this.on(events, wrapper);
    }
    trigger(name, ...args) {
      const list = this._ev && this._ev.get(name);
      if (!list) return this;
      for (const h of list.slice()) {
        // A throwing listener does not stop the others; its error is
        // reported as uncaught, as an event listener's is in a browser.
        try { h.cb.apply(h.ctx || this, args); } catch (e) { reportError(e); }
      }
      return this;
    }
    emit(name, ...args) { return this.trigger(name, ...args); }
  }

  // Model keeps its attributes in a private bag; props listed in `props` are
  // serialized, `session` props are live-only (like formattedTitle).
  // Child collections (a chat's msgs) are serialized too, as arrays.
  class Model extends Emitter {
    constructor(attrs) {
      super();
      Object.defineProperty(this, '__x', { value: {}, writable: true });
      Object.defineProperty(this, '_colls', { value: new Set() });
      Object.assign(this.__x, attrs || {});
    }
    static define(cls, props, session, children) {
      cls.__props = props;
      cls.__children = children || [];
      for (const p of props.concat(session || [])) {
        Object.defineProperty(cls.prototype, p, {
          get() { return this.__x[p]; },
          set(v) { this.set(p, v); },
          enumerable: true,
          configurable: true,
        });
      }
    }
    // set(attr, value) or set({attr: value, ...}): all values change first,
    // then one change:<attr> per changed attr, then one `change`.
    set(a, b) {
      const attrs = typeof a === 'string' ? { [a]: b } : a;
      const changed = [];
      for (const [k, v] of Object.entries(attrs)) {
        const prev = this.__x[k];
        if (prev === v) continue;
        this.__x[k] = v;
        changed.push([k, v, prev]);
      }
      for (const [k, v, prev] of changed) this.trigger('change:' + k, this, v, prev);
      if (changed.length) this.trigger('change', this);
      return this;
    }
    trigger(name, ...args) {
      super.trigger(name, ...args);
      for (const c of this._colls) c._modelEvent(name, args);
      return this;
    }
    serialize() {
      const out = {};
      for (const p of this.constructor.__props || []) if (this.__x[p] !== undefined) out[p] = this.__x[p];
      for (const c of this.constructor.__children || []) if (this[c]) out[c] = this[c].serialize();
      return out;
    }
    unsafe() { return this; }
    toJSON() { return this.serialize(); }
  }

  class Collection extends Emitter {
    constructor(modelClass, comparator, sortAttrs) {
      super();
      this.modelClass = modelClass;
      this._models = [];
      this._by = new Map();
      this._comparator = comparator || null;
      this._sortAttrs = new Set(sortAttrs || []);
      this._dirty = false;
    }
    get length() { return this._models.length; }
    _key(id) {
      if (id == null) return undefined;
      if (typeof id === 'string') return id;
      return String(id);
    }
    get(id) { return this._by.get(this._key(id)); }
    async find(id) {
      const m = this.get(id);
      if (!m) throw new Error('not found: ' + this._key(id));
      return m;
    }
    add(items, opts) {
      const list = Array.isArray(items) ? items : [items];
      const added = [];
      for (let m of list) {
        if (!(m instanceof Model)) m = new this.modelClass(m);
        const key = this._key(m.id);
        const existing = this._by.get(key);
        if (existing) { added.push(existing); continue; }
        this._models.push(m);
        this._by.set(key, m);
        m._colls.add(this);
        this._dirty = true;
        added.push(m);
        if (!(opts && opts.silent)) this.trigger('add', m, this);
      }
      return added;
    }
    remove(items, opts) {
      const list = Array.isArray(items) ? items : [items];
      const removed = [];
      for (const item of list) {
        const key = this._key(item instanceof Model ? item.id : item);
        const m = this._by.get(key);
        if (!m) continue;
        this._by.delete(key);
        const i = this._models.indexOf(m);
        if (i >= 0) this._models.splice(i, 1);
        m._colls.delete(this);
        removed.push(m);
        if (!(opts && opts.silent)) this.trigger('remove', m, this);
      }
      return removed;
    }
    reset() {
      for (const m of this._models) m._colls.delete(this);
      this._models = [];
      this._by.clear();
      this.trigger('reset', this);
    }
    _modelEvent(name, args) {
      if (name.startsWith('change:') && this._sortAttrs.has(name.slice(7))) this._dirty = true;
      this.trigger(name, ...args);
    }
    _sort() {
      if (this._dirty && this._comparator) this._models.sort(this._comparator);
      this._dirty = false;
    }
    getModelsArray() { this._sort(); return this._models.slice(); }
    toArray() { return this.getModelsArray(); }
    at(i) { this._sort(); return this._models[i]; }
    head() { return this.at(0); }
    last() { this._sort(); return this._models[this._models.length - 1]; }
    serialize() { return this.getModelsArray().map((m) => m.serialize()); }
    toJSON() { return this.serialize(); }
    forEach(fn) { this.getModelsArray().forEach(fn); }
    filter(fn) { return this.getModelsArray().filter(fn); }
    map(fn) { return this.getModelsArray().map(fn); }
    some(fn) { return this.getModelsArray().some(fn); }
  }

  FW.Emitter = Emitter;
  FW.Model = Model;
  FW.Collection = Collection;
})();

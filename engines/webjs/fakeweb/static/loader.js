// Meta's module system as WhatsApp Web (Comet, 2.3000.x) exposes it:
// modules are registered with a global __d(name, deps, factory, flags) and
// resolved with window.require(name), which returns the module's exports and
// throws `Requiring unknown module "X"` for a name that was never defined.
(function () {
  'use strict';
  const defs = new Map();
  const cache = new Map();

  function importDefault(name) {
    const e = requireModule(name);
    return e && e.__esModule ? e.default : e;
  }

  function requireModule(name) {
    const hit = cache.get(name);
    if (hit) return hit.exports;
    const def = defs.get(name);
    if (!def) throw new Error('Requiring unknown module "' + name + '"');
    const module = { exports: {} };
    cache.set(name, module);
    def.factory(window, requireModule, importDefault, requireModule, module, module.exports);
    return module.exports;
  }

  window.__d = function __d(name, deps, factory, flags) {
    defs.set(name, { deps: deps || [], factory, flags: flags || 0 });
  };
  window.require = requireModule;
})();

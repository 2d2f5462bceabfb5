// The WA Web modules a media send goes through, as whatsapp-web.js calls them
// (src/util/Injected/Utils.js processMediaData): WAWebMediaOpaqueData (the file
// as a blob with an object URL), WAWebPrepRawMedia (what the file is: type,
// size, picture size, length, a JPEG preview, its hash; pictures over the
// maximum dimension are scaled down and re-encoded), WAWebMediaStorage (the
// media object of a hash), WAWebMmsMediaTypes, WAWebMediaDataUtils and
// WAWebMediaInMemoryBlobCache, and WAWebMediaMmsV4Upload, which encrypts the file
// as WhatsApp does (HKDF-SHA256 keys, AES-256-CBC, truncated HMAC-SHA256) and
// uploads it to the fake media host.
(function () {
  'use strict';
  const FW = window.__fakewebInternals;
  const { Model } = FW;

  function def(name, exportsObj) {
    window.__d(name, [], function (g, r, i, n, module, exports) { Object.assign(exports, exportsObj); }, 1);
  }
  function defCallable(name, value) {
    window.__d(name, [], function (g, r, i, n, module) { module.exports = value; }, 1);
  }
  const b64 = (buf) => {
    const bytes = new Uint8Array(buf);
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const sha256 = async (buf) => b64(await crypto.subtle.digest('SHA-256', buf));

  // OpaqueData is a file WA holds as a blob, with an object URL for rendering.
  class OpaqueData {
    constructor(blob) {
      this._blob = blob;
      this._url = null;
    }
    static async createFromData(data, type) {
      let blob = data instanceof Blob ? data : new Blob([data], { type: type || '' });
      if (type && blob.type !== type) blob = new Blob([blob], { type });
      return new OpaqueData(blob);
    }
    get type() { return this._blob.type; }
    get size() { return this._blob.size; }
    arrayBuffer() { return this._blob.arrayBuffer(); }
    url() {
      if (!this._url) this._url = URL.createObjectURL(this._blob);
      return this._url;
    }
    // autorelease frees the object URL once rendering is done with it.
    autorelease() {
      const url = this._url;
      if (url) setTimeout(() => URL.revokeObjectURL(url), 60000);
    }
    formData() { return this._blob; }
  }
  defCallable('WAWebMediaOpaqueData', OpaqueData);

  // MediaData is prepRawMedia's result: a model whose attributes become the
  // message's media fields.
  class MediaData extends Model {}
  Model.define(MediaData, [
    'type', 'mimetype', 'filehash', 'size', 'filename', 'mediaBlob', 'renderableUrl', 'preview', 'width', 'height',
    'fullWidth', 'fullHeight', 'aspectRatio', 'duration', 'isGif', 'waveform', 'clientUrl', 'deprecatedMms3Url',
    'directPath', 'mediaKey', 'mediaKeyTimestamp', 'encFilehash', 'uploadhash', 'streamingSidecar',
    'firstFrameSidecar', 'mediaHandle', 'mediaStage', 'animationDuration',
  ]);
  const PREVIEW_SIDE = 100;
  const MAX_DIMENSION = 1600;

  // jpegOf draws a picture (bitmap, video frame) scaled to fit side × side.
  async function jpegOf(source, w, h, side, quality) {
    const scale = Math.min(1, side / Math.max(w, h));
    const cw = Math.max(1, Math.round(w * scale)), ch = Math.max(1, Math.round(h * scale));
    const canvas = new OffscreenCanvas(cw, ch);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, cw, ch);
    ctx.drawImage(source, 0, 0, cw, ch);
    return canvas.convertToBlob({ type: 'image/jpeg', quality });
  }

  // mediaElement loads a video or audio file far enough to know its length,
  // size and (for a video) first frame; null when the browser cannot play it.
  function mediaElement(tag, url) {
    return new Promise((resolve) => {
      const el = document.createElement(tag);
      el.muted = true;
      el.preload = 'auto';
      const done = (v) => { clearTimeout(timer); resolve(v); };
      const timer = setTimeout(() => done(null), 5000);
      el.onerror = () => done(null);
      el.onloadeddata = () => done(el);
      el.src = url;
    });
  }

  async function prep(opaque, params) {
    let blob = opaque._blob;
    const mimetype = blob.type || 'application/octet-stream';
    let type = 'document';
    if (params.asDocument) type = 'document';
    else if (params.asSticker) type = 'sticker';
    else if (mimetype.startsWith('image/')) type = 'image';
    else if (mimetype.startsWith('video/')) type = 'video';
    else if (mimetype.startsWith('audio/')) type = params.isPtt ? 'ptt' : 'audio';
    const attrs = { type, mimetype, isGif: type === 'video' && !!params.asGif, mediaStage: 'PREPARING' };
    if (blob.name) attrs.filename = blob.name;
    let media = opaque;
    if (type === 'image' || type === 'sticker') {
      const bitmap = await createImageBitmap(blob).catch(() => { throw new Error('media-fault: the image cannot be decoded'); });
      let w = bitmap.width, h = bitmap.height;
      const max = params.maxDimension || MAX_DIMENSION;
      if (type === 'image' && Math.max(w, h) > max) {
        // Too large: scaled down and re-encoded, as WA sends pictures.
        const scaled = await jpegOf(bitmap, w, h, max, 0.85);
        const s = Math.min(1, max / Math.max(w, h));
        w = Math.round(w * s); h = Math.round(h * s);
        blob = scaled;
        media = new OpaqueData(scaled);
        attrs.mimetype = 'image/jpeg';
      }
      attrs.width = attrs.fullWidth = w;
      attrs.height = attrs.fullHeight = h;
      attrs.aspectRatio = w / h;
      attrs.preview = b64(await (await jpegOf(bitmap, bitmap.width, bitmap.height, PREVIEW_SIDE, 0.5)).arrayBuffer());
      bitmap.close();
    } else if (type === 'video' || type === 'audio' || type === 'ptt') {
      const el = await mediaElement(type === 'video' ? 'video' : 'audio', opaque.url());
      if (el) {
        if (isFinite(el.duration)) attrs.duration = String(Math.round(el.duration));
        if (type === 'video' && el.videoWidth) {
          attrs.width = el.videoWidth;
          attrs.height = el.videoHeight;
          attrs.preview = b64(await (await jpegOf(el, el.videoWidth, el.videoHeight, PREVIEW_SIDE, 0.5)).arrayBuffer());
        }
        el.removeAttribute('src');
        el.load();
      }
    }
    const bytes = await blob.arrayBuffer();
    attrs.size = bytes.byteLength;
    attrs.filehash = await sha256(bytes);
    attrs.mediaBlob = media;
    attrs.mediaStage = 'PREPARED';
    return new MediaData(attrs);
  }

  def('WAWebPrepRawMedia', {
    prepRawMedia: (opaque, params) => {
      const p = prep(opaque, params || {});
      p.catch(() => {});
      return { waitForPrep: () => p };
    },
  });

  // A media object per file hash: what the tab knows of a file.
  const mediaObjects = new Map();
  class MediaObject {
    constructor(filehash) {
      this.filehash = filehash;
      this.contentInfo = {};
      this.type = undefined;
      this.size = 0;
      this.mediaBlob = null;
    }
    consolidate(json) {
      for (const k of ['type', 'size', 'mimetype', 'filename', 'duration', 'width', 'height', 'isGif', 'mediaBlob', 'directPath', 'mediaKey', 'encFilehash']) {
        if (json[k] !== undefined) this[k] = json[k];
      }
      if (json.waveform) this.contentInfo.waveform = json.waveform;
    }
  }
  def('WAWebMediaStorage', {
    getOrCreateMediaObject: (filehash) => {
      if (!mediaObjects.has(filehash)) mediaObjects.set(filehash, new MediaObject(filehash));
      return mediaObjects.get(filehash);
    },
  });

  const MMS_TYPES = { image: 'image', sticker: 'sticker', video: 'video', audio: 'audio', ptt: 'ptt', document: 'document' };
  def('WAWebMmsMediaTypes', {
    msgToMediaType: ({ type, isGif, isNewsletter }) => {
      const t = isGif && type === 'video' ? 'gif' : MMS_TYPES[type];
      if (!t) throw new Error('unknown media type ' + type);
      return isNewsletter ? 'newsletter-' + t : t;
    },
    castToV4: (t) => t,
  });
  def('WAWebMediaDataUtils', { shouldUseMediaCache: (t) => t === 'image' || t === 'sticker' });
  const blobCache = new Map();
  def('WAWebMediaInMemoryBlobCache', {
    InMemoryMediaBlobCache: { put: (hash, blob) => { blobCache.set(hash, blob); }, get: (hash) => blobCache.get(hash) },
  });

  const KEY_INFO = {
    image: 'WhatsApp Image Keys', sticker: 'WhatsApp Image Keys', video: 'WhatsApp Video Keys', gif: 'WhatsApp Video Keys',
    audio: 'WhatsApp Audio Keys', ptt: 'WhatsApp Audio Keys', document: 'WhatsApp Document Keys',
  };
  async function encrypt(plain, mediaType) {
    const subtle = crypto.subtle;
    const mediaKey = crypto.getRandomValues(new Uint8Array(32));
    const ikm = await subtle.importKey('raw', mediaKey, 'HKDF', false, ['deriveBits']);
    const bits = new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: new TextEncoder().encode(KEY_INFO[mediaType]) }, ikm, 112 * 8));
    const iv = bits.slice(0, 16), cipherKey = bits.slice(16, 48), macKey = bits.slice(48, 80);
    const ck = await subtle.importKey('raw', cipherKey, { name: 'AES-CBC' }, false, ['encrypt']);
    const enc = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv }, ck, plain));
    const hk = await subtle.importKey('raw', macKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const joined = new Uint8Array(iv.length + enc.length);
    joined.set(iv); joined.set(enc, iv.length);
    const mac = new Uint8Array(await subtle.sign('HMAC', hk, joined)).slice(0, 10);
    const blob = new Uint8Array(enc.length + 10);
    blob.set(enc); blob.set(mac, enc.length);
    return { mediaKey: b64(mediaKey), blob };
  }

  def('WAWebMediaMmsV4Upload', {
    uploadMedia: async ({ mimetype, mediaObject, mediaType }) => {
      if (!KEY_INFO[mediaType]) throw new Error('unknown media type ' + mediaType);
      const source = blobCache.get(mediaObject.filehash) || mediaObject.mediaBlob;
      const file = source instanceof OpaqueData ? source.formData() : source;
      if (!file) throw new Error('media-fault: no blob for ' + mediaObject.filehash);
      const plain = await file.arrayBuffer();
      if (await sha256(plain) !== mediaObject.filehash) throw new Error('media-fault: the file does not match its hash');
      const { mediaKey, blob } = await encrypt(plain, mediaType);
      const encFilehash = await sha256(blob);
      const token = encFilehash.replace(/\+/g, '-').replace(/\//g, '_');
      const res = await fetch('/__fakeweb/upload/' + mediaType + '/' + encodeURIComponent(token) + '?mimetype=' + encodeURIComponent(mimetype || ''), { method: 'POST', body: blob });
      if (!res.ok) throw new Error('media upload failed: ' + res.status);
      const r = await res.json();
      return {
        mediaEntry: {
          mmsUrl: r.url, deprecatedMms3Url: r.url, directPath: r.direct_path, mediaKey,
          mediaKeyTimestamp: FW.nowSec(), encFilehash, uploadHash: encFilehash, sidecar: undefined,
          firstFrameSidecar: undefined, handle: null,
        },
      };
    },
    uploadUnencryptedMedia: async () => { throw new Error('channels are not simulated'); },
  });
})();

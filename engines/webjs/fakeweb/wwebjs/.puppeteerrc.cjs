// puppeteer must never download a browser: the harness runs Debian's Chromium.
module.exports = { skipDownload: true };

// segwgpu drives the system Chromium (Debian's /usr/bin/chromium): puppeteer must never download one.
module.exports = { skipDownload: true };

// The browser tests launch Chromium exactly as `npm run screenshots` does.
export { launchChromium } from "../../scripts/chromium.js";

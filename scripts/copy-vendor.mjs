// Copy the front-end files Minzheng serves from node_modules into minzheng/static/vendor.
// Nothing is loaded from a CDN: government intranets have no internet (ADR 0009).
import { cpSync, mkdirSync } from "node:fs";

const out = "minzheng/static/vendor";
const files = {
  "node_modules/htmx.org/dist/htmx.min.js": "htmx.min.js",
  "node_modules/echarts/dist/echarts.min.js": "echarts.min.js",
  "node_modules/@tabler/core/dist/css/tabler.min.css": "tabler.min.css",
  "node_modules/@tabler/core/dist/js/tabler.min.js": "tabler.min.js",
};
mkdirSync(out, { recursive: true });
for (const [src, dst] of Object.entries(files)) cpSync(src, `${out}/${dst}`);
console.log(`vendored ${Object.keys(files).length} files into ${out}`);

// Copy the front-end files Minzheng serves from node_modules into minzheng/static/vendor.
// Nothing is loaded from a CDN: government intranets have no internet (ADR 0009).
//
// The `sourceMappingURL` comments at the end of the minified files are removed while copying
// (issue 16 §1). The maps are not vendored: they are 2.2 MB of debugging data pointing at sources we
// do not ship, and production's ManifestStaticFilesStorage refuses to collect a file whose map
// reference is missing (`MissingFileError: vendor/tabler.min.css.map`, every page then answers 500).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

const out = "minzheng/static/vendor";
const files = {
  "node_modules/htmx.org/dist/htmx.min.js": "htmx.min.js",
  "node_modules/echarts/dist/echarts.min.js": "echarts.min.js",
  "node_modules/@tabler/core/dist/css/tabler.min.css": "tabler.min.css",
  "node_modules/@tabler/core/dist/js/tabler.min.js": "tabler.min.js",
};
// `//# sourceMappingURL=…` (JS) and `/*# sourceMappingURL=… */` (CSS), also the old `@` form.
const sourceMap = /^[ \t]*(?:\/\/[#@][ \t]*sourceMappingURL=[^\r\n]*|\/\*[#@][ \t]*sourceMappingURL=[^\r\n]*?\*\/)[ \t]*$/gm;
mkdirSync(out, { recursive: true });
let stripped = 0;
for (const [src, dst] of Object.entries(files)) {
  const text = readFileSync(src, "utf8");
  const clean = text.replace(sourceMap, () => {
    stripped += 1;
    return "";
  });
  writeFileSync(`${out}/${dst}`, clean);
}
console.log(`vendored ${Object.keys(files).length} files into ${out} (${stripped} source-map references removed)`);

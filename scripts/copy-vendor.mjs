// Copy the front-end files Minzheng serves from node_modules into minzheng/static/vendor.
// Nothing is loaded from a CDN: government intranets have no internet (ADR 0009).
//
// The `sourceMappingURL` comments at the end of the minified files are removed while copying
// (issue 16 §1). The maps are not vendored: they are 2.2 MB of debugging data pointing at sources we
// do not ship, and production's ManifestStaticFilesStorage refuses to collect a file whose map
// reference is missing (`MissingFileError: vendor/tabler.min.css.map`, every page then answers 500).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const out = "minzheng/static/vendor";
const files = {
  "node_modules/htmx.org/dist/htmx.min.js": "htmx.min.js",
  "node_modules/echarts/dist/echarts.min.js": "echarts.min.js",
  "node_modules/@tabler/core/dist/css/tabler.min.css": "tabler.min.css",
  "node_modules/@tabler/core/dist/js/tabler.min.js": "tabler.min.js",
};
// Binary files copied as they are: the Mongolian-script subset of Noto Sans Mongolian (SIL OFL 1.1) for
// the portal in traditional Mongolian (ADR 0040). axe-core is a devDependency read by the browser tests
// straight from node_modules: it is never vendored, so it is never served to users.
const binaries = {
  "node_modules/@fontsource/noto-sans-mongolian/files/noto-sans-mongolian-mongolian-400-normal.woff2":
    "fonts/noto-sans-mongolian.woff2",
  "node_modules/@fontsource/noto-sans-mongolian/LICENSE": "fonts/noto-sans-mongolian.LICENSE.txt",
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
mkdirSync(`${out}/fonts`, { recursive: true });
for (const [src, dst] of Object.entries(binaries)) copyFileSync(src, `${out}/${dst}`);
const count = Object.keys(files).length + Object.keys(binaries).length;
console.log(`vendored ${count} files into ${out} (${stripped} source-map references removed)`);

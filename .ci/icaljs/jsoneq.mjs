// jsoneq.mjs exits 0 when two JSON files hold the same content (same keys and
// values, whatever the key order and spacing), else prints the first
// difference by path and exits 1.
import { readFileSync } from "node:fs";

const [a, b] = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, "utf8")));

function diff(x, y, path) {
  if (typeof x !== typeof y || Array.isArray(x) !== Array.isArray(y) || (x === null) !== (y === null)) {
    return `${path}: ${JSON.stringify(x)} != ${JSON.stringify(y)}`;
  }
  if (Array.isArray(x)) {
    if (x.length !== y.length) return `${path}: ${x.length} items != ${y.length} items`;
    for (let i = 0; i < x.length; i++) {
      const d = diff(x[i], y[i], `${path}[${i}]`);
      if (d) return d;
    }
    return "";
  }
  if (x && typeof x === "object") {
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    for (const k of [...keys].sort()) {
      if (!(k in x)) return `${path}.${k}: missing from the first file`;
      if (!(k in y)) return `${path}.${k}: missing from the second file`;
      const d = diff(x[k], y[k], `${path}.${k}`);
      if (d) return d;
    }
    return "";
  }
  return x === y ? "" : `${path}: ${JSON.stringify(x)} != ${JSON.stringify(y)}`;
}

const d = diff(a, b, "$");
if (d) {
  console.error(`JSON differs at ${d}`);
  process.exit(1);
}
console.log("JSON content is the same");

// Runs one vendor codec on many frames, for releve's differential test (tests/differential/).
//
// argv: "script" PATH  -- a TTN Device Repository codec file that defines decodeUplink(input)
//       "adeunis" PACKAGE_DIR DEVICE_TYPE  -- the vendor's npm library @adeunis/codecs
// stdin: one JSON object a line, {"fPort": n, "bytes": [..]}
// stdout: one JSON object a line: the codec's output, or {"exception": "..."} when it threw.
// The codec gets no network, no file system and no timers: a plain sandbox with console.
"use strict";

const fs = require("fs");
const readline = require("readline");
const vm = require("vm");

function scriptDecoder(path) {
  const code = fs.readFileSync(path, "utf8");
  const sandbox = { console: { log() {}, warn() {}, error() {}, info() {}, debug() {} } };
  sandbox.self = sandbox;
  sandbox.globalThis = sandbox;
  sandbox.exports = {};
  sandbox.module = { exports: sandbox.exports };
  vm.createContext(sandbox);
  vm.runInContext(code, sandbox, { filename: path, timeout: 5000 });
  // nke Watteco's builds define a global `driver` whose decodeUplink is the codec
  const fn =
    sandbox.decodeUplink ||
    (sandbox.module.exports && sandbox.module.exports.decodeUplink) ||
    (sandbox.exports && sandbox.exports.decodeUplink) ||
    (sandbox.driver && sandbox.driver.decodeUplink);
  if (typeof fn !== "function") {
    throw new Error(`${path} defines no decodeUplink`);
  }
  // Each frame runs under a time limit: a codec that loops on a frame (the 2024 Watteco TH
  // driver does on some cause bytes, until the heap is full) is counted as refusing that frame.
  sandbox.__decode = fn;
  const call = new vm.Script("__decode(__input)", { filename: "run_codec.js" });
  return (input) => {
    sandbox.__input = input;
    return call.runInContext(sandbox, { timeout: 2000 });
  };
}

function adeunisDecoder(packageDir, deviceType) {
  const codec = require(packageDir);
  return (input) => {
    const decoder = new codec.Decoder();
    decoder.setDeviceType(deviceType);
    const hex = Buffer.from(input.bytes).toString("hex");
    // the shape of the TTN Device Repository's Adeunis codecs: {data: {bytes: <library output>}}
    return { data: { bytes: decoder.decode(hex) } };
  };
}

function main() {
  const [kind, ...args] = process.argv.slice(2);
  const decode = kind === "script" ? scriptDecoder(args[0]) : adeunisDecoder(args[0], args[1]);
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out = [];
  lines.on("line", (line) => {
    if (!line.trim()) return;
    const input = JSON.parse(line);
    input.recvTime = new Date("2026-01-01T00:00:00Z");
    let result;
    try {
      result = decode({ bytes: input.bytes, fPort: input.fPort, recvTime: input.recvTime });
      if (result === undefined) result = { exception: "returned undefined" };
      JSON.stringify(result);
    } catch (err) {
      result = { exception: String(err && err.message ? err.message : err) };
    }
    out.push(JSON.stringify(result === null ? { exception: "returned null" } : result));
  });
  lines.on("close", () => {
    process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
  });
}

main();

#!/usr/bin/env node
// rivet-opcua-gateway CLI: --config FILE [--print-certificate FILE] [--trust-server FILE]; Ctrl-C stops cleanly.
"use strict";

const fs = require("fs");
const { loadConfig, ConfigError } = require("./config");
const { Gateway } = require("./gateway");

function usage() {
  console.error("usage: rivet-opcua-gateway --config gateway.json [--export-certificate out.der] [--trust-server plc.der]");
  process.exit(1);
}

async function main() {
  const args = process.argv.slice(2);
  const opt = {};
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i];
    if (!["--config", "--export-certificate", "--trust-server"].includes(k) || args[i + 1] === undefined) usage();
    opt[k] = args[i + 1];
  }
  if (!opt["--config"]) usage();
  const config = loadConfig(opt["--config"]);
  const log = (line) => console.error(`[${new Date().toISOString()}] ${line}`);
  const gw = new Gateway(config, { log });
  if (opt["--trust-server"]) {
    await gw.trustServerCertificate(fs.readFileSync(opt["--trust-server"]));
    log(`trusted ${opt["--trust-server"]}`);
  }
  if (opt["--export-certificate"]) {
    fs.writeFileSync(opt["--export-certificate"], await gw.prepareCertificate());
    log(`wrote the gateway certificate to ${opt["--export-certificate"]}: add it to the PLC's trusted list`);
    if (!opt["--trust-server"]) process.exit(0);
  }
  await gw.start();
  const stop = async () => {
    await gw.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e) => {
  console.error(`rivet-opcua-gateway: ${e instanceof ConfigError ? e.message : e.stack ?? e}`);
  process.exit(1);
});

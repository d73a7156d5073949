// Gateway integration test on loopback: node-opcua server (Basic256Sha256, mutual certificate trust) -> gateway ->
// real mosquitto -> Sparkplug B subscriber, and -> the C++ rivet-tags when RIVET_TAGS_EXE is given.
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const os = require("os");
const path = require("path");
const net = require("net");
const { spawn, execFile } = require("child_process");
const mqtt = require("mqtt");
const {
  OPCUAServer, OPCUACertificateManager, MessageSecurityMode, SecurityPolicy, Variant, DataType: OpcDataType,
} = require("node-opcua");
const { Gateway } = require("../src/gateway");
const { validateConfig, ConfigError } = require("../src/config");
const { SparkplugCodec, topic } = require("../src/sparkplug");

const MOSQUITTO = process.env.MOSQUITTO ?? "/usr/sbin/mosquitto";
const PACK = path.resolve(__dirname, "../../../content/samples/robot-cell");

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(pred, timeoutMs = 10000, what = "condition") {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function startBroker(dir) {
  const port = await freePort();
  const conf = path.join(dir, "mosquitto.conf");
  fs.writeFileSync(conf, `${process.getuid?.() === 0 ? "user root\n" : ""}persistence false\n` +
    `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
  const proc = spawn(MOSQUITTO, ["-c", conf], { stdio: "ignore" });
  await waitFor(() => new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => { s.end(); resolve(true); });
    s.on("error", () => resolve(false));
  }), 5000, "mosquitto");
  return { port, url: `mqtt://127.0.0.1:${port}`, stop: () => proc.kill("SIGTERM") };
}

async function startPlc(dir) {
  const port = await freePort();
  const cm = new OPCUACertificateManager({ rootFolder: path.join(dir, "plc-pki"), automaticallyAcceptUnknownCertificate: false,
    disableFileWatchers: true });
  await cm.initialize();
  const server = new OPCUAServer({
    port, hostname: "127.0.0.1", serverCertificateManager: cm, allowAnonymous: true,
    securityPolicies: [SecurityPolicy.Basic256Sha256], securityModes: [MessageSecurityMode.SignAndEncrypt],
    buildInfo: { productName: "RivetTestPLC" },
  });
  await server.initialize();
  const ns = server.engine.addressSpace.getOwnNamespace();
  const objects = server.engine.addressSpace.rootFolder.objects;
  const cell = ns.addObject({ organizedBy: objects, browseName: "Cell3" });
  const state = { speed: 12.5, contactor: true, airKpa: 612.0, mode: "AUTO" };
  const v = (dataType, get) => ({ get: () => new Variant({ dataType, value: get() }) });
  ns.addVariable({ componentOf: cell, browseName: "Axis1Speed", nodeId: "s=Robot.Axis1.Speed", dataType: "Double",
    minimumSamplingInterval: 50, value: v(OpcDataType.Double, () => state.speed) });
  ns.addVariable({ componentOf: cell, browseName: "MainContactor", nodeId: "s=Cell.MainContactor", dataType: "Boolean",
    minimumSamplingInterval: 50, value: v(OpcDataType.Boolean, () => state.contactor) });
  ns.addVariable({ componentOf: cell, browseName: "AirPressure", nodeId: "s=Cell.Air.Pressure", dataType: "Double",
    minimumSamplingInterval: 50, value: v(OpcDataType.Double, () => state.airKpa) });
  ns.addVariable({ componentOf: cell, browseName: "Mode", nodeId: "s=Robot.Mode", dataType: "String",
    minimumSamplingInterval: 50, value: v(OpcDataType.String, () => state.mode) });
  await server.start();
  return { server, cm, state, endpoint: `opc.tcp://127.0.0.1:${port}`,
    nsUri: ns.namespaceUri, stop: async () => { await server.shutdown(0); await cm.dispose(); } };
}

function gatewayConfig(plc, broker, dir, extra = {}) {
  return validateConfig({
    opcua: { endpoint: plc.endpoint, pkiDir: path.join(dir, "gw-pki"), samplingIntervalMs: 50, publishingIntervalMs: 100,
      ...extra },
    mqtt: { broker: broker.url },
    sparkplug: { group: "Plant1", node: "Cell3" },
    nodes: [
      { nodeId: "ns=1;s=Robot.Axis1.Speed", device: "Robot", metric: "Axis1/Speed" },
      { nodeId: "ns=1;s=Cell.MainContactor", device: "Cell", metric: "MainContactor" },
      { nodeId: "ns=1;s=Cell.Air.Pressure", device: "Cell", metric: "Air/Pressure" },
      { nodeId: "ns=1;s=Robot.Mode", device: "Robot", metric: "Mode" },
    ],
  }, "test-config");
}

test("config: secure by default, None only when written, clear errors", () => {
  const base = { opcua: { endpoint: "opc.tcp://plc:4840" }, mqtt: { broker: "mqtts://b:8883" },
    nodes: [{ nodeId: "ns=1;s=x", device: "D", metric: "m" }] };
  const c = validateConfig(base, "gw.json");
  assert.equal(c.opcua.securityPolicy, "Basic256Sha256");
  assert.equal(c.opcua.securityMode, "SignAndEncrypt");
  const none = validateConfig({ ...base, opcua: { endpoint: "opc.tcp://plc:4840", securityPolicy: "None" } }, "gw.json");
  assert.equal(none.opcua.securityMode, "None");
  assert.throws(() => validateConfig({ ...base, opcua: { endpoint: "opc.tcp://plc:4840", securityPolicy: "Basic128" } }, "gw.json"),
    (e) => e instanceof ConfigError && /gw\.json: opcua\.securityPolicy/.test(e.message));
  assert.throws(() => validateConfig({ ...base, opcua: { endpoint: "opc.tcp://plc:4840", securityMode: "None" } }, "gw.json"),
    /opcua\.securityMode/);
  assert.throws(() => validateConfig({ ...base, nodes: [{ nodeId: "x", device: "a/b", metric: "m" }] }, "gw.json"),
    /nodes\[0\]\.device/);
  assert.throws(() => validateConfig({ ...base, extra: 1 }, "gw.json"), /\$\.extra: unknown key/);
  assert.throws(() => validateConfig({ ...base, mqtt: { broker: "http://x" } }, "gw.json"), /mqtt\.broker/);
});

test("OPC UA (Basic256Sha256) -> gateway -> mosquitto -> Sparkplug B and rivet-tags", { timeout: 120000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rivet-gw-"));
  const broker = await startBroker(dir);
  let plc;
  let gw;
  let sub;
  let plcStopped = false;
  let gwStopped = false;
  try {
    plc = await startPlc(dir);
    const codec = new SparkplugCodec();
    const seen = [];
    sub = mqtt.connect(broker.url, { clientId: "test-host" });
    await new Promise((r) => sub.on("connect", r));
    await new Promise((r) => sub.subscribe("spBv1.0/Plant1/#", r));
    sub.on("message", (t, p) => seen.push({ t, p: t.includes("/STATE/") ? null : codec.decode(p) }));

    // an untrusted PLC certificate is refused
    const stranger = new Gateway(gatewayConfig(plc, broker, path.join(dir, "stranger")));
    const strangerStart = stranger.start().then(() => "connected", (e) => `failed: ${e.message}`);
    const outcome = await Promise.race([strangerStart, new Promise((r) => setTimeout(() => r("timeout"), 4000))]);
    assert.notEqual(outcome, "connected");
    await stranger.stop().catch(() => {});

    // mutual trust: the PLC trusts the gateway's certificate and the gateway trusts the PLC's
    gw = new Gateway(gatewayConfig(plc, broker, dir));
    await plc.cm.trustCertificate(await gw.prepareCertificate());
    await gw.trustServerCertificate(plc.server.getCertificate());
    await gw.start();

    await waitFor(() => seen.some((m) => m.t === topic("DBIRTH", "Plant1", "Cell3", "Robot")) &&
      seen.some((m) => m.t === topic("DBIRTH", "Plant1", "Cell3", "Cell")), 15000, "DBIRTHs");
    const nbirth = seen.find((m) => m.t === topic("NBIRTH", "Plant1", "Cell3"));
    assert.ok(nbirth, "NBIRTH");
    assert.equal(nbirth.p.seq, 0);
    assert.ok(nbirth.p.metrics.some((m) => m.name === "bdSeq"));
    const cellBirth = seen.filter((m) => m.t === topic("DBIRTH", "Plant1", "Cell3", "Cell")).at(-1);
    const air = cellBirth.p.metrics.find((m) => m.name === "Air/Pressure");
    const contactor = cellBirth.p.metrics.find((m) => m.name === "MainContactor");
    assert.ok(air && contactor, "Cell DBIRTH lists its metrics");
    await waitFor(() => {
      const last = seen.filter((m) => m.t.includes("/Cell3/")).flatMap((m) => m.p?.metrics ?? []);
      return last.some((m) => m.alias === air.alias && m.doubleValue === 612.0) &&
        last.some((m) => m.alias === contactor.alias && m.booleanValue === true);
    }, 10000, "initial values");

    // a change on the PLC arrives as DDATA with an alias
    plc.state.speed = -87.25;
    await waitFor(() => seen.some((m) => m.t === topic("DDATA", "Plant1", "Cell3", "Robot") &&
      m.p.metrics.some((x) => x.doubleValue === -87.25)), 10000, "DDATA with the new speed");

    // sequence numbers follow each other from the NBIRTH on
    const lastBirth = seen.map((m) => m.t).lastIndexOf(topic("NBIRTH", "Plant1", "Cell3"));
    const seqs = seen.slice(lastBirth).filter((m) => m.p && m.p.seq !== undefined).map((m) => m.p.seq);
    for (let i = 1; i < seqs.length; i += 1) assert.equal(seqs[i], (seqs[i - 1] + 1) % 256, `seq ${seqs}`);

    // a host's rebirth request gets a new birth
    const births = gw.stats.births;
    sub.publish(topic("NCMD", "Plant1", "Cell3"), codec.encode({ timestamp: Date.now(),
      metrics: [{ name: "Node Control/Rebirth", datatype: 11, value: true }] }));
    await waitFor(() => gw.stats.births > births, 5000, "rebirth");

    // the C++ diagnostic sees the gateway's tags with their pack conversions (kPa -> bar)
    if (process.env.RIVET_TAGS_EXE) {
      plc.state.contactor = false;
      await new Promise((r) => setTimeout(r, 500));
      const out = await new Promise((resolve) => execFile(process.env.RIVET_TAGS_EXE,
        ["--broker", broker.url, "--pack", PACK, "--timeout", "3"], (err, stdout) => resolve(stdout)));
      const lines = Object.fromEntries(out.trim().split("\n").map((l) => JSON.parse(l)).filter((j) => j.id).map((j) => [j.id, j]));
      assert.equal(lines["cell.air_pressure"].state, "fresh");
      assert.ok(Math.abs(lines["cell.air_pressure"].value - 6.12) < 1e-9, JSON.stringify(lines["cell.air_pressure"]));
      assert.equal(lines["cell.main_contactor"].value, false);
      assert.equal(lines["robot.axis_speed"].value, -87.25);
      assert.equal(lines["robot.mode"].value, "AUTO");
      assert.equal(lines["robot.motor_current"].state, "missing");  // not configured in this gateway
    }

    // PLC gone: devices die (hosts mark their tags bad)
    await plc.stop();
    plcStopped = true;
    await waitFor(() => seen.some((m) => m.t === topic("DDEATH", "Plant1", "Cell3", "Robot")), 15000, "DDEATH");

    await gw.stop();
    gwStopped = true;
    await waitFor(() => seen.some((m) => m.t === topic("NDEATH", "Plant1", "Cell3")), 5000, "NDEATH");
  } finally {  // never leave a broker, a PLC or a gateway behind, even when an assertion failed
    sub?.end(true);
    if (gw && !gwStopped) await gw.stop().catch(() => {});
    if (plc && !plcStopped) await plc.stop().catch(() => {});
    broker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

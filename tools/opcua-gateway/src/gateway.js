// OPC UA -> Sparkplug B edge gateway: monitors configured OPC UA nodes (Basic256Sha256 by default) and republishes
// them as an edge node (NBIRTH/DBIRTH/DDATA with aliases and seq, NDEATH will, DDEATH while the PLC is unreachable).
"use strict";

const fs = require("fs");
const mqtt = require("mqtt");
const {
  OPCUAClient, OPCUACertificateManager, MessageSecurityMode, SecurityPolicy, AttributeIds, TimestampsToReturn,
  ClientSubscription, ClientMonitoredItem, DataType: OpcDataType, UserTokenType,
} = require("node-opcua");
const { SparkplugCodec, DataType, FROM_OPCUA, topic } = require("./sparkplug");

function qualityOf(statusCode) {
  const severity = (statusCode.value >>> 30) & 3;
  return severity === 0 ? "good" : severity === 1 ? "uncertain" : "bad";
}

// OPC UA Variant -> [Sparkplug datatype, JS value]
function convertVariant(variant) {
  const typeName = OpcDataType[variant.dataType];
  const dt = FROM_OPCUA[typeName] ?? DataType.String;
  let v = variant.value;
  if (Array.isArray(v) && (typeName === "Int64" || typeName === "UInt64")) v = v[0] * 4294967296 + v[1];  // [hi, lo]
  else if (v instanceof Date) v = v.getTime();
  else if (typeName === "LocalizedText") v = v?.text ?? "";
  else if (Buffer.isBuffer(v)) v = v.toString("base64");
  else if (dt === DataType.String && typeof v !== "string") v = JSON.stringify(v);
  return [dt, v];
}

class Gateway {
  constructor(config, { log = () => {}, protoPath } = {}) {
    this.config = config;
    this.log = log;
    this.codec = new SparkplugCodec(protoPath);
    this.group = config.sparkplug.group;
    this.node = config.sparkplug.node;
    this.metrics = config.nodes.map((n, alias) => ({ ...n, alias, datatype: undefined, value: undefined,
      quality: "bad", timestamp: undefined }));
    this.devices = [...new Set(this.metrics.map((m) => m.device))];
    this.deviceOnline = new Map(this.devices.map((d) => [d, false]));
    this.bdSeq = 0;
    this.seq = 0;
    this.stats = { births: 0, deviceBirths: 0, deviceDeaths: 0, data: 0, rebirthCommands: 0, opcuaLosses: 0 };
  }

  // Creates (once) and returns the gateway's OPC UA application certificate (DER), so it can be trusted by the PLC.
  async prepareCertificate() {
    await this.#makeClient();
    await this.client.createDefaultCertificate();
    return this.client.getCertificate();
  }

  // Trusts a PLC's certificate (DER): the gateway rejects unknown servers.
  async trustServerCertificate(der) {
    await this.#makeCertificateManager();
    await this.certificateManager.trustCertificate(der);
  }

  async start() {
    this.#connectMqtt();
    await this.#makeClient();
    const password = process.env.RIVET_OPCUA_PASSWORD;
    const identity = this.config.opcua.userName
      ? { type: UserTokenType.UserName, userName: this.config.opcua.userName, password: password ?? "" }
      : { type: UserTokenType.Anonymous };
    await this.client.connect(this.config.opcua.endpoint);
    this.session = await this.client.createSession(identity);
    this.subscription = ClientSubscription.create(this.session, {
      requestedPublishingInterval: this.config.opcua.publishingIntervalMs, requestedLifetimeCount: 100,
      requestedMaxKeepAliveCount: 10, maxNotificationsPerPublish: 1000, publishingEnabled: true, priority: 10,
    });
    for (const m of this.metrics) {
      const item = ClientMonitoredItem.create(this.subscription, { nodeId: m.nodeId, attributeId: AttributeIds.Value },
        { samplingInterval: this.config.opcua.samplingIntervalMs, discardOldest: true, queueSize: 10 },
        TimestampsToReturn.Both);
      item.on("changed", (dv) => this.#onValue(m, dv));
      item.on("err", (e) => this.log(`opcua: ${m.nodeId}: ${e}`));
    }
    this.log(`gateway: ${this.config.opcua.endpoint} (${this.config.opcua.securityPolicy}/` +
      `${this.config.opcua.securityMode}) -> ${this.config.mqtt.broker} as ${this.group}/${this.node}`);
  }

  async stop() {
    // Each step is bounded: with the PLC gone, closing the session would wait for a server that never answers.
    const bounded = (p) => Promise.race([p, new Promise((r) => setTimeout(r, 2000))]);
    try {
      if (this.opcuaUp && this.subscription) await bounded(this.subscription.terminate());
      if (this.opcuaUp && this.session) await bounded(this.session.close());
      if (this.client) await bounded(this.client.disconnect());
    } catch (e) {
      this.log(`opcua: while stopping: ${e.message}`);
    }
    if (this.certificateManager) await this.certificateManager.dispose();
    if (this.mqtt) {
      if (this.mqtt.connected) this.#publish(topic("NDEATH", this.group, this.node), this.#death());
      await this.mqtt.endAsync();
    }
  }

  async #makeCertificateManager() {
    if (this.certificateManager) return;
    this.certificateManager = new OPCUACertificateManager({
      rootFolder: this.config.opcua.pkiDir, automaticallyAcceptUnknownCertificate: false, disableFileWatchers: true,
    });
    await this.certificateManager.initialize();
  }

  async #makeClient() {
    if (this.client) return;
    await this.#makeCertificateManager();
    const { securityPolicy, securityMode, applicationName } = this.config.opcua;
    if (securityPolicy === "None") this.log("gateway: WARNING OPC UA security is None (configured explicitly)");
    this.client = OPCUAClient.create({
      applicationName, clientCertificateManager: this.certificateManager, endpointMustExist: false,
      securityPolicy: SecurityPolicy[securityPolicy], securityMode: MessageSecurityMode[securityMode],
      connectionStrategy: { initialDelay: 250, maxDelay: 5000, maxRetry: -1 }, keepSessionAlive: true,
    });
    this.client.on("connection_reestablished", () => { this.opcuaUp = true; });
    this.client.on("connection_lost", () => {
      this.opcuaUp = false;
      this.stats.opcuaLosses += 1;
      this.log("opcua: connection lost: devices go DDEATH until values return");
      for (const d of this.devices) this.#deviceDeath(d);
    });
  }

  #connectMqtt() {
    const c = this.config.mqtt;
    const opts = {
      clientId: c.clientId, protocolVersion: 4, clean: true, reconnectPeriod: 1000, connectTimeout: 5000,
      rejectUnauthorized: !c.insecure, will: this.#will(),
    };
    if (c.ca) opts.ca = fs.readFileSync(c.ca);
    if (c.cert) opts.cert = fs.readFileSync(c.cert);
    if (c.key) opts.key = fs.readFileSync(c.key);
    if (c.userName) {
      opts.username = c.userName;
      opts.password = process.env.RIVET_MQTT_PASSWORD ?? "";
    }
    this.mqtt = mqtt.connect(c.broker, opts);
    this.mqtt.on("connect", () => {
      this.mqtt.subscribe(topic("NCMD", this.group, this.node), { qos: 0 }, () => this.#births());
    });
    this.mqtt.on("close", () => {
      if (this.mqttWasUp) {  // the next session gets a new bdSeq, and so does its will
        this.bdSeq = (this.bdSeq + 1) % 256;
        this.mqtt.options.will = this.#will();
      }
      this.mqttWasUp = false;
    });
    this.mqtt.on("error", (e) => this.log(`mqtt: ${e.message}`));
    this.mqtt.on("message", (t, payload) => {
      try {
        const p = this.codec.decode(payload);
        if ((p.metrics ?? []).some((m) => m.name === "Node Control/Rebirth" && m.booleanValue)) {
          this.stats.rebirthCommands += 1;
          this.#births();
        }
      } catch (e) {
        this.log(`mqtt: ignored malformed command on ${t}: ${e.message}`);
      }
    });
  }

  #death() {
    return this.codec.encode({ timestamp: Date.now(), metrics: [{ name: "bdSeq", datatype: DataType.Int64, value: this.bdSeq }] });
  }

  #will() {
    return { topic: topic("NDEATH", this.group, this.node), payload: this.#death(), qos: 0, retain: false };
  }

  #nextSeq() {
    this.seq = (this.seq + 1) % 256;
    return this.seq;
  }

  #publish(t, payload) {
    this.mqtt.publish(t, payload, { qos: 0, retain: false });
  }

  #births() {
    this.mqttWasUp = true;
    const now = Date.now();
    this.seq = 0;
    this.#publish(topic("NBIRTH", this.group, this.node), this.codec.encode({ timestamp: now, seq: 0, metrics: [
      { name: "bdSeq", datatype: DataType.Int64, value: this.bdSeq },
      { name: "Node Control/Rebirth", datatype: DataType.Boolean, value: false },
    ] }));
    this.stats.births += 1;
    // every device whose PLC values we hold is born again (values may have arrived before the broker connected)
    for (const d of this.devices) {
      if (this.opcuaUp && this.metrics.some((m) => m.device === d && m.value !== undefined)) this.#deviceBirth(d, true);
    }
  }

  #deviceBirth(device, force = false) {
    if (!this.mqtt?.connected || !this.mqttWasUp) return;
    if (this.deviceOnline.get(device) && !force) return;
    const metrics = this.metrics.filter((m) => m.device === device).map((m) => ({
      name: m.metric, alias: m.alias, timestamp: m.timestamp ?? Date.now(), datatype: m.datatype ?? DataType.Double,
      value: m.value, isNull: m.value === undefined, quality: m.quality,
    }));
    this.#publish(topic("DBIRTH", this.group, this.node, device),
      this.codec.encode({ timestamp: Date.now(), seq: this.#nextSeq(), metrics }));
    this.deviceOnline.set(device, true);
    this.stats.deviceBirths += 1;
  }

  #deviceDeath(device) {
    if (!this.deviceOnline.get(device)) return;
    this.deviceOnline.set(device, false);
    if (!this.mqtt?.connected || !this.mqttWasUp) return;
    this.#publish(topic("DDEATH", this.group, this.node, device),
      this.codec.encode({ timestamp: Date.now(), seq: this.#nextSeq(), metrics: [] }));
    this.stats.deviceDeaths += 1;
  }

  #onValue(m, dv) {
    this.opcuaUp = true;
    const [dt, value] = convertVariant(dv.value);
    m.datatype = m.datatype ?? dt;
    m.value = value;
    m.quality = qualityOf(dv.statusCode);
    m.timestamp = (dv.sourceTimestamp ?? dv.serverTimestamp ?? new Date()).getTime();
    if (!this.mqtt?.connected || !this.mqttWasUp) return;  // kept for the next birth
    if (!this.deviceOnline.get(m.device)) {
      this.#deviceBirth(m.device);  // carries this value
      return;
    }
    this.#publish(topic("DDATA", this.group, this.node, m.device), this.codec.encode({
      timestamp: Date.now(), seq: this.#nextSeq(),
      metrics: [{ alias: m.alias, timestamp: m.timestamp, datatype: m.datatype, value: m.value, quality: m.quality }],
    }));
    this.stats.data += 1;
  }
}

module.exports = { Gateway, convertVariant, qualityOf };

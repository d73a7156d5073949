// Gateway configuration: loading and strict validation, with one clear message naming the file and the key.
"use strict";

const fs = require("fs");

const SECURE_POLICIES = ["Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"];
const MODES = ["Sign", "SignAndEncrypt"];
const SP_ID = /^[^/+#]+$/;

class ConfigError extends Error {}

function fail(file, where, message, hint) {
  throw new ConfigError(`${file}: ${where}: ${message}${hint ? ` (${hint})` : ""}`);
}

function checkKeys(file, where, obj, allowed) {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) fail(file, where, "must be an object");
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) fail(file, `${where}.${k}`, "unknown key", `allowed: ${allowed.join(", ")}`);
  }
}

// Returns a normalised config; throws ConfigError on the first problem.
function validateConfig(raw, file = "config") {
  checkKeys(file, "$", raw, ["opcua", "mqtt", "sparkplug", "nodes"]);
  const { opcua, mqtt, sparkplug, nodes } = raw;
  if (!opcua) fail(file, "opcua", "missing", "add {\"endpoint\": \"opc.tcp://host:4840\"}");
  checkKeys(file, "opcua", opcua, ["endpoint", "securityPolicy", "securityMode", "pkiDir", "userName",
    "samplingIntervalMs", "publishingIntervalMs", "applicationName"]);
  if (typeof opcua.endpoint !== "string" || !opcua.endpoint.startsWith("opc.tcp://"))
    fail(file, "opcua.endpoint", "must be an opc.tcp:// URL");
  const policy = opcua.securityPolicy ?? "Basic256Sha256";
  let mode = opcua.securityMode ?? "SignAndEncrypt";
  if (policy === "None") {
    // Only when written explicitly: no signature, no encryption.
    if (opcua.securityMode !== undefined && opcua.securityMode !== "None")
      fail(file, "opcua.securityMode", "must be None with securityPolicy None");
    mode = "None";
  } else {
    if (!SECURE_POLICIES.includes(policy))
      fail(file, "opcua.securityPolicy", `unknown policy '${policy}'`, `use ${SECURE_POLICIES.join(", ")} or None`);
    if (!MODES.includes(mode)) fail(file, "opcua.securityMode", `unknown mode '${mode}'`, "use Sign or SignAndEncrypt");
  }
  if (!mqtt) fail(file, "mqtt", "missing", "add {\"broker\": \"mqtts://host:8883\"}");
  checkKeys(file, "mqtt", mqtt, ["broker", "ca", "cert", "key", "userName", "clientId", "insecure"]);
  if (typeof mqtt.broker !== "string" || !/^(mqtts?|tcp|ssl|tls):\/\//.test(mqtt.broker))
    fail(file, "mqtt.broker", "must be an mqtt:// or mqtts:// URL");
  if (!!mqtt.cert !== !!mqtt.key) fail(file, "mqtt.cert", "cert and key go together");
  const sp = sparkplug ?? {};
  checkKeys(file, "sparkplug", sp, ["group", "node"]);
  const group = sp.group ?? "Plant1";
  const node = sp.node ?? "Gateway1";
  if (!SP_ID.test(group)) fail(file, "sparkplug.group", "must not be empty nor contain / + #");
  if (!SP_ID.test(node)) fail(file, "sparkplug.node", "must not be empty nor contain / + #");
  if (!Array.isArray(nodes) || nodes.length === 0) fail(file, "nodes", "must be a non-empty list");
  const seen = new Set();
  const outNodes = nodes.map((n, i) => {
    const where = `nodes[${i}]`;
    checkKeys(file, where, n, ["nodeId", "device", "metric"]);
    if (typeof n.nodeId !== "string" || !n.nodeId) fail(file, `${where}.nodeId`, "missing", "e.g. ns=1;s=Robot.Speed");
    if (typeof n.device !== "string" || !SP_ID.test(n.device)) fail(file, `${where}.device`, "must be a Sparkplug device id");
    if (typeof n.metric !== "string" || !n.metric) fail(file, `${where}.metric`, "missing", "e.g. Axis1/Speed");
    const key = `${n.device}/${n.metric}`;
    if (seen.has(key)) fail(file, `${where}.metric`, `'${key}' is configured twice`);
    seen.add(key);
    return { nodeId: n.nodeId, device: n.device, metric: n.metric };
  });
  return {
    opcua: {
      endpoint: opcua.endpoint, securityPolicy: policy, securityMode: mode, pkiDir: opcua.pkiDir ?? "./pki",
      userName: opcua.userName, samplingIntervalMs: opcua.samplingIntervalMs ?? 100,
      publishingIntervalMs: opcua.publishingIntervalMs ?? 200, applicationName: opcua.applicationName ?? "RivetOpcUaGateway",
    },
    mqtt: { broker: mqtt.broker, ca: mqtt.ca, cert: mqtt.cert, key: mqtt.key, userName: mqtt.userName,
      clientId: mqtt.clientId ?? `rivet-gw-${group}-${node}`, insecure: mqtt.insecure === true },
    sparkplug: { group, node },
    nodes: outNodes,
  };
}

function loadConfig(file) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`${file}: cannot read (${e.code ?? e.message})`);
  }
  let raw;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON: ${e.message}`);
  }
  return validateConfig(raw, file);
}

module.exports = { loadConfig, validateConfig, ConfigError };

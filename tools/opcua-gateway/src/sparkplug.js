// Sparkplug B payloads for the gateway, encoded with protobufjs from the same sparkplug_b.proto the C++ side compiles.
"use strict";

const path = require("path");
const protobuf = require("protobufjs");

const DEFAULT_PROTO = path.resolve(__dirname, "../../../app/tags/proto/sparkplug_b.proto");

// Sparkplug 3.0 DataType numbers.
const DataType = Object.freeze({
  Int8: 1, Int16: 2, Int32: 3, Int64: 4, UInt8: 5, UInt16: 6, UInt32: 7, UInt64: 8,
  Float: 9, Double: 10, Boolean: 11, String: 12, DateTime: 13, Text: 14,
});

// OPC UA built-in type name -> Sparkplug DataType.
const FROM_OPCUA = Object.freeze({
  Boolean: DataType.Boolean, SByte: DataType.Int8, Byte: DataType.UInt8, Int16: DataType.Int16,
  UInt16: DataType.UInt16, Int32: DataType.Int32, UInt32: DataType.UInt32, Int64: DataType.Int64,
  UInt64: DataType.UInt64, Float: DataType.Float, Double: DataType.Double, String: DataType.String,
  DateTime: DataType.DateTime, LocalizedText: DataType.String, ByteString: DataType.String,
});

// Quality property values (OPC DA convention used by Sparkplug hosts): 192 good, 64 uncertain, 0 bad.
const QUALITY_CODE = Object.freeze({ good: 192, uncertain: 64, bad: 0 });

class SparkplugCodec {
  constructor(protoPath = DEFAULT_PROTO) {
    const root = protobuf.loadSync(protoPath);
    this.Payload = root.lookupType("rivet.sparkplug.pb.Payload");
  }

  // metrics: [{name?, alias?, timestamp?, datatype, value, isNull?, quality?}]
  encode({ timestamp, seq, metrics }) {
    const msg = { timestamp, metrics: metrics.map((m) => this.#metric(m)) };
    if (seq !== undefined) msg.seq = seq;
    const err = this.Payload.verify(msg);
    if (err) throw new Error(`sparkplug payload: ${err}`);
    return Buffer.from(this.Payload.encode(this.Payload.fromObject(msg)).finish());
  }

  decode(buffer) {
    return this.Payload.toObject(this.Payload.decode(buffer), { longs: Number, defaults: false });
  }

  #metric(m) {
    const out = { datatype: m.datatype };
    if (m.name !== undefined) out.name = m.name;
    if (m.alias !== undefined) out.alias = m.alias;
    if (m.timestamp !== undefined) out.timestamp = m.timestamp;
    if (m.isNull || m.value === undefined || m.value === null) {
      out.isNull = true;
    } else {
      switch (m.datatype) {
        case DataType.Int8: case DataType.Int16: case DataType.Int32:
          out.intValue = Number(m.value) >>> 0; break;  // two's complement in uint32
        case DataType.UInt8: case DataType.UInt16: case DataType.UInt32:
          out.intValue = Number(m.value) >>> 0; break;
        case DataType.Int64: case DataType.UInt64: case DataType.DateTime:
          out.longValue = Math.trunc(Number(m.value)); break;
        case DataType.Float: out.floatValue = Number(m.value); break;
        case DataType.Double: out.doubleValue = Number(m.value); break;
        case DataType.Boolean: out.booleanValue = Boolean(m.value); break;
        default: out.stringValue = String(m.value); break;
      }
    }
    if (m.quality !== undefined) {
      out.properties = { keys: ["Quality"], values: [{ type: DataType.Int32, intValue: QUALITY_CODE[m.quality] }] };
    }
    return out;
  }
}

function topic(type, group, node, device) {
  return `spBv1.0/${group}/${type}/${node}${device ? `/${device}` : ""}`;
}

module.exports = { SparkplugCodec, DataType, FROM_OPCUA, QUALITY_CODE, topic, DEFAULT_PROTO };

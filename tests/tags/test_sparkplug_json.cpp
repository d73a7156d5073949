// Sparkplug B codec and host state machine (births, aliases, sequence gaps, deaths) and JSON payloads, no broker.
#include <gtest/gtest.h>

#include <limits>

#include "rivet/tags/json_payload.hpp"
#include "rivet/tags/sparkplug.hpp"

using namespace rivet::tags;
namespace sp = rivet::tags::sparkplug;

namespace {
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kT0 = 1'700'000'000'000 * kMs;

TagBindings bindings() {
  auto r = parseBindings(R"(
defaults: {sparkplug: {group: G, node: N}}
tags:
  - {id: speed, label: {en: S, fr: S}, unit: "deg/s", source: {sparkplug: {device: Robot, metric: "Axis1/Speed"}}}
  - {id: air, label: {en: A, fr: A}, unit: bar, scale: 0.01, source: {sparkplug: {device: Cell, metric: "Air/Pressure"}}}
  - {id: count, label: {en: C, fr: C}, source: {sparkplug: {metric: "Count"}}}
  - {id: flag, type: bool, label: {en: F, fr: F}, source: {sparkplug: {device: Cell, metric: "Flag"}}}
  - {id: json.temp, label: {en: T, fr: T}, source: {topic: plant/t}}
)", "sp.yaml");
  EXPECT_TRUE(r.ok()) << r.error().describe();
  return *r;
}

sp::Metric metric(std::string name, std::optional<std::uint64_t> alias, sp::DataType dt, Value v) {
  sp::Metric m;
  m.name = std::move(name);
  m.alias = alias;
  m.datatype = dt;
  m.value = std::move(v);
  return m;
}

std::string nbirth(std::uint64_t bd_seq, std::uint64_t count) {
  sp::Payload p;
  p.timestamp_ms = 1000;
  p.seq = 0;
  p.metrics = {metric("bdSeq", std::nullopt, sp::DataType::Int64, static_cast<double>(bd_seq)),
               metric("Count", 1, sp::DataType::Int64, static_cast<double>(count))};
  return sp::encode(p);
}

std::string dbirthRobot(std::uint64_t seq, double speed) {
  sp::Payload p;
  p.seq = seq;
  p.metrics = {metric("Axis1/Speed", 10, sp::DataType::Float, speed),
               metric("Unbound/Thing", 11, sp::DataType::Int32, -3.0)};
  return sp::encode(p);
}

std::string ddataAlias(std::uint64_t seq, std::uint64_t alias, double v, std::uint64_t ts_ms = 0) {
  sp::Payload p;
  p.seq = seq;
  sp::Metric m;
  m.alias = alias;
  m.value = v;
  m.datatype = sp::DataType::Float;
  m.timestamp_ms = ts_ms;
  p.metrics = {m};
  return sp::encode(p);
}
}  // namespace

TEST(SparkplugTopic, ParseAndMake) {
  auto t = sp::parseTopic("spBv1.0/Plant1/DDATA/Cell3/Robot");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->type, sp::MessageType::DDATA);
  EXPECT_EQ(t->group, "Plant1");
  EXPECT_EQ(t->node, "Cell3");
  EXPECT_EQ(t->device, "Robot");
  EXPECT_EQ(sp::makeTopic(sp::MessageType::NBIRTH, "Plant1", "Cell3"), "spBv1.0/Plant1/NBIRTH/Cell3");
  EXPECT_TRUE(sp::parseTopic("spBv1.0/STATE/host1").ok());
  EXPECT_FALSE(sp::parseTopic("spBv1.0/Plant1/DDATA/Cell3").ok());        // device message without device
  EXPECT_FALSE(sp::parseTopic("spBv1.0/Plant1/NDATA/Cell3/Robot").ok());  // node message with device
  EXPECT_FALSE(sp::parseTopic("spBv1.0/Plant1/XDATA/Cell3").ok());
  EXPECT_FALSE(sp::parseTopic("spAv1.0/Plant1/NDATA/Cell3").ok());
  EXPECT_FALSE(sp::parseTopic("spBv1.0/Plant1//Cell3").ok());
}

TEST(SparkplugCodec, RoundTripEveryScalarType) {
  sp::Payload p;
  p.timestamp_ms = 1234;
  p.seq = 7;
  p.metrics = {metric("i8", 1, sp::DataType::Int8, -5.0),        metric("i32", 2, sp::DataType::Int32, -70000.0),
               metric("i64", 3, sp::DataType::Int64, -5e12),     metric("u32", 4, sp::DataType::UInt32, 4e9),
               metric("u64", 5, sp::DataType::UInt64, 1e15),     metric("f", 6, sp::DataType::Float, 1.5),
               metric("d", 7, sp::DataType::Double, 3.25),       metric("b", 8, sp::DataType::Boolean, true),
               metric("s", 9, sp::DataType::String, std::string("AUTO"))};
  p.metrics[5].quality = Quality::Uncertain;
  sp::Metric null_metric = metric("n", 10, sp::DataType::Double, 0.0);
  null_metric.is_null = true;
  p.metrics.push_back(null_metric);
  auto d = sp::decode(sp::encode(p));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->timestamp_ms, 1234u);
  EXPECT_EQ(d->seq, 7u);
  ASSERT_EQ(d->metrics.size(), p.metrics.size());
  for (std::size_t i = 0; i + 1 < p.metrics.size(); ++i) {
    EXPECT_EQ(d->metrics[i].name, p.metrics[i].name);
    EXPECT_EQ(d->metrics[i].alias, p.metrics[i].alias);
    EXPECT_EQ(d->metrics[i].value, p.metrics[i].value) << p.metrics[i].name;
  }
  EXPECT_EQ(d->metrics[5].quality, Quality::Uncertain);
  EXPECT_TRUE(d->metrics.back().is_null);
  EXPECT_FALSE(sp::decode("\xff\xff\xff garbage").ok());
}

TEST(SparkplugCodec, OutOfRangeValuesSaturateInsteadOfOverflowing) {
  // Found by the fuzzer: a huge double written to an Int32 metric was an undefined float-to-int conversion.
  sp::Payload p;
  p.seq = 1;
  p.metrics = {metric("i32", 1, sp::DataType::Int32, 3.9e27), metric("u32", 2, sp::DataType::UInt32, -5.0),
               metric("i64", 3, sp::DataType::Int64, -1e300),
               metric("u64", 4, sp::DataType::UInt64, std::numeric_limits<double>::quiet_NaN())};
  auto d = sp::decode(sp::encode(p));
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->metrics.size(), 4u);
  EXPECT_EQ(d->metrics[0].value, Value{static_cast<double>(std::numeric_limits<std::int32_t>::max())});
  EXPECT_EQ(d->metrics[1].value, Value{0.0});
  EXPECT_EQ(d->metrics[2].value, Value{static_cast<double>(std::numeric_limits<std::int64_t>::min())});
  EXPECT_EQ(d->metrics[3].value, Value{0.0});
}

TEST(SparkplugHost, BirthAliasesDataAndConversion) {
  const auto b = bindings();
  TagStore store(b);
  sp::HostDecoder host(b);
  const auto subs = host.subscriptions();
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0], "spBv1.0/G/+/N");

  EXPECT_FALSE(host.handle("spBv1.0/G/NBIRTH/N", nbirth(3, 42), kT0, store));
  EXPECT_EQ(std::get<double>(store.get("count")->value), 42.0);
  EXPECT_FALSE(host.handle("spBv1.0/G/DBIRTH/N/Robot", dbirthRobot(1, 12.5), kT0, store));
  EXPECT_EQ(std::get<double>(store.get("speed")->value), 12.5);
  EXPECT_FALSE(host.handle("spBv1.0/G/DDATA/N/Robot", ddataAlias(2, 10, 99.5, 1'700'000'000'123), kT0 + kMs, store));
  auto v = store.get("speed");
  EXPECT_EQ(std::get<double>(v->value), 99.5);
  EXPECT_EQ(v->source_time_ns, 1'700'000'000'123 * kMs);
  EXPECT_EQ(v->receive_time_ns, kT0 + kMs);
  EXPECT_EQ(host.stats().metrics_applied, 3u);
  EXPECT_EQ(host.stats().metrics_unbound, 1u);  // Unbound/Thing
  EXPECT_EQ(host.stats().seq_gaps, 0u);

  // names instead of aliases also work; scale applies (kPa -> bar); quality property is honoured
  sp::Payload cell;
  cell.seq = 3;
  cell.metrics = {metric("Air/Pressure", std::nullopt, sp::DataType::Double, 615.0),
                  metric("Flag", std::nullopt, sp::DataType::Boolean, true)};
  cell.metrics[1].quality = Quality::Bad;
  EXPECT_FALSE(host.handle("spBv1.0/G/DDATA/N/Cell", sp::encode(cell), kT0, store));
  EXPECT_DOUBLE_EQ(std::get<double>(store.get("air")->value), 6.15);
  EXPECT_EQ(store.get("flag")->quality, Quality::Bad);
  // unrelated nodes are ignored
  EXPECT_FALSE(host.handle("spBv1.0/G/NBIRTH/Other", nbirth(1, 1), kT0, store));
  EXPECT_EQ(host.stats().births, 2u);
}

TEST(SparkplugHost, SequenceGapAndLateJoinRequestRebirth) {
  const auto b = bindings();
  TagStore store(b);
  sp::HostDecoder host(b);
  host.setRebirthHoldoffMs(1000);
  // data before any birth: aliases unknown -> rebirth, value not applied
  auto r = host.handle("spBv1.0/G/DDATA/N/Robot", ddataAlias(5, 10, 1.0), kT0, store);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->group, "G");
  EXPECT_EQ(r->node, "N");
  EXPECT_FALSE(store.get("speed"));
  // held off: a second one within 1 s is not requested again
  EXPECT_FALSE(host.handle("spBv1.0/G/DDATA/N/Robot", ddataAlias(6, 10, 1.0), kT0 + 10 * kMs, store));

  EXPECT_FALSE(host.handle("spBv1.0/G/NBIRTH/N", nbirth(0, 1), kT0 + 20 * kMs, store));
  EXPECT_FALSE(host.handle("spBv1.0/G/DBIRTH/N/Robot", dbirthRobot(1, 0.0), kT0 + 20 * kMs, store));
  EXPECT_FALSE(host.handle("spBv1.0/G/DDATA/N/Robot", ddataAlias(2, 10, 5.0), kT0 + 30 * kMs, store));
  // seq 3 and 4 lost
  r = host.handle("spBv1.0/G/DDATA/N/Robot", ddataAlias(5, 10, 6.0), kT0 + 2000 * kMs, store);
  ASSERT_TRUE(r);
  EXPECT_EQ(host.stats().seq_gaps, 1u);
  EXPECT_EQ(std::get<double>(store.get("speed")->value), 6.0);  // the value itself is still a real measurement
  // wrap-around 255 -> 0 is not a gap
  EXPECT_FALSE(host.handle("spBv1.0/G/NBIRTH/N", [] {
    sp::Payload p;
    p.seq = 254;
    return sp::encode(p);
  }(), kT0 + 2100 * kMs, store));
  EXPECT_FALSE(host.handle("spBv1.0/G/NDATA/N", ddataAlias(255, 1, 1.0), kT0 + 2100 * kMs, store));
  EXPECT_FALSE(host.handle("spBv1.0/G/NDATA/N", ddataAlias(0, 1, 2.0), kT0 + 2100 * kMs, store));
  EXPECT_EQ(host.stats().seq_gaps, 1u);
  EXPECT_EQ(host.stats().rebirths_requested, 2u);
}

TEST(SparkplugHost, DeathsMarkTagsBadAndStaleWillsAreIgnored) {
  const auto b = bindings();
  TagStore store(b);
  sp::HostDecoder host(b);
  ASSERT_FALSE(host.handle("spBv1.0/G/NBIRTH/N", nbirth(7, 1), kT0, store));
  ASSERT_FALSE(host.handle("spBv1.0/G/DBIRTH/N/Robot", dbirthRobot(1, 3.0), kT0, store));
  // a will from an older session (bdSeq 6) must not kill the live session (bdSeq 7)
  sp::Payload old_death;
  old_death.metrics = {metric("bdSeq", std::nullopt, sp::DataType::Int64, 6.0)};
  EXPECT_FALSE(host.handle("spBv1.0/G/NDEATH/N", sp::encode(old_death), kT0, store));
  EXPECT_EQ(store.freshness("speed", kT0), Freshness::Fresh);
  // DDEATH: only that device
  sp::Payload ddeath;
  ddeath.seq = 2;
  EXPECT_FALSE(host.handle("spBv1.0/G/DDEATH/N/Robot", sp::encode(ddeath), kT0, store));
  EXPECT_EQ(store.freshness("speed", kT0), Freshness::BadQuality);
  EXPECT_EQ(store.freshness("count", kT0), Freshness::Fresh);
  // NDEATH with matching bdSeq: the whole node
  sp::Payload death;
  death.metrics = {metric("bdSeq", std::nullopt, sp::DataType::Int64, 7.0)};
  EXPECT_FALSE(host.handle("spBv1.0/G/NDEATH/N", sp::encode(death), kT0, store));
  EXPECT_EQ(store.freshness("count", kT0), Freshness::BadQuality);
  EXPECT_FALSE(store.usableForGate("count", kT0));
  EXPECT_EQ(host.stats().deaths, 2u);
}

TEST(SparkplugHost, MalformedMessagesAreCountedAndDropped) {
  const auto b = bindings();
  TagStore store(b);
  sp::HostDecoder host(b);
  EXPECT_FALSE(host.handle("spBv1.0/G/NBIRTH/N", std::string("\x0a\xff\xff\xff\xff\xff", 6), kT0, store));
  EXPECT_FALSE(host.handle("spBv1.0/G/NBIRTH", "x", kT0, store));
  sp::Payload no_seq;
  EXPECT_FALSE(host.handle("spBv1.0/G/NBIRTH/N", sp::encode(no_seq), kT0, store));
  EXPECT_EQ(host.stats().malformed, 3u);
  EXPECT_EQ(store.version(), 0u);
}

TEST(JsonPayload, DecodesValueTimeQualityAndRejectsGarbage) {
  auto r = decodeJsonPayload(R"({"v": 2.5, "t": 1700000000123, "q": "uncertain"})");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(std::get<double>(r->value), 2.5);
  EXPECT_EQ(r->source_time_ns, 1'700'000'000'123 * kMs);
  EXPECT_EQ(r->quality, Quality::Uncertain);
  EXPECT_EQ(std::get<bool>(decodeJsonPayload(R"({"v": true})")->value), true);
  EXPECT_EQ(decodeJsonPayload(R"({"v": 1, "q": 2150891520})")->quality, Quality::Bad);  // 0x80340000 BadNodeIdUnknown
  EXPECT_EQ(decodeJsonPayload(R"({"v": 1, "q": 0})")->quality, Quality::Good);
  EXPECT_EQ(std::get<double>(decodeJsonPayload("42")->value), 42.0);  // bare scalar
  EXPECT_TRUE(decodeJsonPayload(R"({"v": null})")->is_null);
  for (const char* bad : {"", "{", "[1,2]", R"({"x": 1})", R"({"v": [1]})", R"({"v": 1, "t": "noon"})",
                          R"({"v": 1, "q": "great"})", R"({"v": 1, "t": -5})"})
    EXPECT_FALSE(decodeJsonPayload(bad).ok()) << bad;
  const std::string round = encodeJsonPayload(Value{3.5}, 1000, Quality::Good);
  EXPECT_EQ(std::get<double>(decodeJsonPayload(round)->value), 3.5);
}

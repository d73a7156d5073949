// End to end against a real mosquitto on loopback: Sparkplug values, rebirth, death, broker loss, JSON, TLS, auth.
#include <gtest/gtest.h>

#include <map>

#include "broker_fixture.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/tags/mqtt.hpp"
#include "rivet/tags/plant.hpp"

using namespace rivet::tags;
using rivet::tags::livetest::Broker;
using rivet::tags::livetest::eventually;

namespace {
namespace sp = rivet::tags::sparkplug;

std::vector<EdgeMetricDef> plantDefs() {
  std::vector<EdgeMetricDef> defs;
  for (const auto& m : PlantModel::metrics())
    defs.push_back({m.device, m.name, static_cast<sp::DataType>(static_cast<std::uint32_t>(m.type))});
  return defs;
}

TagBindings samplePack() {
  auto r = loadBindings(std::string(RIVET_SOURCE_DIR) + "/content/samples/robot-cell");
  EXPECT_TRUE(r.ok()) << r.error().describe();
  return *r;
}

// The pack with every max age shortened, so staleness is observable in a short test.
TagBindings shortAges(TagBindings b, std::int64_t ms) {
  for (auto& t : b.tags) t.max_age_ms = ms;
  return b;
}

class Live : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = livetest::makeTempDir("rivet-tags-live"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Steps the plant and publishes everything it reports, like rivet-tagsim; remembers the last raw values.
  void publishPlant(SparkplugEdgeNode& edge, int rounds, int period_ms = 20) {
    for (int i = 0; i < rounds; ++i) {
      const std::int64_t now = rivet::core::wallClockNs();
      std::vector<std::pair<std::size_t, Value>> samples;
      for (const auto& s : plant_.step(now)) {
        samples.emplace_back(s.index, s.value);
        last_raw_[s.index] = s.value;
      }
      edge.publish(samples, now / 1'000'000);
      std::this_thread::sleep_for(std::chrono::milliseconds(period_ms));
    }
  }

  std::unique_ptr<SparkplugEdgeNode> edge(const std::string& url, MqttOptions base = {}) {
    EdgeNodeOptions o;
    o.mqtt = std::move(base);
    o.mqtt.broker_url = url;
    o.mqtt.reconnect_min_ms = 50;
    o.mqtt.reconnect_max_ms = 400;
    auto e = SparkplugEdgeNode::start(o, plantDefs());
    EXPECT_TRUE(e.ok()) << e.error().describe();
    return std::move(*e);
  }

  std::unique_ptr<MqttSource> source(const std::string& url, const TagBindings& b, TagStore& store,
                                     MqttOptions o = {}) {
    o.broker_url = url;
    o.reconnect_min_ms = 50;
    o.reconnect_max_ms = 400;
    auto s = MqttSource::start(o, b, store);
    EXPECT_TRUE(s.ok()) << s.error().describe();
    return std::move(*s);
  }

  std::filesystem::path dir_;
  PlantModel plant_{3};
  std::map<std::size_t, Value> last_raw_;
};

double num(const TagStore& s, const char* id) { return std::get<double>(s.get(id)->value); }
}  // namespace

TEST_F(Live, SparkplugValuesArriveConvertedAndFresh) {
  Broker broker(dir_);
  const auto b = samplePack();
  TagStore store(b);
  auto src = source(broker.url(), b, store);
  ASSERT_TRUE(src->waitConnected(5000));
  auto e = edge(broker.url());
  ASSERT_TRUE(e->waitConnected(5000));
  publishPlant(*e, 25);
  ASSERT_TRUE(eventually([&] {
    for (const auto& t : b.tags)
      if (!store.usableForGate(t.id, rivet::core::wallClockNs())) return false;
    return true;
  })) << "not every tag became fresh and good";
  publishPlant(*e, 1);
  ASSERT_TRUE(eventually([&] { return num(store, "robot.cycle_count") == std::get<double>(last_raw_[6]) &&
                                      num(store, "robot.motor_current") == std::get<double>(last_raw_[2]); }));
  EXPECT_DOUBLE_EQ(num(store, "cell.air_pressure"), std::get<double>(last_raw_[9]) * 0.01);  // kPa -> bar
  EXPECT_EQ(std::get<bool>(store.get("cell.main_contactor")->value), true);
  EXPECT_EQ(std::get<std::string>(store.get("robot.mode")->value), "AUTO");
  const auto st = src->stats();
  EXPECT_EQ(st.sparkplug.births, 3u) << "gaps " << st.sparkplug.seq_gaps << " rebirths " << st.sparkplug.rebirths_requested << " unknown aliases " << st.sparkplug.unknown_aliases;  // NBIRTH + 2 DBIRTH
  EXPECT_EQ(st.sparkplug.seq_gaps, 0u);
  EXPECT_EQ(st.sparkplug.malformed, 0u);
  EXPECT_GT(st.sparkplug.metrics_applied, 200u);
}

TEST_F(Live, LateJoinAndSequenceGapGetARebirth) {
  Broker broker(dir_);
  const auto b = samplePack();
  TagStore store(b);
  auto e = edge(broker.url());
  ASSERT_TRUE(e->waitConnected(5000));
  publishPlant(*e, 5);  // births went out before anyone listened
  auto src = source(broker.url(), b, store);
  ASSERT_TRUE(src->waitConnected(5000));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  publishPlant(*e, 10);
  ASSERT_TRUE(eventually([&] { return e->stats().rebirth_commands >= 1; })) << "host never asked for a rebirth";
  publishPlant(*e, 5);
  ASSERT_TRUE(eventually([&] { return store.usableForGate("robot.axis_speed", rivet::core::wallClockNs()); }));

  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // past the rebirth hold-off
  e->skipSequence(4);  // as if 4 messages were lost
  publishPlant(*e, 5);
  ASSERT_TRUE(eventually([&] { return e->stats().rebirth_commands >= 2; }));
  EXPECT_GE(src->stats().sparkplug.seq_gaps, 1u);
  EXPECT_GE(src->stats().sparkplug.rebirths_requested, 2u);
  publishPlant(*e, 3);
  EXPECT_TRUE(eventually([&] { return store.usableForGate("robot.axis_speed", rivet::core::wallClockNs()); }));
}

TEST_F(Live, PublisherDeathMarksTagsBadUntilRebirth) {
  Broker broker(dir_);
  const auto b = samplePack();
  TagStore store(b);
  auto src = source(broker.url(), b, store);
  ASSERT_TRUE(src->waitConnected(5000));
  auto e = edge(broker.url());
  ASSERT_TRUE(e->waitConnected(5000));
  publishPlant(*e, 5);
  ASSERT_TRUE(eventually([&] { return store.usableForGate("cell.air_pressure", rivet::core::wallClockNs()); }));
  e->die();  // socket closed without DISCONNECT: the broker publishes the NDEATH will
  ASSERT_TRUE(eventually([&] {
    return store.freshness("cell.air_pressure", rivet::core::wallClockNs()) == Freshness::BadQuality;
  }, 3000)) << "NDEATH did not mark the node's tags bad";
  EXPECT_FALSE(store.usableForGate("robot.axis_speed", rivet::core::wallClockNs()));
  EXPECT_EQ(src->stats().sparkplug.deaths, 1u);
  e->revive();
  ASSERT_TRUE(e->waitConnected(5000));
  publishPlant(*e, 3);
  EXPECT_TRUE(eventually([&] { return store.usableForGate("cell.air_pressure", rivet::core::wallClockNs()); }));
  EXPECT_GE(e->stats().bd_seq, 1u);  // new session, new bdSeq
}

TEST_F(Live, BrokerDownTagsGoStaleThenReconnectWithoutRestart) {
  auto broker = std::make_unique<Broker>(dir_);
  const int port = broker->port();
  const auto b = shortAges(samplePack(), 400);
  TagStore store(b);
  auto src = source(broker->url(), b, store);
  ASSERT_TRUE(src->waitConnected(5000));
  auto e = edge(broker->url());
  ASSERT_TRUE(e->waitConnected(5000));
  publishPlant(*e, 5);
  ASSERT_TRUE(eventually([&] { return store.usableForGate("robot.axis_speed", rivet::core::wallClockNs()); }));

  broker.reset();  // broker gone
  ASSERT_TRUE(eventually([&] { return !src->connected(); }, 3000));
  publishPlant(*e, 25);  // 500 ms of a publisher talking into the void
  for (const auto& t : b.tags)
    EXPECT_EQ(store.freshness(t.id, rivet::core::wallClockNs()), Freshness::Stale) << t.id;  // gates fail closed
  EXPECT_FALSE(src->stats().last_error.empty());

  broker = std::make_unique<Broker>(dir_, "", port);  // back on the same port
  ASSERT_TRUE(src->waitConnected(5000)) << "source did not reconnect";
  ASSERT_TRUE(e->waitConnected(5000));
  EXPECT_TRUE(eventually([&] {
    publishPlant(*e, 1);
    return store.usableForGate("robot.axis_speed", rivet::core::wallClockNs());
  }));
  EXPECT_EQ(src->stats().connects, 2u);
  EXPECT_GE(src->stats().connection_losses, 1u);
}

TEST_F(Live, JsonTopicsAndMalformedPayloadsNeverCrash) {
  Broker broker(dir_);
  auto parsed = parseBindings(R"(
defaults: {sparkplug: {group: Plant1, node: Cell3}}
tags:
  - {id: line.flow, label: {en: Flow, fr: Débit}, unit: "l/min", source: {topic: plant1/line2/flow}}
  - {id: robot.axis_speed, label: {en: S, fr: V}, unit: "deg/s", source: {sparkplug: {device: Robot, metric: "Axis1/Speed"}}}
)", "json.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  TagStore store(*parsed);
  auto src = source(broker.url(), *parsed, store);
  ASSERT_TRUE(src->waitConnected(5000));
  MqttOptions po;
  po.broker_url = broker.url();
  auto pub = MqttPublisher::start(po);
  ASSERT_TRUE(pub.ok());
  ASSERT_TRUE((*pub)->waitConnected(5000));
  auto send = [&](const char* topic, std::string_view payload) { ASSERT_TRUE((*pub)->publish(topic, payload, 1)); };
  send("plant1/line2/flow", R"({"v": 12.5, "q": "good"})");
  ASSERT_TRUE(eventually([&] { return store.get("line.flow").has_value(); }));
  EXPECT_EQ(num(store, "line.flow"), 12.5);
  send("plant1/line2/flow", "not json {");
  send("spBv1.0/Plant1/NBIRTH/Cell3", "garbage-bytes");
  send("spBv1.0/Plant1/DDATA/Cell3", "x");  // bad topic shape: DDATA without a device
  ASSERT_TRUE(eventually([&] {
    const auto s = src->stats();
    return s.json_malformed == 1 && s.sparkplug.malformed == 2;
  })) << "malformed payloads not counted";
  EXPECT_TRUE(src->connected());
  send("plant1/line2/flow", R"({"v": 13})");
  EXPECT_TRUE(eventually([&] { return num(store, "line.flow") == 13.0; }));
}

TEST_F(Live, TlsVerifiesTheServerAndAcceptsClientCertificates) {
  livetest::TestPki pki(dir_);
  const std::string tls = "cafile " + pki.ca.string() + "\ncertfile " + pki.server_cert.string() + "\nkeyfile " +
                          pki.server_key.string() + "\n";
  Broker broker(dir_, tls);
  const auto b = samplePack();

  MqttOptions good;
  good.ca_file = pki.ca.string();
  TagStore store(b);
  auto src = source(broker.tlsUrl(), b, store, good);
  ASSERT_TRUE(src->waitConnected(5000)) << src->stats().last_error;
  auto e = edge(broker.tlsUrl(), good);
  ASSERT_TRUE(e->waitConnected(5000)) << e->stats().last_error;
  publishPlant(*e, 5);
  EXPECT_TRUE(eventually([&] { return store.usableForGate("robot.motor_current", rivet::core::wallClockNs()); }));

  // a broker whose certificate our CA did not sign is refused (verification is on by default)
  MqttOptions wrong;
  wrong.ca_file = pki.other_ca.string();
  TagStore store2(b);
  auto refused = source(broker.tlsUrl(), b, store2, wrong);
  EXPECT_FALSE(refused->waitConnected(1500));
  EXPECT_FALSE(refused->stats().last_error.empty());
  // a CA file that does not exist is a clear error at start
  MqttOptions missing;
  missing.broker_url = broker.tlsUrl();
  missing.ca_file = (dir_ / "nope.pem").string();
  auto bad = MqttSource::start(missing, b, store2);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().where.find("nope.pem"), std::string::npos);
}

TEST_F(Live, ClientCertificateAndPasswordAuthentication) {
  livetest::TestPki pki(dir_);
  const std::string pw = (dir_ / "passwd").string();
  ASSERT_EQ(std::system(("mosquitto_passwd -b -c " + pw + " technician 's3cret!' 2>/dev/null").c_str()), 0);
  const std::string tls = "cafile " + pki.ca.string() + "\ncertfile " + pki.server_cert.string() + "\nkeyfile " +
                          pki.server_key.string() + "\nrequire_certificate true\nallow_anonymous false\n" +
                          "password_file " + pw + "\n";
  Broker broker(dir_, tls);
  const auto b = samplePack();
  TagStore store(b);

  MqttOptions with_cert;
  with_cert.ca_file = pki.ca.string();
  with_cert.cert_file = pki.client_cert.string();
  with_cert.key_file = pki.client_key.string();
  with_cert.username = "technician";
  with_cert.password = "s3cret!";
  auto ok = source(broker.tlsUrl(), b, store, with_cert);
  EXPECT_TRUE(ok->waitConnected(5000)) << ok->stats().last_error;

  MqttOptions no_cert = with_cert;
  no_cert.cert_file.clear();
  no_cert.key_file.clear();
  auto refused = source(broker.tlsUrl(), b, store, no_cert);
  EXPECT_FALSE(refused->waitConnected(1500));

  MqttOptions bad_password = with_cert;
  bad_password.password = "guess";
  auto denied = source(broker.tlsUrl(), b, store, bad_password);
  EXPECT_FALSE(denied->waitConnected(1500));
  EXPECT_NE(denied->stats().last_error.find("refused"), std::string::npos) << denied->stats().last_error;
}

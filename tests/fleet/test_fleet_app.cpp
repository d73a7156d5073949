// The app end to end with a fleet server: `rivet --headless --sync URL` journals a scripted session that reaches the
// test's own PostgreSQL, and a pack that does not match the device's pin (version, key, unchecked) is refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../common/run_command.hpp"
#include "pg_fixture.hpp"
#include "rivet/content/pack_signature.hpp"
#include "rivet/fleet/pins.hpp"
#include "rivet/fleet/server.hpp"
#include "rivet/records/store.hpp"

namespace rivet::fleet {
namespace {

namespace fs = std::filesystem;
using pgtest::PgClient;
using pgtest::PgServer;
using test::runCommand;

constexpr std::int64_t kT0 = 1'780'000'000LL * 1'000'000'000LL;

// Login with the PIN, the work order, the first steps of the sample procedure.
const char* kScript = R"({"wait":{"screen":"login"}}
{"click":"user:jdupont"}
{"type":"24681357"}
{"click":"key:ok"}
{"wait":{"screen":"orders"}}
{"click":"order:OT-1001"}
{"wait":{"step":"prepare"}}
{"click":"confirm"}
{"wait":{"step":"park"}}
{"click":"confirm"}
{"wait":{"step":"loto"}}
)";

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

TEST(FleetApp, RivetSyncsItsRecordsAndRefusesAPackThatDoesNotMatchItsPin) {
  const fs::path dir = pgtest::makeTempDir("rivet-fleet-app");
  PgServer server(dir / "pg");
  ServerOptions admin;
  admin.url = server.adminUrl();
  ASSERT_TRUE(initServer(admin).ok());
  server.addDeviceRole("site_lyon", "lyon-secret");

  // A signed copy of the sample pack, and the device's records with a technician.
  const fs::path pack = dir / "robot-cell";
  fs::copy(RIVET_SAMPLE_PACK, pack, fs::copy_options::recursive);
  fs::remove(pack / content::kManifestFile);
  fs::remove(pack / content::kSignatureFile);
  ASSERT_TRUE(content::generateSigningKey(dir / "site.pem", dir / "site.pub.pem").ok());
  ASSERT_TRUE(content::signPackDir(pack, dir / "site.pem").ok());
  const fs::path db = dir / "records.db";
  {
    records::StoreOptions o;
    o.kdf.n = 1u << 10;
    auto store = records::Store::open(db.string(), o);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store->addUser("jdupont", procedure::Role::Technician, "24681357", kT0).ok());
    ASSERT_TRUE(store->setDeviceLabels("headset-07", "lyon", kT0).ok());
    auto pin = pinFromPack(pack, dir / "site.pub.pem", kT0);
    ASSERT_TRUE(pin.ok()) << pin.error().describe();
    ASSERT_TRUE(store->pinPack(*pin).ok());
  }
  std::ofstream(dir / "orders.csv") << "number,asset,procedure,title,priority\n"
                                      "OT-1001,RC3-ROB-01,robot-cell3-gripper-fingers,Replace the gripper fingers,2\n";
  std::ofstream(dir / "script.jsonl") << kScript;
  const fs::path camera = dir / "camera";
  auto cam = runCommand(std::string(RIVET_SYNTHCAM) + " --pack " + q(pack) + " --out " + q(camera) +
                        " --frames 4 --width 1280 --height 720 --path orbit --min-dist 0.8 --max-dist 1.2 --seed 3");
  ASSERT_EQ(cam.code, 0) << cam.out;
  auto rivet = [&](const std::string& extra) {
    return runCommand(std::string(RIVET_APP) + " --headless --validation --pack " + q(pack) + " --camera " + q(camera) +
                      " --calib " + q(camera / "camera.yaml") + " --out " + q(dir / "out") +
                      " --fps 5 --loop --save-every 0 --db " + q(db) + " --work-orders " + q(dir / "orders.csv") +
                      " --input " + q(dir / "script.jsonl") + " --lang en " + extra);
  };

  // The pinned version, verified with the pinned key, syncing to the fleet server.
  auto run = rivet("--key " + q(dir / "site.pub.pem") + " --sync '" + server.url("site_lyon") + "'");
  ASSERT_EQ(run.code, 0) << run.out;
  EXPECT_NE(run.out.find("matches its pin"), std::string::npos) << run.out;
  std::ifstream in(dir / "out" / "summary.json");
  const auto summary = nlohmann::json::parse(in);
  ASSERT_TRUE(summary["sync"].is_object()) << summary.dump();
  EXPECT_TRUE(summary["sync"]["synced"].get<bool>()) << summary.dump();
  auto store = records::Store::open(db.string());
  ASSERT_TRUE(store.ok());
  const std::int64_t head = store->journalHead()->seq;
  EXPECT_EQ(summary["sync"]["server_rows"].get<std::int64_t>(), head);
  PgClient pg(server.adminUrl());
  const std::string id = store->device().id;
  EXPECT_EQ(pg.one("SELECT count(*) FROM rivet_fleet.journal WHERE device_id = $1", {id}), std::to_string(head));
  EXPECT_EQ(pg.one("SELECT work_order || ' ' || procedure_id FROM rivet_fleet.sessions WHERE device_id = $1", {id}),
            "OT-1001 robot-cell3-gripper-fingers");
  EXPECT_NE(pg.one("SELECT count(*) FROM rivet_fleet.journal WHERE device_id = $1 AND kind = 'login_ok'", {id}), "0");
  EXPECT_EQ(pg.one("SELECT pack_id || '@' || version FROM rivet_fleet.device_pins WHERE device_id = $1", {id}),
            "robot-cell@1.0.0");

  // Pinned to another version of the same publisher: refused before any session, naming both.
  const auto fp = content::publicKeyFingerprint(dir / "site.pub.pem");
  ASSERT_TRUE(store->pinPack(records::PackPin{"robot-cell", "1.1.0", *fp, kT0 + 1}).ok());
  run = rivet("--key " + q(dir / "site.pub.pem"));
  EXPECT_EQ(run.code, 1) << run.out;
  EXPECT_NE(run.out.find("pinned on this device"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("to version 1.1.0"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("this pack is version 1.0.0"), std::string::npos) << run.out;
  // Without --key a pinned pack is refused too (its signature was not checked).
  run = rivet("");
  EXPECT_EQ(run.code, 1) << run.out;
  EXPECT_NE(run.out.find("without checking its signature"), std::string::npos) << run.out;
  EXPECT_EQ(store->journalHead()->seq, head + 1);  // only the re-pin: the refused runs journaled nothing
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rivet::fleet

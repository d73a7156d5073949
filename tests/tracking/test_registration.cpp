// Tests the registration verdict: limits, and broken maps (rotated, wrong size, swapped/wrong id, moved) rendered by synthcam.
#include <gtest/gtest.h>

#include <cstdio>

#include "rivet/tracking/registration.hpp"
#include "rivet/tracking/synthcam.hpp"
#include "rivet/tracking/tracker.hpp"
#include "test_util.hpp"

namespace {

using namespace rivet::tracking;
using rivet::core::MarkerMap;
using rivet::core::Pose;

// A view of all four markers of planarMap() from 0.8 m, slightly from the side.
Pose viewPose() { return rivet::test::poseFrom({-2.1, 0.15, 0.1}, {0.0, 0.02, 0.8}); }

rivet::core::MapMarker& marker(MarkerMap& map, int id) {
  for (auto& m : map.markers) {
    if (m.id == id) return m;
  }
  throw std::runtime_error("no marker");
}

void rotateAboutNormal(MarkerMap& map, int id, double deg) {
  auto& m = marker(map, id);
  Pose turn;
  turn.R = rivet::core::Mat3d::fromAxisAngle({0, 0, 1}, deg * M_PI / 180);
  m.T_machine_marker = m.T_machine_marker * turn;
}

// Renders `physical` (the markers as glued on the machine) and tracks with `nominal` (markers.yaml).
TrackResult trackBroken(const MarkerMap& physical, const MarkerMap& nominal, const char* name) {
  const auto cam = cameraFromFov(1280, 720, 60);
  SynthOptions so;
  so.noise_sigma = 1;
  so.seed = 3;
  auto frame = renderSynthFrame(physical, nullptr, cam, viewPose(), so, 0);
  EXPECT_TRUE(frame.ok());
  TrackerOptions to;
  to.enable_filter = false;
  auto tracker = Tracker::create(nominal, cam, to);
  EXPECT_TRUE(tracker.ok());
  auto r = tracker->process(frame->image, 0);
  std::printf("[%s] state=%s rms=%.2f px error=%.1f mm outliers=%zu reason: %s\n", name,
              toString(r.registration.state), r.registration.reprojection_rms_px,
              r.registration.registration_error_mm, r.registration.outlier_ids.size(), r.registration.reason.c_str());
  return r;
}

const MarkerFinding* findingFor(const RegistrationVerdict& v, int id) {
  for (const auto& f : v.findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

TEST(Registration, ClassifyByLimits) {
  RegistrationLimits l;
  EXPECT_EQ(classifyRegistration(0.4, 2, false, l), RegistrationState::Tracked);
  EXPECT_EQ(classifyRegistration(l.good_rms_px, l.good_error_mm, false, l), RegistrationState::Tracked);
  EXPECT_EQ(classifyRegistration(0.4, 2, true, l), RegistrationState::Degraded);  // an outlier caps it
  EXPECT_EQ(classifyRegistration(0.4, 15, false, l), RegistrationState::Degraded);
  EXPECT_EQ(classifyRegistration(3.0, 2, false, l), RegistrationState::Degraded);
  EXPECT_EQ(classifyRegistration(0.4, 31, false, l), RegistrationState::NotTracked);
  EXPECT_EQ(classifyRegistration(171, 796, false, l), RegistrationState::NotTracked);  // the issue's figures
  EXPECT_EQ(classifyRegistration(std::nan(""), 1, false, l), RegistrationState::NotTracked);
  l.good_error_mm = 20;
  EXPECT_EQ(classifyRegistration(0.4, 15, false, l), RegistrationState::Tracked);
  EXPECT_STREQ(toString(RegistrationState::Degraded), "degraded");
}

TEST(Registration, GoodMapIsTrackedWithNoFindings) {
  const auto map = rivet::test::planarMap();
  const auto r = trackBroken(map, map, "good");
  EXPECT_TRUE(r.tracked);
  EXPECT_EQ(r.registration.state, RegistrationState::Tracked);
  EXPECT_TRUE(r.registration.findings.empty());
  EXPECT_TRUE(r.registration.outlier_ids.empty());
  EXPECT_LT(r.registration.registration_error_mm, RegistrationLimits{}.good_error_mm);
}

TEST(Registration, NoPoseIsNotTracked) {
  const auto map = rivet::test::planarMap();
  const auto v = judgeRegistration({}, map, rivet::test::testCamera(), std::nullopt);
  EXPECT_EQ(v.state, RegistrationState::NotTracked);
  EXPECT_FALSE(v.reason.empty());
}

class RotatedMarker : public ::testing::TestWithParam<int> {};

TEST_P(RotatedMarker, DiagnosedAndNeverTracked) {
  const int deg = GetParam();
  const auto nominal = rivet::test::planarMap();
  auto physical = nominal;
  rotateAboutNormal(physical, 11, deg);
  const auto r = trackBroken(physical, nominal, ("rotated " + std::to_string(deg)).c_str());
  EXPECT_FALSE(r.tracked);
  EXPECT_NE(r.registration.state, RegistrationState::Tracked);
  EXPECT_EQ(r.registration.outlier_ids, std::vector<int>{11});
  const auto* f = findingFor(r.registration, 11);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->issue, MarkerIssue::Rotated);
  EXPECT_EQ(f->rotation_deg, deg);
  if (deg == 180) {
    EXPECT_EQ(f->text, "marker 11 seems rotated 180° on the machine");
  }
  EXPECT_NE(r.registration.reason.find("marker 11 seems rotated"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Registration, RotatedMarker, ::testing::Values(90, 180, 270));

TEST(Registration, WrongSizeDiagnosed) {
  const auto nominal = rivet::test::planarMap();
  auto physical = nominal;
  marker(physical, 12).size_m = 0.05;  // printed at 50 mm, the map says 100 mm
  const auto r = trackBroken(physical, nominal, "wrong size");
  EXPECT_FALSE(r.tracked);
  EXPECT_NE(r.registration.state, RegistrationState::Tracked);
  const auto* f = findingFor(r.registration, 12);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->issue, MarkerIssue::WrongSize);
  EXPECT_NEAR(f->apparent_size_mm, 50, 2);
  EXPECT_EQ(f->text, "marker 12's size looks like 50 mm, not 100 mm");
}

TEST(Registration, SwappedIdsDiagnosed) {
  const auto nominal = rivet::test::planarMap();
  auto physical = nominal;
  std::swap(marker(physical, 10).T_machine_marker, marker(physical, 13).T_machine_marker);
  const auto r = trackBroken(physical, nominal, "swapped ids");
  EXPECT_FALSE(r.tracked);
  EXPECT_NE(r.registration.state, RegistrationState::Tracked);
  EXPECT_EQ(r.registration.outlier_ids, (std::vector<int>{10, 13}));
  const auto* f = findingFor(r.registration, 10);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->issue, MarkerIssue::SwappedId);
  EXPECT_EQ(f->other_id, 13);
  EXPECT_NE(f->text.find("where the map puts marker 13"), std::string::npos) << f->text;
}

TEST(Registration, WrongIdDiagnosed) {
  const auto nominal = rivet::test::planarMap();
  auto physical = nominal;
  marker(physical, 13).id = 37;  // id 37 printed where the map expects 13
  const auto r = trackBroken(physical, nominal, "wrong id");
  EXPECT_FALSE(r.tracked);
  EXPECT_EQ(r.registration.state, RegistrationState::Degraded);  // the three others still give a good pose
  EXPECT_EQ(r.registration.unknown_ids, std::vector<int>{37});
  const auto* f = findingFor(r.registration, 37);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->issue, MarkerIssue::WrongId);
  EXPECT_EQ(f->other_id, 13);
  EXPECT_NE(f->text.find("id 37 is not in the map"), std::string::npos) << f->text;
}

TEST(Registration, MovedMarkerDiagnosed) {
  const auto nominal = rivet::test::planarMap();
  auto physical = nominal;
  marker(physical, 12).T_machine_marker.t.x += 0.05;  // glued 5 cm off
  const auto r = trackBroken(physical, nominal, "moved 5 cm");
  EXPECT_FALSE(r.tracked);
  EXPECT_NE(r.registration.state, RegistrationState::Tracked);
  EXPECT_EQ(r.registration.outlier_ids, std::vector<int>{12});
  const auto* f = findingFor(r.registration, 12);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->issue, MarkerIssue::Moved);
  EXPECT_NEAR(f->offset_mm, 50, 8);
}

TEST(Registration, IssueMapRotatedWrongIdWrongSizeNeverTracked) {
  // The issue's four-marker map: one marker glued rotated, one with a wrong id, one of the wrong size.
  const auto nominal = rivet::test::planarMap();
  auto physical = nominal;
  rotateAboutNormal(physical, 11, 180);
  marker(physical, 12).size_m = 0.05;
  marker(physical, 13).id = 37;
  const auto r = trackBroken(physical, nominal, "issue map");
  EXPECT_FALSE(r.tracked);
  EXPECT_NE(r.registration.state, RegistrationState::Tracked);
  // Only marker 10 is right: its own pose explains the three others.
  EXPECT_EQ(r.registration.outlier_ids, (std::vector<int>{11, 12}));
  const auto* rotated = findingFor(r.registration, 11);
  const auto* small = findingFor(r.registration, 12);
  const auto* wrong_id = findingFor(r.registration, 37);
  ASSERT_TRUE(rotated && small && wrong_id) << r.registration.reason;
  EXPECT_EQ(rotated->text, "marker 11 seems rotated 180° on the machine");
  EXPECT_EQ(small->text, "marker 12's size looks like 50 mm, not 100 mm");
  EXPECT_EQ(wrong_id->other_id, 13);
}

TEST(Registration, PerPackLimitsApplyInTheTracker) {
  const auto map = rivet::test::planarMap();
  const auto cam = cameraFromFov(1280, 720, 60);
  auto frame = renderSynthFrame(map, nullptr, cam, viewPose(), SynthOptions{}, 0);
  ASSERT_TRUE(frame.ok());
  TrackerOptions to;
  to.enable_filter = false;
  to.registration.good_error_mm = 1e-4;  // unreachable: good pose becomes degraded
  auto tracker = Tracker::create(map, cam, to);
  ASSERT_TRUE(tracker.ok());
  const auto r = tracker->process(frame->image, 0);
  EXPECT_FALSE(r.tracked);
  EXPECT_EQ(r.registration.state, RegistrationState::Degraded);
  EXPECT_NE(r.registration.reason.find("mm"), std::string::npos);
}

}  // namespace

namespace {

TEST(Registration, MarkersYamlOverridesLimits) {
  auto map = rivet::test::planarMap();
  map.registration.good_error_mm = 5;
  map.registration.max_error_mm = 12;
  const auto l = registrationLimitsFor(map);
  EXPECT_EQ(l.good_error_mm, 5);
  EXPECT_EQ(l.max_error_mm, 12);
  EXPECT_EQ(l.good_rms_px, RegistrationLimits{}.good_rms_px);  // not given: default
  map.registration = {};
  map.registration.good_error_mm = 50;  // a good limit above the default max raises the max with it
  EXPECT_EQ(registrationLimitsFor(map).max_error_mm, 50);
}

}  // namespace

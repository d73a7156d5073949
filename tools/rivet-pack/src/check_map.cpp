// rivet-pack lint --check-map: tracks field photos or a recording with the pack's markers.yaml and reports the map's faults.
#include <algorithm>
#include <map>
#include <tuple>

#include "lint.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/tracking/camera_io.hpp"
#include "rivet/tracking/image_io.hpp"
#include "rivet/tracking/tracker.hpp"

namespace rivet::pack {
namespace fs = std::filesystem;

std::vector<Problem> checkMap(const fs::path& pack_dir, const fs::path& video, const fs::path& calib,
                              MapCheckSummary* summary) {
  std::vector<Problem> out;
  const fs::path markers_path = pack_dir / "markers.yaml";
  const std::string file = markers_path.string();
  auto text = content::readTextFile(markers_path);
  if (!text) return {{file, 0, "--check-map: " + text.error().describe()}};
  auto map = content::parseMarkerMap(*text, file);
  if (!map) return {{file, 0, "--check-map: markers.yaml does not load (see the problems above)"}};
  std::map<int, int> line_of;  // marker id -> line of its entry
  try {
    const YAML::Node root = YAML::Load(*text);
    for (const auto& mk : root["markers"])
      if (mk["id"]) line_of[mk["id"].as<int>()] = mk["id"].Mark().line + 1;
  } catch (const YAML::Exception&) {
  }
  auto cam_file = tracking::loadCamera(calib.string());
  if (!cam_file) return {{calib.string(), 0, "--check-map: " + cam_file.error().describe()}};
  auto reader = tracking::FrameReader::open(video.string());
  if (!reader) return {{video.string(), 0, "--check-map: " + reader.error().describe()}};

  tracking::TrackerOptions opt;
  opt.enable_filter = false;
  opt.enable_roi = false;  // photos are independent views; judge every frame from a full scan
  std::optional<tracking::Tracker> tracker;
  core::CameraModel camera;
  MapCheckSummary s;
  // (id, issue, turn, other id) -> frames, first frame's text and name
  std::map<std::tuple<int, int, int, int>, std::tuple<int, std::string, std::string>> findings;
  core::Image frame;
  std::string name;
  for (int index = 0;; ++index) {
    auto more = reader->next(frame, name);
    if (!more) {
      out.push_back({video.string(), 0, "--check-map: " + more.error().describe() + " (skipped)"});
      continue;
    }
    if (!*more) break;
    if (!tracker || frame.width != camera.width || frame.height != camera.height) {
      auto cam = tracking::adaptCameraToImage(*cam_file, frame.width, frame.height);
      if (!cam) return {{calib.string(), 0, "--check-map: " + cam.error().describe()}};
      camera = *cam;
      auto t = tracking::Tracker::create(*map, camera, opt);
      if (!t) return {{file, 0, "--check-map: " + t.error().describe()}};
      tracker.emplace(std::move(t.value()));
    }
    const auto r = tracker->process(frame, static_cast<std::int64_t>(index) * 33'333'333);
    ++s.frames;
    if (r.marker_ids.empty() && r.registration.findings.empty()) continue;
    ++s.frames_with_markers;
    switch (r.registration.state) {
      case tracking::RegistrationState::Tracked: ++s.tracked; break;
      case tracking::RegistrationState::Degraded: ++s.degraded; break;
      case tracking::RegistrationState::NotTracked: ++s.not_tracked; break;
    }
    for (const auto& f : r.registration.findings) {
      auto& [n, txt, where] = findings[{f.id, static_cast<int>(f.issue), f.rotation_deg, f.other_id}];
      if (n++ == 0) {
        txt = f.text;
        where = name;
      }
    }
  }
  // Most frequent first; a finding seen in one frame of many is reported too (the author decides).
  std::vector<std::pair<std::tuple<int, int, int, int>, std::tuple<int, std::string, std::string>>> list(
      findings.begin(), findings.end());
  std::stable_sort(list.begin(), list.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a.second) > std::get<0>(b.second); });
  for (const auto& [key, val] : list) {
    const int id = std::get<0>(key);
    const auto& [n, txt, where] = val;
    const auto it = line_of.find(std::get<3>(key) >= 0 && !line_of.count(id) ? std::get<3>(key) : id);
    out.push_back({file, it == line_of.end() ? 0 : it->second,
                   txt + " (in " + std::to_string(n) + " of " + std::to_string(s.frames_with_markers) +
                       " frames with markers, first " + where + ")"});
    s.findings.push_back(txt);
  }
  if (s.frames_with_markers == 0) {
    out.push_back({video.string(), 0, "--check-map: no marker of the map in any of the " + std::to_string(s.frames) +
                                          " frames (wrong dictionary in markers.yaml, or the markers are out of view)"});
  } else if (s.tracked == 0) {
    out.push_back({file, 0, "the map never fits the markers seen: 0 of " + std::to_string(s.frames_with_markers) +
                                " frames tracked (" + std::to_string(s.degraded) + " degraded, " +
                                std::to_string(s.not_tracked) + " not tracked)"});
  }
  if (summary != nullptr) *summary = s;
  return out;
}

}  // namespace rivet::pack

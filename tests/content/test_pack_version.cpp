// rivet::packtool version handling: semantic version bumps and order, the in-place pack.yaml edit (comments, quoting
// and order kept byte for byte), changelog insertion, atomic file writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rivet/packtool/release.hpp"

namespace fs = std::filesystem;
using namespace rivet;
using packtool::Bump;

TEST(PackVersion, Bumps) {
  EXPECT_EQ(*packtool::bumpVersion("1.4.2", Bump::Major), "2.0.0");
  EXPECT_EQ(*packtool::bumpVersion("1.4.2", Bump::Minor), "1.5.0");
  EXPECT_EQ(*packtool::bumpVersion("1.4.2", Bump::Patch), "1.4.3");
  EXPECT_EQ(*packtool::bumpVersion("1.4", Bump::Patch), "1.4.1");
  EXPECT_EQ(*packtool::bumpVersion("0.9.9+build.7", Bump::Patch), "0.9.10");
  EXPECT_EQ(*packtool::bumpVersion("1.5.0-rc.1", Bump::Minor), "1.5.0");
  EXPECT_EQ(*packtool::bumpVersion("1.5.0-rc.1", Bump::Patch), "1.5.0");
  EXPECT_EQ(*packtool::bumpVersion("2.0.0-rc.1", Bump::Major), "2.0.0");
  EXPECT_EQ(*packtool::bumpVersion("1.5.2-rc.1", Bump::Minor), "1.6.0");
  for (const char* bad : {"", "1", "v1.0.0", "1.0.0.0", "1.x.0", "1.0.0-", "1.0.0+"}) {
    auto r = packtool::bumpVersion(bad, Bump::Patch);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("MAJOR.MINOR"), std::string::npos);
  }
  EXPECT_EQ(packtool::bumpFromString("minor"), Bump::Minor);
  EXPECT_FALSE(packtool::bumpFromString("huge"));
}

TEST(PackVersion, Compares) {
  EXPECT_EQ(packtool::compareVersions("1.0.0", "1.0.1"), -1);
  EXPECT_EQ(packtool::compareVersions("1.10.0", "1.9.9"), 1);
  EXPECT_EQ(packtool::compareVersions("1.2", "1.2.0"), 0);
  EXPECT_EQ(packtool::compareVersions("1.2.0-rc.1", "1.2.0"), -1);
  EXPECT_EQ(packtool::compareVersions("1.2.0+b1", "1.2.0"), 0);
  EXPECT_FALSE(packtool::compareVersions("one", "1.0.0"));
}

TEST(PackVersion, EditsOnlyTheVersionScalar) {
  const std::string plain =
      "# Manifest of a pack: comments stay.\nid: demo   # the id\nversion: 1.0.0   # bumped by rivet-pack release\n"
      "title:\n  fr: \"Démo\"\n  en: \"Demo\"\n# trailing comment\nmodel: models/m.rmdl\n";
  auto r = packtool::setManifestVersion(plain, "1.1.0", "pack.yaml");
  ASSERT_TRUE(r) << r.error().describe();
  std::string want = plain;
  want.replace(want.find("1.0.0"), 5, "1.1.0");
  EXPECT_EQ(*r, want);

  const std::string quoted = "id: demo\nversion: \"1.0.0\"\nmodel: m\n";
  EXPECT_EQ(*packtool::setManifestVersion(quoted, "2.0.0", "pack.yaml"), "id: demo\nversion: \"2.0.0\"\nmodel: m\n");
  const std::string single = "id: demo\nversion:   '1.0'  # two groups\n";
  EXPECT_EQ(*packtool::setManifestVersion(single, "1.0.1", "pack.yaml"), "id: demo\nversion:   '1.0.1'  # two groups\n");
  // A nested "version" key (in a description) is not the manifest's.
  const std::string nested = "id: demo\nnotes:\n  version: 9.9.9\nversion: 1.2.3\n";
  EXPECT_EQ(*packtool::setManifestVersion(nested, "1.2.4", "pack.yaml"), "id: demo\nnotes:\n  version: 9.9.9\nversion: 1.2.4\n");
  // Windows line endings survive.
  EXPECT_EQ(*packtool::setManifestVersion("id: d\r\nversion: 1.0.0\r\n", "1.0.1", "pack.yaml"), "id: d\r\nversion: 1.0.1\r\n");

  auto none = packtool::setManifestVersion("id: demo\n", "1.0.0", "pack.yaml");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().describe().find("pack.yaml"), std::string::npos);
  auto block = packtool::setManifestVersion("id: demo\nversion: |\n  1.0.0\n", "1.0.1", "pack.yaml");
  ASSERT_FALSE(block);
  EXPECT_NE(block.error().where.find("pack.yaml:"), std::string::npos) << block.error().describe();
  auto broken = packtool::setManifestVersion("id: [demo\n", "1.0.1", "pack.yaml");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("YAML syntax error"), std::string::npos);
}

TEST(PackVersion, ChangelogEntriesGoOnTopOfTheOlderOnes) {
  const std::string first = packtool::prependChangelog("", "## 1.0.1 — 2025-01-02 — ann\n\nFirst.\n", "demo");
  EXPECT_EQ(first.rfind("<!-- Changelog of the content pack demo", 0), 0u) << first;
  EXPECT_NE(first.find("# Changelog of demo\n\n## 1.0.1 — 2025-01-02 — ann\n\nFirst.\n"), std::string::npos) << first;
  const std::string second = packtool::prependChangelog(first, "## 1.1.0 — 2025-02-03 — bob\n\nSecond.\n", "demo");
  const auto a = second.find("## 1.1.0"), b = second.find("## 1.0.1");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_EQ(second.substr(0, first.find("## 1.0.1")), first.substr(0, first.find("## 1.0.1"))) << "header kept";
  EXPECT_NE(second.find("Second.\n\n## 1.0.1"), std::string::npos) << second;
  // A hand-written changelog without entries yet: appended after its text.
  EXPECT_EQ(packtool::prependChangelog("# Notes\n\nIntro.\n", "## 1.0.0 — d — a\n\nX.\n", "demo"),
            "# Notes\n\nIntro.\n\n## 1.0.0 — d — a\n\nX.\n");
}

TEST(PackVersion, AtomicWriteReplacesAndLeavesNoTemporary) {
  const fs::path dir = fs::temp_directory_path() / ("rivet_atomic_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path f = dir / "CHANGELOG.md";
  ASSERT_TRUE(packtool::writeFileAtomically(f, "one\n"));
  ASSERT_TRUE(packtool::writeFileAtomically(f, "two\n"));
  std::ifstream in(f);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), "two\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  auto bad = packtool::writeFileAtomically(dir / "missing" / "x.md", "x");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().describe().find("missing/x.md"), std::string::npos);
  fs::remove_all(dir);
}

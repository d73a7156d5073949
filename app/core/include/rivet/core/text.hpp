// The one interface-language type and bilingual (French/English) text value shared by every module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rivet::core {

enum class Language : std::uint8_t { En, Fr };

inline const char* toString(Language language) { return language == Language::Fr ? "fr" : "en"; }
inline std::optional<Language> languageFromString(std::string_view code) {
  if (code == "fr") return Language::Fr;
  if (code == "en") return Language::En;
  return std::nullopt;
}

// A user-visible string in both languages (procedure parsers require both).
struct Text {
  std::string en;
  std::string fr;
  [[nodiscard]] const std::string& get(Language language) const { return language == Language::Fr ? fr : en; }
  [[nodiscard]] bool empty() const { return en.empty() && fr.empty(); }
};

}  // namespace rivet::core

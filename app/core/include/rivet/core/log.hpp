// Minimal logging facade (spdlog behind it) so no module header exposes the logger library.
#pragma once

#include <string_view>

namespace rivet::core::log {

enum class Level { Debug, Info, Warn, Error, Off };

void setLevel(Level level);
void debug(std::string_view message);
void info(std::string_view message);
void warn(std::string_view message);
void error(std::string_view message);

}  // namespace rivet::core::log

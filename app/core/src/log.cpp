// Logging facade implementation on spdlog (stderr, so stdout stays free for JSON lines).
#include "rivet/core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace rivet::core::log {
namespace {
spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto l = spdlog::stderr_color_mt("rivet");
    l->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
    return l;
  }();
  return *instance;
}
}  // namespace

void setLevel(Level level) {
  switch (level) {
    case Level::Debug: logger().set_level(spdlog::level::debug); break;
    case Level::Info: logger().set_level(spdlog::level::info); break;
    case Level::Warn: logger().set_level(spdlog::level::warn); break;
    case Level::Error: logger().set_level(spdlog::level::err); break;
    case Level::Off: logger().set_level(spdlog::level::off); break;
  }
}
void debug(std::string_view message) { logger().debug("{}", message); }
void info(std::string_view message) { logger().info("{}", message); }
void warn(std::string_view message) { logger().warn("{}", message); }
void error(std::string_view message) { logger().error("{}", message); }

}  // namespace rivet::core::log

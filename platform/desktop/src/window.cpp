// GLFW window for the desktop mode: display checks, Vulkan surface, input callbacks latched per poll, fullscreen.
// The one file of platform/ that sees Vulkan: GLFW's surface function is declared against vulkan.h (headers only).
#include <vulkan/vulkan.h>
// vulkan.h first: glfw3.h declares glfwCreateWindowSurface only when it sees the Vulkan types.
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include "rivet/core/log.hpp"
#include "rivet/platform/window.hpp"

namespace rivet::platform {
namespace {

int g_windows = 0;              // live windows; GLFW is terminated when the last one goes
std::string g_last_glfw_error;  // from the error callback (main thread only, like GLFW itself)

void onGlfwError(int code, const char* description) {
  g_last_glfw_error = std::string(description != nullptr ? description : "?") + " (GLFW error " +
                      std::to_string(code) + ")";
}

constexpr const char* kNoDisplayHint =
    "run with --headless, or start a virtual X server first: Xvfb :99 -screen 0 1280x800x24 & export DISPLAY=:99";

// glfwInit() with a message that says what is missing; the caller owns one reference to GLFW on success.
core::Status initGlfw() {
  glfwSetErrorCallback(onGlfwError);
  const char* display = std::getenv("DISPLAY");
  if (g_windows == 0 && (display == nullptr || *display == '\0')) {
    return core::makeError("no display: DISPLAY is not set, so there is no X server to open a window on",
                           "platform: window", kNoDisplayHint);
  }
  g_last_glfw_error.clear();
  if (glfwInit() != GLFW_TRUE) {
    return core::makeError("cannot open the X display '" + std::string(display != nullptr ? display : "") +
                               "' (no X server there?): " + g_last_glfw_error,
                           "platform: window", kNoDisplayHint);
  }
  return {};
}

void appendUtf8(std::string& out, unsigned int cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x110000) {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The name WindowEvents::keys uses for a key, "" for none.
std::string keyName(int key, int scancode) {
  switch (key) {
    case GLFW_KEY_ENTER:
    case GLFW_KEY_KP_ENTER: return "Enter";
    case GLFW_KEY_BACKSPACE: return "Backspace";
    case GLFW_KEY_ESCAPE: return "Escape";
    case GLFW_KEY_LEFT: return "Left";
    case GLFW_KEY_RIGHT: return "Right";
    case GLFW_KEY_UP: return "Up";
    case GLFW_KEY_DOWN: return "Down";
    case GLFW_KEY_PAGE_UP: return "PageUp";
    case GLFW_KEY_PAGE_DOWN: return "PageDown";
    case GLFW_KEY_TAB: return "Tab";
    case GLFW_KEY_DELETE: return "Delete";
    case GLFW_KEY_F11: return "F11";
    case GLFW_KEY_SPACE: return "Space";
    default: break;
  }
  // Digits by position on every layout (the AZERTY digit row is digits without Shift in spirit, "&" by label).
  if (key >= GLFW_KEY_0 && key <= GLFW_KEY_9) return std::string(1, static_cast<char>('0' + (key - GLFW_KEY_0)));
  if (key >= GLFW_KEY_KP_0 && key <= GLFW_KEY_KP_9) {
    return std::string(1, static_cast<char>('0' + (key - GLFW_KEY_KP_0)));
  }
  // Other printable keys by their label in the active layout (an AZERTY "A" key is "a"), else by US position.
  const char* label = glfwGetKeyName(key, scancode);
  if (label != nullptr && label[0] != '\0' && label[1] == '\0' && std::isprint(static_cast<unsigned char>(label[0]))) {
    return std::string(1, static_cast<char>(std::tolower(static_cast<unsigned char>(label[0]))));
  }
  if (key >= GLFW_KEY_A && key <= GLFW_KEY_Z) return std::string(1, static_cast<char>('a' + (key - GLFW_KEY_A)));
  return {};
}

}  // namespace

struct Window::Impl {
  GLFWwindow* window = nullptr;
  WindowEvents pending;  // accumulated by the callbacks since the last poll
  int windowed_x = 0, windowed_y = 0, windowed_width = 0, windowed_height = 0;

  // Screen coordinates to framebuffer pixels (they differ on scaled displays).
  void setPointer(double x, double y) {
    int w = 0, h = 0, fw = 0, fh = 0;
    glfwGetWindowSize(window, &w, &h);
    glfwGetFramebufferSize(window, &fw, &fh);
    pending.pointer_x = static_cast<float>(w > 0 ? x * fw / w : x);
    pending.pointer_y = static_cast<float>(h > 0 ? y * fh / h : y);
  }
  static Impl& of(GLFWwindow* w) { return *static_cast<Impl*>(glfwGetWindowUserPointer(w)); }
};

Window::Window(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Window::~Window() {
  if (impl_->window != nullptr) glfwDestroyWindow(impl_->window);
  if (--g_windows == 0) glfwTerminate();
}

core::Result<std::unique_ptr<Window>> Window::create(const std::string& title, int width, int height, bool fullscreen) {
  if (width <= 0 || height <= 0) {
    return core::makeError("window size " + std::to_string(width) + "x" + std::to_string(height) + " is not positive",
                           "platform: window", "pass a size such as 1280x800");
  }
  if (auto s = initGlfw(); !s) return s.error();
  ++g_windows;  // from here on ~Window (or the error path below) releases GLFW
  auto impl = std::make_unique<Impl>();
  auto window = std::unique_ptr<Window>(new Window(std::move(impl)));
  if (glfwVulkanSupported() != GLFW_TRUE) {
    return core::makeError("GLFW finds no Vulkan loader", "platform: window", "install libvulkan1 and a Vulkan driver");
  }
  glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API);  // Vulkan draws, no OpenGL context
  glfwWindowHint(GLFW_RESIZABLE, GLFW_TRUE);
  GLFWmonitor* monitor = fullscreen ? glfwGetPrimaryMonitor() : nullptr;
  int create_w = width, create_h = height;
  if (monitor != nullptr) {
    if (const GLFWvidmode* mode = glfwGetVideoMode(monitor); mode != nullptr) {
      create_w = mode->width;
      create_h = mode->height;
    }
  }
  Impl& m = *window->impl_;
  m.windowed_width = width;
  m.windowed_height = height;
  g_last_glfw_error.clear();
  m.window = glfwCreateWindow(create_w, create_h, title.c_str(), monitor, nullptr);
  if (m.window == nullptr) {
    return core::makeError("cannot create a window: " + g_last_glfw_error, "platform: window", kNoDisplayHint);
  }
  glfwSetWindowUserPointer(m.window, &m);
  glfwSetCursorPosCallback(m.window, [](GLFWwindow* w, double x, double y) { Impl::of(w).setPointer(x, y); });
  glfwSetCursorEnterCallback(m.window, [](GLFWwindow* w, int entered) {
    Impl::of(w).pending.pointer_inside = entered == GLFW_TRUE;
  });
  glfwSetMouseButtonCallback(m.window, [](GLFWwindow* w, int button, int action, int /*mods*/) {
    if (button != GLFW_MOUSE_BUTTON_LEFT) return;
    WindowEvents& e = Impl::of(w).pending;
    if (action == GLFW_PRESS) {
      e.button_down = true;
      e.button_pressed = true;
    } else if (action == GLFW_RELEASE) {
      e.button_down = false;
      e.button_released = true;
    }
  });
  glfwSetScrollCallback(m.window, [](GLFWwindow* w, double /*x*/, double y) {
    Impl::of(w).pending.scroll += static_cast<float>(y);
  });
  glfwSetCharCallback(m.window, [](GLFWwindow* w, unsigned int codepoint) { appendUtf8(Impl::of(w).pending.text, codepoint); });
  glfwSetKeyCallback(m.window, [](GLFWwindow* w, int key, int scancode, int action, int /*mods*/) {
    if (action != GLFW_PRESS && action != GLFW_REPEAT) return;
    if (std::string name = keyName(key, scancode); !name.empty()) Impl::of(w).pending.keys.push_back(std::move(name));
  });
  glfwSetFramebufferSizeCallback(m.window, [](GLFWwindow* w, int /*width*/, int /*height*/) {
    Impl::of(w).pending.resized = true;
  });
  double x = 0, y = 0;
  glfwGetCursorPos(m.window, &x, &y);
  m.setPointer(x, y);
  m.pending.pointer_inside = glfwGetWindowAttrib(m.window, GLFW_HOVERED) == GLFW_TRUE;
  core::log::info("platform: window '" + title + "' " + std::to_string(create_w) + "x" + std::to_string(create_h) +
                  (monitor != nullptr ? " fullscreen" : ""));
  return window;
}

std::vector<std::string> Window::requiredInstanceExtensions() {
  if (auto s = initGlfw(); !s) return {};
  std::vector<std::string> names;
  std::uint32_t count = 0;
  const char** list = glfwGetRequiredInstanceExtensions(&count);
  for (std::uint32_t i = 0; list != nullptr && i < count; ++i) names.emplace_back(list[i]);
  if (g_windows == 0) glfwTerminate();
  return names;
}

core::Result<std::uint64_t> Window::createSurface(std::uint64_t vk_instance) {
  if (vk_instance == 0) {
    return core::makeError("createSurface: the VkInstance handle is null", "platform: window",
                           "pass render::Renderer::nativeHandles().instance");
  }
  VkSurfaceKHR surface = VK_NULL_HANDLE;
  g_last_glfw_error.clear();
  const VkResult r = glfwCreateWindowSurface(reinterpret_cast<VkInstance>(vk_instance), impl_->window, nullptr, &surface);
  if (r != VK_SUCCESS) {
    return core::makeError("cannot create a Vulkan surface for the window (VkResult " + std::to_string(r) + ")" +
                               (g_last_glfw_error.empty() ? "" : ": " + g_last_glfw_error),
                           "platform: window",
                           "create the renderer with Window::requiredInstanceExtensions() in "
                           "requirements.instance_extensions");
  }
  return reinterpret_cast<std::uint64_t>(surface);
}

WindowEvents Window::pollEvents() {
  glfwPollEvents();
  Impl& m = *impl_;
  WindowEvents out = std::move(m.pending);
  glfwGetFramebufferSize(m.window, &out.framebuffer_width, &out.framebuffer_height);
  out.close_requested = glfwWindowShouldClose(m.window) == GLFW_TRUE;
  // What lasts across polls stays; what happened during this one starts again.
  m.pending = WindowEvents{};
  m.pending.pointer_x = out.pointer_x;
  m.pending.pointer_y = out.pointer_y;
  m.pending.pointer_inside = out.pointer_inside;
  m.pending.button_down = out.button_down;
  return out;
}

void Window::toggleFullscreen() {
  Impl& m = *impl_;
  if (isFullscreen()) {
    glfwSetWindowMonitor(m.window, nullptr, m.windowed_x, m.windowed_y, m.windowed_width, m.windowed_height,
                         GLFW_DONT_CARE);
    return;
  }
  GLFWmonitor* monitor = glfwGetPrimaryMonitor();
  const GLFWvidmode* mode = monitor != nullptr ? glfwGetVideoMode(monitor) : nullptr;
  if (mode == nullptr) {
    core::log::warn("platform: no monitor to go fullscreen on");
    return;
  }
  glfwGetWindowPos(m.window, &m.windowed_x, &m.windowed_y);
  glfwGetWindowSize(m.window, &m.windowed_width, &m.windowed_height);
  glfwSetWindowMonitor(m.window, monitor, 0, 0, mode->width, mode->height, mode->refreshRate);
}

bool Window::isFullscreen() const { return glfwGetWindowMonitor(impl_->window) != nullptr; }

std::pair<int, int> Window::framebufferSize() const {
  int w = 0, h = 0;
  glfwGetFramebufferSize(impl_->window, &w, &h);
  return {w, h};
}

void Window::setTitle(const std::string& title) { glfwSetWindowTitle(impl_->window, title.c_str()); }

void Window::resize(int width, int height) {
  if (width <= 0 || height <= 0) return;
  if (isFullscreen()) {
    impl_->windowed_width = width;
    impl_->windowed_height = height;
    return;
  }
  glfwSetWindowSize(impl_->window, width, height);
}

}  // namespace rivet::platform

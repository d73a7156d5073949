// The desktop window (--window mode): a GLFW window with its Vulkan surface and per-poll input events.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rivet/core/result.hpp"

namespace rivet::platform {

// What happened since the previous pollEvents(). Positions are in framebuffer pixels, origin top left.
struct WindowEvents {
  float pointer_x = 0;
  float pointer_y = 0;
  bool pointer_inside = false;
  bool button_down = false;      // left button (or a touch) held now
  bool button_pressed = false;   // went down since the last poll (latched: a click between polls sets both...)
  bool button_released = false;  // ...pressed and released)
  float scroll = 0;              // vertical wheel steps, positive away from the user
  std::string text;              // UTF-8 characters typed
  // Keys pressed (and auto-repeated): "Enter", "Backspace", "Escape", "Left", "Right", "Up", "Down", "PageUp",
  // "PageDown", "Tab", "Delete", "F11", "Space"; other printable keys as their single lowercase character in the keyboard layout
  // ("a", "7"); keys with no such name are left out.
  std::vector<std::string> keys;
  bool resized = false;  // the framebuffer size changed: resize the swapchain to it (0x0 when minimised)
  int framebuffer_width = 0;
  int framebuffer_height = 0;
  bool close_requested = false;  // the window's close button (or the window manager) asked to quit
};

// One top-level window. Needs an X server (DISPLAY). Not thread-safe: create and use it on the main thread.
// The Window must outlive the Renderer that presents to it: the renderer owns the surface made by
// createSurface() and destroys it with its swapchain target; destroy the renderer first.
class Window {
 public:
  // Fails with a clear message without a display (DISPLAY unset, no X server), suggesting --headless or Xvfb.
  static core::Result<std::unique_ptr<Window>> create(const std::string& title, int width, int height,
                                                      bool fullscreen);
  // Vulkan instance extensions a surface for this platform needs (VK_KHR_surface + the window system's): put
  // them into render::RendererOptions::requirements.instance_extensions. Empty when no display can be opened.
  static std::vector<std::string> requiredInstanceExtensions();
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  // A VkSurfaceKHR (as uint64) for this window on the given VkInstance (render::NativeHandles::instance).
  // Ownership passes to whoever destroys it: Renderer::createSwapchainTarget() adopts it.
  core::Result<std::uint64_t> createSurface(std::uint64_t vk_instance);
  WindowEvents pollEvents();  // processes pending window-system events; call once per frame
  void toggleFullscreen();    // primary monitor at its current mode, and back to the last windowed size
  [[nodiscard]] bool isFullscreen() const;
  [[nodiscard]] std::pair<int, int> framebufferSize() const;
  void setTitle(const std::string& title);
  void resize(int width, int height);  // windowed size in screen coordinates (the next poll reports `resized`)

  struct Impl;

 private:
  explicit Window(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rivet::platform

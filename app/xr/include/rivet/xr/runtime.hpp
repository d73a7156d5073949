// OpenXR instance, system, session state machine, swapchains, spaces and actions behind plain types (no openxr.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rivet/core/pose.hpp"
#include "rivet/core/result.hpp"
#include "rivet/xr/logic.hpp"

namespace rivet::xr {

struct RuntimeOptions {
  std::string application_name = "Rivet";
  // Ask for XR_APILAYER_LUNARG_core_validation explicitly (fails with a clear message when it is not installed).
  // Tests may enable it through XR_ENABLE_API_LAYERS instead; messages are counted either way when
  // XR_EXT_debug_utils is offered.
  bool core_validation = false;
  std::optional<BlendMode> force_blend;  // testing and demos: use this mode if the runtime lists it
};

// The Vulkan objects the renderer made through the runtime (XR_KHR_vulkan_enable2), as integers.
struct VulkanBinding {
  std::uint64_t instance = 0, physical_device = 0, device = 0;
  std::uint32_t queue_family = 0, queue_index = 0;
};

// Field of view half-angles in radians (XrFovf: left and down are negative).
struct Fov {
  double left = 0, right = 0, up = 0, down = 0;
};

// One eye this frame: its pose in the world (OpenCV camera convention: x right, y down, z forward, so that the
// renderer's view matrix is T_eye_world), field of view, and the swapchain image acquired for it.
struct EyeView {
  core::Pose T_world_eye;
  Fov fov;
  int image_index = -1;
};

// A hand's controller (or hand-interaction) state this frame.
struct HandState {
  bool aim_valid = false;
  Ray aim;                 // world (XR frame)
  bool select = false;     // select/click, trigger or pinch held
  std::string profile;     // current interaction profile ("" when none)
};

struct FrameState {
  bool should_render = false;           // the runtime shows this frame (XrFrameState::shouldRender)
  std::int64_t predicted_display_time = 0;  // XrTime (ns)
  std::int64_t predicted_period = 0;        // ns
  std::vector<EyeView> eyes;            // empty when the view poses are not valid
  bool head_valid = false;
  core::Pose T_world_head;              // XR frame (VIEW space in the world)
  HandState hands[2];                   // left, right
  int panel_image_index = -1;           // panel swapchain image acquired this frame
};

// What the session did while events were polled.
struct SessionEvents {
  bool running = false;        // between xrBeginSession and xrEndSession: call waitFrame()/endFrame()
  bool exit = false;           // EXITING, instance loss, or a restart that failed: leave the loop
  bool restarted = false;      // LOSS_PENDING: the session (and its swapchains) were recreated
  std::string state;           // e.g. "focused"
};

struct SwapchainInfo {
  std::uint32_t vk_format = 0;           // VkFormat
  int width = 0, height = 0;
  std::vector<std::uint64_t> images;     // VkImage handles
};

struct PanelLayer {
  bool visible = true;
  Panel panel;  // pose (XR frame) and size; ui_width x ui_height is the panel swapchain's size
};

class Runtime {
 public:
  // Creates the instance (XR_KHR_vulkan_enable2 required) and gets the HMD system. Clear errors when no runtime
  // is installed (XR_RUNTIME_JSON) or it offers no Vulkan 2 binding.
  static core::Result<std::unique_ptr<Runtime>> create(const RuntimeOptions& options);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  [[nodiscard]] std::string runtimeName() const;
  [[nodiscard]] std::string systemName() const;
  [[nodiscard]] const std::vector<std::string>& extensions() const;  // enabled instance extensions
  [[nodiscard]] const std::vector<BlendMode>& blendModes() const;    // as the runtime lists them
  [[nodiscard]] const BlendChoice& blend() const;
  [[nodiscard]] std::uint64_t validationMessages() const;  // XR_EXT_debug_utils warnings/errors seen
  // Views' recommended image sizes (stereo: 2).
  [[nodiscard]] std::vector<std::pair<int, int>> recommendedViewSizes() const;

  // The renderer's Vulkan creation, done through the runtime (XR_KHR_vulkan_enable2).
  [[nodiscard]] std::uint32_t minVulkanApiVersion() const;
  core::Result<std::uint64_t> createVulkanInstance(const void* vk_instance_create_info);
  core::Result<std::uint64_t> vulkanPhysicalDevice(std::uint64_t vk_instance);
  core::Result<std::uint64_t> createVulkanDevice(std::uint64_t vk_physical_device, const void* vk_device_create_info);

  // Session with this binding; STAGE space where offered else LOCAL; actions; one swapchain per eye plus the
  // panel's (panel_width x panel_height). Returns when created (the runtime then moves it to READY).
  core::Status startSession(const VulkanBinding& binding, int panel_width, int panel_height);
  [[nodiscard]] std::string referenceSpace() const;  // "stage" or "local"
  [[nodiscard]] const std::vector<SwapchainInfo>& eyeSwapchains() const;
  [[nodiscard]] const SwapchainInfo& panelSwapchain() const;

  // Drains the event queue and runs the session state machine (READY -> begin, STOPPING -> end, LOSS_PENDING ->
  // recreate, EXITING -> exit). Call once per loop iteration; when not running, sleep a little before the next.
  SessionEvents pollEvents();
  // xrWaitFrame + xrBeginFrame, views and head at the predicted display time, actions synced, images acquired.
  core::Result<FrameState> waitAndBeginFrame();
  // Releases the images and submits the projection layer (+ the panel quad) for the frame begun.
  core::Status endFrame(const FrameState& frame, const PanelLayer& panel, bool layers);
  // Asks the runtime to end the session (the state machine then stops and exits cleanly).
  void requestExit();
  // Destroys the session, its spaces, actions and swapchains now (before the Vulkan device they use goes).
  void endSession();
  [[nodiscard]] bool running() const;

  // Pose of the head (VIEW space) in the world at `xr_time` (for a camera frame's capture time).
  [[nodiscard]] std::optional<core::Pose> headAt(std::int64_t xr_time) const;
  // XrTime for a CLOCK_MONOTONIC time in ns (XR_KHR_convert_timespec_time where offered, else the clocks are
  // taken as equal, as on Monado).
  [[nodiscard]] std::int64_t xrTimeFromMonotonic(std::int64_t mono_ns) const;
  [[nodiscard]] std::int64_t monotonicFromXrTime(std::int64_t xr_time) const;

  struct Impl;

 private:
  explicit Runtime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The runtime's list of blend modes maps to ours (unknown values skipped), for the choice logic.
std::vector<BlendMode> blendModesFromXr(const std::vector<std::int32_t>& xr_modes);

}  // namespace rivet::xr

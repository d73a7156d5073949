// Private to app/render: the renderer's internal state (Renderer::Impl), render targets and shared constants.
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rivet/core/clock.hpp"
#include "rivet/render/renderer.hpp"
#include "vk_util.hpp"

namespace rivet::render {

inline constexpr VkFormat kColorFormat = VK_FORMAT_R8G8B8A8_SRGB;       // targets: sRGB-encoded storage, linear blending
inline constexpr VkFormat kColorUnormFormat = VK_FORMAT_R8G8B8A8_UNORM; // UI view of the same bytes (ImGui blends in sRGB)
// The frame's UI texture: sRGB-encoded colour, premultiplied alpha, stored UNORM (ImGui blends in sRGB space).
inline constexpr VkFormat kUiFormat = VK_FORMAT_R8G8B8A8_UNORM;
inline constexpr VkFormat kDepthFormat = VK_FORMAT_D32_SFLOAT;
inline constexpr VkFormat kIdFormat = VK_FORMAT_R32G32B32A32_UINT;  // part index + 1, packed view normal, view depth
inline constexpr VkFormat kMaskFormat = VK_FORMAT_R8_UNORM;
inline constexpr std::uint32_t kMaxTargets = 64;
inline constexpr std::uint32_t kFramesInFlight = 2;
// ImGui backend vertex buffers cycle over this many slots, one ImGui draw per recorded frame: the one reused was
// last read by the frame two back, which its slot's start waited for.
inline constexpr std::uint32_t kUiBufferSlots = kFramesInFlight;
inline constexpr int kMaxTargetSize = 16384;
inline constexpr float kDarkGreyLinear = 0.0212f;          // sRGB 40/255

static_assert(sizeof(content::PackedVertex) == 12, "vertex layout must match model.vert (pipelines.cpp vertex input)");

enum ModelMode : int { kModeNormal = 0, kModeGhost = 1, kModeHighlightVisible = 2, kModeHighlightOccluded = 3 };

struct ViewConstants {
  std::array<float, 16> mvp;
  std::array<float, 16> model_view;
};
static_assert(sizeof(ViewConstants) == 128, "push constants are limited to 128 bytes");

struct QuadConstants {  // ui_quad.vert
  std::array<float, 16> mvp;
  std::array<float, 4> depth_row;
};

struct FrameParams {
  std::array<float, 4> params;  // opacity, time_s, any highlight, unused
};

inline std::uint32_t styleCode(PartStyle style) { return static_cast<std::uint32_t>(style); }
inline std::string targetWhere(int target) { return "render target " + std::to_string(target); }
// Which passes draw a part of a given style.
inline bool inDepthPass(PartStyle s) { return s == PartStyle::Normal || s == PartStyle::Highlight; }
inline bool isSupportedExternalFormat(VkFormat format) {
  return format == VK_FORMAT_R8G8B8A8_SRGB || format == VK_FORMAT_R8G8B8A8_UNORM ||
         format == VK_FORMAT_B8G8R8A8_SRGB || format == VK_FORMAT_B8G8R8A8_UNORM;
}

// Validation messages counted by every Renderer in the process (see processValidationMessageCount()).
std::atomic<std::uint64_t>& processValidationCounter();

// Pixel rectangle covering the projection of an axis-aligned box (plus `margin_px`), clamped to the target;
// the whole target when the box reaches behind the camera; empty when the box is off-screen.
VkRect2D projectedRect(const core::Mat4f& mvp, const std::array<float, 3>& lo, const std::array<float, 3>& hi,
                       std::uint32_t width, std::uint32_t height, float margin_px);

struct PipelineSpec {
  VkRenderPass pass = VK_NULL_HANDLE;
  VkSampleCountFlagBits samples = VK_SAMPLE_COUNT_1_BIT;
  VkShaderModule vert = VK_NULL_HANDLE;
  VkShaderModule frag = VK_NULL_HANDLE;  // null: depth-only
  int mode = -1;                         // model.frag specialisation; -1 = none
  bool model_vertices = true;            // false: full-screen triangle without vertex input
  bool depth_test = false;
  bool depth_write = false;
  VkCompareOp depth_compare = VK_COMPARE_OP_LESS;
  bool blend = false;
  bool premultiplied = false;  // blend ONE, ONE_MINUS_SRC_ALPHA (the UI texture) instead of SRC_ALPHA, ...
  VkPipelineLayout layout = VK_NULL_HANDLE;  // null: the model passes' layout
  bool color_write = true;
  std::uint32_t color_attachments = 1;
  VkCullModeFlags cull = VK_CULL_MODE_NONE;
};


// Owns a VkSurfaceKHR (destroyed with the instance's vkDestroySurfaceKHR).
class SurfaceOwner {
 public:
  SurfaceOwner() = default;
  ~SurfaceOwner() {
    if (surface_ != VK_NULL_HANDLE) vkDestroySurfaceKHR(instance_, surface_, nullptr);
  }
  SurfaceOwner(const SurfaceOwner&) = delete;
  SurfaceOwner& operator=(const SurfaceOwner&) = delete;
  void adopt(VkInstance instance, VkSurfaceKHR surface) {
    instance_ = instance;
    surface_ = surface;
  }
  [[nodiscard]] VkSurfaceKHR get() const { return surface_; }

 private:
  VkInstance instance_ = VK_NULL_HANDLE;
  VkSurfaceKHR surface_ = VK_NULL_HANDLE;
};

// A window's swapchain behind a render target. Member order is destruction order in reverse: the swapchain goes
// before the surface it was made for.
struct SwapchainState {
  SurfaceOwner surface;
  vk::Swapchain swapchain;
  VkFormat format = VK_FORMAT_UNDEFINED;
  VkColorSpaceKHR color_space = VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
  VkPresentModeKHR present_mode = VK_PRESENT_MODE_FIFO_KHR;
  std::vector<VkImage> images;                                 // owned by the swapchain
  std::vector<vk::Semaphore> render_finished;                  // one per image: present waits on it
  std::array<vk::Semaphore, kFramesInFlight> image_available;  // one per frame slot: the frame's submit waits
  vk::ImageAlloc bgra;          // B8G8R8A8_UNORM swapchains: colour blitted to B8G8R8A8_SRGB, then copied as bytes
  int requested_width = 0;      // last size asked for (used where the surface has no current extent)
  int requested_height = 0;
  bool minimised = false;       // resizeSwapchain(0, 0): not acquired until resized again
  bool needs_recreate = false;  // out of date / suboptimal: recreated at the next beginFrame()
  bool acquired = false;        // an image is acquired in the open frame
  bool drawn = false;           // ...and the frame's commands already copy the picture into it
  std::uint32_t image_index = 0;
};

enum class SlotState : std::uint8_t { Idle, Recording, Submitted };

// One of the kFramesInFlight frames: its command buffer, fence and the per-frame buffers the host writes.
struct FrameSlot {
  VkCommandBuffer cmd = VK_NULL_HANDLE;  // freed with the pool
  vk::Fence fence;                       // signalled when the slot's submitted work is done
  std::uint64_t serial = 0;              // frame last recorded in this slot
  SlotState state = SlotState::Idle;
  VkDescriptorSet frame_set = VK_NULL_HANDLE;  // set 0: this slot's params and part styles
  vk::BufferAlloc params;
  vk::BufferAlloc part_styles;
  // The slot's UI texture (kUiFormat), drawn once per frame with draw_ui and sampled by every view; its own per
  // slot, so a frame in flight keeps reading its UI while the next frame draws another. Recreated on size change.
  vk::ImageAlloc ui_image;
  vk::Framebuffer ui_fb;
  VkDescriptorSet ui_set = VK_NULL_HANDLE;  // UI set 0: ui_image
};

// A host-visible staging buffer for background pixels and the last frame that copies out of it.
struct BackgroundStaging {
  vk::BufferAlloc buffer;
  std::uint64_t busy_until = 0;
};

// One render target: the renderer's own images for every pass, plus the external image when imported and the
// swapchain when presenting to a window.
struct RenderTarget {
  int width = 0;
  int height = 0;
  vk::ImageAlloc color;         // single-sample result (R8G8B8A8_SRGB; UNORM alt view for the UI pass)
  vk::ImageAlloc msaa_color;    // multisampled colour, resolved into `color` (when samples > 1)
  vk::ImageAlloc depth;         // scene depth (multisampled like msaa_color)
  vk::ImageAlloc id;            // per pixel: part index + 1, view normal, view depth (edge pass input)
  vk::ImageAlloc id_depth;      // depth for the ID pass
  vk::Framebuffer id_fb;
  vk::Framebuffer scene_fb;
  vk::Framebuffer overlay_fb;
  vk::Framebuffer ui_fb;        // the UI composite (overlay or world quad) into `color` through its UNORM view
  VkDescriptorSet set = VK_NULL_HANDLE;  // background, id (freed by Impl::releaseTarget)
  vk::ImageAlloc background;
  std::array<BackgroundStaging, kFramesInFlight> background_staging;  // reused while the size fits
  int pending_staging = -1;           // index of staged pixels not yet copied into `background`, else -1
  std::uint32_t pending_width = 0;    // size of those pixels
  std::uint32_t pending_height = 0;
  bool has_background = false;
  bool rendered = false;              // `color` holds a picture (TRANSFER_SRC_OPTIMAL)
  std::uint64_t last_used_serial = 0; // last frame whose commands use the target's images
  vk::BufferAlloc readback;     // host-visible, width*height*4 bytes
  VkImage external = VK_NULL_HANDLE;
  VkFormat external_format = VK_FORMAT_UNDEFINED;
  vk::ImageAlloc readback_image;  // imported targets: external image converted back to R8G8B8A8_SRGB
  std::unique_ptr<SwapchainState> swapchain;
};

struct Renderer::Impl {
  // Declared first so they are destroyed last: the message counter outlives the instance (messages during
  // vkDestroyInstance), the instance outlives the device, the device outlives every other handle.
  std::atomic<std::uint64_t> validation_messages{0};
  struct InstanceOwner {
    VkInstance instance = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
    ~InstanceOwner() {
      if (messenger != VK_NULL_HANDLE) {
        auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT"));
        if (destroy != nullptr) destroy(instance, messenger, nullptr);
      }
      if (instance != VK_NULL_HANDLE) vkDestroyInstance(instance, nullptr);
    }
  } instance_owner;
  struct DeviceOwner {
    VkDevice device = VK_NULL_HANDLE;
    ~DeviceOwner() {
      if (device != VK_NULL_HANDLE) vkDestroyDevice(device, nullptr);
    }
  } device_owner;

  vk::DeviceContext ctx;
  std::string device_name;
  VkSampleCountFlagBits samples = VK_SAMPLE_COUNT_1_BIT;
  std::uint32_t queue_index = 0;
  std::uint32_t api_version = VK_API_VERSION_1_1;  // instance apiVersion, also the device's minimum
  bool surface_enabled = false;    // VK_KHR_surface on the instance (DeviceRequirements::instance_extensions)
  bool swapchain_enabled = false;  // VK_KHR_swapchain on the device

  vk::CommandPool command_pool;
  std::array<FrameSlot, kFramesInFlight> slots;
  std::uint64_t last_serial = 0;  // frames recorded so far (serial of the newest)
  struct OpenFrame {
    bool open = false;      // between beginFrame() and endFrame()
    bool recorded = false;  // renderFrame() has recorded into it
    std::uint64_t serial = 0;
    std::vector<RenderTarget*> acquired;  // swapchain targets with an image acquired (may be retired meanwhile)
    double wait_ms = 0;
    double record_ms = 0;
  } open_frame;
  core::Stopwatch frame_clock;  // started by beginFrame()
  vk::Sampler linear_sampler;
  vk::Sampler nearest_sampler;
  vk::DescriptorSetLayout frame_set_layout;   // set 0: frame params (UBO), part styles (SSBO)
  vk::DescriptorSetLayout target_set_layout;  // set 1: background, id
  vk::PipelineLayout layout;
  vk::DescriptorSetLayout ui_set_layout;  // UI set 0: the UI texture
  vk::PipelineLayout ui_layout;           // UI composite: set 0 UI texture, set 1 target (id), QuadConstants
  vk::DescriptorPool descriptor_pool;

  vk::RenderPass id_pass;
  vk::RenderPass scene_pass;
  vk::RenderPass overlay_pass;
  vk::RenderPass ui_pass;          // UI composite into a target
  vk::RenderPass ui_texture_pass;  // ImGui into the slot's UI texture (cleared to transparent)
  vk::RenderPass mask_pass;
  vk::Pipeline background_pipeline;
  vk::Pipeline prepass_pipeline;
  vk::Pipeline normal_pipeline;
  vk::Pipeline ghost_pipeline;
  vk::Pipeline highlight_occluded_pipeline;
  vk::Pipeline highlight_visible_pipeline;
  vk::Pipeline edge_pipeline;
  vk::Pipeline id_pipeline;
  vk::Pipeline mask_pipeline;
  vk::Pipeline ui_overlay_pipeline;        // stretched (UI size differs from the target's), filtered
  vk::Pipeline ui_overlay_exact_pipeline;  // same size: texels copied as they are
  vk::Pipeline ui_quad_pipeline;

  vk::BufferAlloc vertex_buffer;
  vk::BufferAlloc index_buffer;
  std::vector<content::Part> parts;
  std::array<float, 3> bounds_min{0, 0, 0};  // of all vertices, model coordinates
  std::array<float, 3> bounds_max{0, 0, 0};
  core::Mat4f dequantize;  // unorm vertex position (0..1 per axis) -> model coordinates (content::Quantization)
  bool has_model = false;
  std::vector<PartStyle> styles;  // of the last frame, one per part

  std::vector<std::unique_ptr<RenderTarget>> targets;  // by id; null = free id
  // Destroyed targets kept until the frame serial with them completes.
  std::vector<std::pair<std::uint64_t, std::unique_ptr<RenderTarget>>> retired;

  struct MaskTarget {
    int width = 0;
    int height = 0;
    vk::ImageAlloc image;
    vk::Framebuffer fb;
    vk::BufferAlloc readback;
  } mask;

  bool ui_ready = false;
  vk::DescriptorPool ui_pool;
  struct UiFrame {
    bool drawn = false;   // this frame has a UI texture to place
    VkRect2D bounds{};    // where ImGui drew, in UI texture pixels (vertex boxes within clip rectangles)
    std::uint32_t width = 0;
    std::uint32_t height = 0;
  } ui_frame;
  FrameStats stats;
  std::vector<vk::ImageAlloc> test_images;

  ~Impl();

  core::Status init(const RendererOptions& options);
  core::Status createInstance(const RendererOptions& options);
  core::Status pickDevice(const RendererOptions& options);
  core::Status createDescriptors();
  core::Status createRenderPasses();
  core::Status createPipelines();
  core::Result<vk::Pipeline> createPipeline(const PipelineSpec& spec);
  core::Result<int> addTarget(int width, int height, VkImage external, VkFormat external_format,
                              std::unique_ptr<SwapchainState> swapchain = nullptr);
  // (Re)creates the size-dependent images and framebuffers of a target not in use by the GPU.
  core::Status createTargetImages(RenderTarget& t, int width, int height);
  [[nodiscard]] RenderTarget* findTarget(int target) const;
  // Resolves the frame styles (inheritance from assemblies) into `styles`; written to the GPU per frame.
  void writeStyles(const std::vector<PartStyle>& frame_styles);
  // Writes params and `styles` into the slot's buffers (grown, and set 0 rewritten, when needed).
  core::Status uploadFrameData(FrameSlot& slot, const FrameParams& params);

  // Frame slots: serials count recorded frames; a serial's slot is serial % kFramesInFlight.
  [[nodiscard]] bool isComplete(std::uint64_t serial);  // its work is done (or it was never submitted)
  core::Status waitSerial(std::uint64_t serial);        // blocks until isComplete (never for one being recorded)
  core::Status waitAllSlots();
  core::Result<FrameSlot*> startSlot(std::uint64_t serial);  // waits for the slot's previous frame, begins its cmd
  core::Status submitSlot(FrameSlot& slot, const std::vector<VkSemaphore>& waits,
                          const std::vector<VkSemaphore>& signals);
  core::Status recordFrame(VkCommandBuffer cmd, FrameSlot& slot, const FrameDesc& frame);
  core::Status validateFrame(const FrameDesc& frame) const;
  core::Status endFrame();
  void collectRetired();
  void releaseTarget(std::unique_ptr<RenderTarget> t);

  // Swapchains (swapchain.cpp).
  core::Status createSwapchain(RenderTarget& t);  // (re)creates at the surface's current extent; waits for idle
  // Acquires the next image into the open frame; false when there is none to draw into this frame.
  bool acquireImage(RenderTarget& t, FrameSlot& slot);
  // Copies the target's picture into its acquired image (dark grey when it has none) and leaves it for present.
  void recordPresentCopy(VkCommandBuffer cmd, RenderTarget& t);
  core::Status present(const std::vector<RenderTarget*>& swapchains);

  // Push constants of one view: the model's dequantisation folded into both matrices (model.vert).
  [[nodiscard]] ViewConstants viewConstants(const ViewSetup& view) const;
  core::Status uploadBackground(RenderTarget& t, const core::Image& image);
  core::Status createBackgroundTexture(RenderTarget& t, std::uint32_t w, std::uint32_t h);
  core::Status recordBackgroundUpload(VkCommandBuffer cmd, RenderTarget& t, std::uint64_t serial);
  void recordView(VkCommandBuffer cmd, const FrameSlot& slot, RenderTarget& target, const ViewSetup& view,
                  const FrameDesc& frame, bool draw_model, bool any_highlight, bool any_ghost);
  void drawParts(VkCommandBuffer cmd, bool (*include)(PartStyle)) const;
  // Draws ImGui's draw data into the slot's UI texture (recreated when the size changes); once per frame.
  core::Status recordUiTexture(VkCommandBuffer cmd, FrameSlot& slot, const FrameDesc& frame);
  // Places the frame's UI texture into a view's target (screen overlay or world quad).
  void recordUiComposite(VkCommandBuffer cmd, const FrameSlot& slot, RenderTarget& target, const ViewSetup& view,
                         const FrameDesc& frame);
  void shutdownUi();  // releases the ImGui backend (process-global) if this renderer initialised it
};


}  // namespace rivet::render

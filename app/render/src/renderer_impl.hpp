// Private to app/render: the renderer's internal state (Renderer::Impl), render targets and shared constants.
#pragma once

#include <vulkan/vulkan.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rivet/render/renderer.hpp"
#include "vk_util.hpp"

namespace rivet::render {

inline constexpr VkFormat kColorFormat = VK_FORMAT_R8G8B8A8_SRGB;       // targets: sRGB-encoded storage, linear blending
inline constexpr VkFormat kColorUnormFormat = VK_FORMAT_R8G8B8A8_UNORM; // UI view of the same bytes (ImGui blends in sRGB)
inline constexpr VkFormat kDepthFormat = VK_FORMAT_D32_SFLOAT;
inline constexpr VkFormat kIdFormat = VK_FORMAT_R32G32B32A32_UINT;  // part index + 1, packed view normal, view depth
inline constexpr VkFormat kMaskFormat = VK_FORMAT_R8_UNORM;
inline constexpr std::uint32_t kMaxTargets = 64;
inline constexpr std::uint32_t kMaxUiTargetsPerFrame = 8;  // ImGui backend vertex buffers cycle over this many slots
inline constexpr int kMaxTargetSize = 16384;
inline constexpr float kDarkGreyLinear = 0.0212f;          // sRGB 40/255

static_assert(sizeof(content::PackedVertex) == 12, "vertex layout must match model.vert (pipelines.cpp vertex input)");

enum ModelMode : int { kModeNormal = 0, kModeGhost = 1, kModeHighlightVisible = 2, kModeHighlightOccluded = 3 };

struct ViewConstants {
  std::array<float, 16> mvp;
  std::array<float, 16> model_view;
};
static_assert(sizeof(ViewConstants) == 128, "push constants are limited to 128 bytes");

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
  bool color_write = true;
  std::uint32_t color_attachments = 1;
  VkCullModeFlags cull = VK_CULL_MODE_NONE;
};


// One render target: the renderer's own images for every pass, plus the external image when imported.
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
  vk::Framebuffer ui_fb;
  VkDescriptorSet set = VK_NULL_HANDLE;  // background, id
  vk::ImageAlloc background;
  vk::BufferAlloc background_staging;  // host-visible, reused while the size fits
  bool background_pending = false;     // staged pixels not yet copied into `background`
  bool has_background = false;
  bool rendered = false;
  vk::BufferAlloc readback;     // host-visible, width*height*4 bytes
  VkImage external = VK_NULL_HANDLE;
  VkFormat external_format = VK_FORMAT_UNDEFINED;
  vk::ImageAlloc readback_image;  // imported targets: external image converted back to R8G8B8A8_SRGB
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
  VkCommandBuffer frame_cmd = VK_NULL_HANDLE;  // freed with the pool
  vk::Fence frame_fence;
  vk::Sampler linear_sampler;
  vk::Sampler nearest_sampler;
  vk::DescriptorSetLayout frame_set_layout;   // set 0: frame params (UBO), part styles (SSBO)
  vk::DescriptorSetLayout target_set_layout;  // set 1: background, id
  vk::PipelineLayout layout;
  vk::DescriptorPool descriptor_pool;
  VkDescriptorSet frame_set = VK_NULL_HANDLE;
  vk::BufferAlloc frame_params;
  vk::BufferAlloc part_styles;

  vk::RenderPass id_pass;
  vk::RenderPass scene_pass;
  vk::RenderPass overlay_pass;
  vk::RenderPass ui_pass;
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

  vk::BufferAlloc vertex_buffer;
  vk::BufferAlloc index_buffer;
  std::vector<content::Part> parts;
  std::array<float, 3> bounds_min{0, 0, 0};  // of all vertices, model coordinates
  std::array<float, 3> bounds_max{0, 0, 0};
  core::Mat4f dequantize;  // unorm vertex position (0..1 per axis) -> model coordinates (content::Quantization)
  bool has_model = false;
  std::vector<PartStyle> styles;  // of the last frame, one per part

  std::vector<std::unique_ptr<RenderTarget>> targets;

  struct MaskTarget {
    int width = 0;
    int height = 0;
    vk::ImageAlloc image;
    vk::Framebuffer fb;
    vk::BufferAlloc readback;
  } mask;

  bool ui_ready = false;
  vk::DescriptorPool ui_pool;
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
  core::Result<int> addTarget(int width, int height, VkImage external, VkFormat external_format);
  core::Status writeStyles(const std::vector<PartStyle>& frame_styles);
  // Push constants of one view: the model's dequantisation folded into both matrices (model.vert).
  [[nodiscard]] ViewConstants viewConstants(const ViewSetup& view) const;
  core::Status uploadBackground(RenderTarget& t, const core::Image& image);
  void recordBackgroundUpload(VkCommandBuffer cmd, RenderTarget& t);
  void recordView(VkCommandBuffer cmd, RenderTarget& target, const ViewSetup& view, const FrameDesc& frame,
                  bool draw_model, bool any_highlight, bool any_ghost);
  void drawParts(VkCommandBuffer cmd, bool (*include)(PartStyle)) const;
  void shutdownUi();  // releases the ImGui backend (process-global) if this renderer initialised it
};


}  // namespace rivet::render

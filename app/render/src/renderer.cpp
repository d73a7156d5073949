// Offscreen Vulkan renderer: device setup, targets, model/background/outline/ImGui passes, readback and masks.
#include "rivet/render/renderer.hpp"

#include <vulkan/vulkan.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "backends/imgui_impl_vulkan.h"
#include "imgui.h"
#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"
#include "vk_util.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RIVET_RENDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RIVET_RENDER_ASAN 1
#endif
#if defined(RIVET_RENDER_ASAN)
#include <dlfcn.h>
#include <link.h>
#endif

namespace rivet::render {
namespace {

#if defined(RIVET_RENDER_ASAN)
// LeakSanitizer reports at exit, after the Vulkan loader has unloaded the driver and layer libraries: their frames
// then have no module name and tests/lsan.supp cannot match the driver's own leaks. Keep those libraries mapped.
void pinVulkanLibraries() {
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void*) -> int {
        const char* name = info->dlpi_name;
        if (name != nullptr && (std::strstr(name, "libvulkan_") != nullptr || std::strstr(name, "libVkLayer_") != nullptr)) {
          dlopen(name, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);  // handle kept on purpose
        }
        return 0;
      },
      nullptr);
}
#endif

constexpr VkFormat kColorFormat = VK_FORMAT_R8G8B8A8_SRGB;       // targets: sRGB-encoded storage, linear blending
constexpr VkFormat kColorUnormFormat = VK_FORMAT_R8G8B8A8_UNORM; // UI view of the same bytes (ImGui blends in sRGB)
constexpr VkFormat kDepthFormat = VK_FORMAT_D32_SFLOAT;
constexpr VkFormat kIdFormat = VK_FORMAT_R32G32B32A32_UINT;  // part index + 1, packed view normal, view depth
constexpr VkFormat kMaskFormat = VK_FORMAT_R8_UNORM;
constexpr std::uint32_t kMaxTargets = 64;
constexpr std::uint32_t kMaxUiTargetsPerFrame = 8;  // ImGui backend vertex buffers cycle over this many slots
constexpr int kMaxTargetSize = 16384;
constexpr float kDarkGreyLinear = 0.0212f;          // sRGB 40/255

static_assert(sizeof(content::Vertex) == 24, "vertex layout must match model.vert");

enum ModelMode : int { kModeNormal = 0, kModeGhost = 1, kModeHighlightVisible = 2, kModeHighlightOccluded = 3 };

struct ViewConstants {
  std::array<float, 16> mvp;
  std::array<float, 16> model_view;
};
static_assert(sizeof(ViewConstants) == 128, "push constants are limited to 128 bytes");

struct FrameParams {
  std::array<float, 4> params;  // opacity, time_s, any highlight, unused
};

std::atomic<std::uint64_t> g_process_validation_messages{0};

std::uint32_t styleCode(PartStyle style) { return static_cast<std::uint32_t>(style); }

VKAPI_ATTR VkBool32 VKAPI_CALL onDebugMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                              VkDebugUtilsMessageTypeFlagsEXT /*types*/,
                                              const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  auto* counter = static_cast<std::atomic<std::uint64_t>*>(user);
  counter->fetch_add(1);
  g_process_validation_messages.fetch_add(1);
  const std::string text = std::string("vulkan: ") + (data != nullptr && data->pMessage != nullptr ? data->pMessage : "?");
  if ((severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) != 0) {
    core::log::error(text);
  } else {
    core::log::warn(text);
  }
  return VK_FALSE;
}

void checkImGuiVkResult(VkResult result) {
  if (result != VK_SUCCESS) core::log::error(std::string("ImGui Vulkan backend: ") + vk::resultName(result));
}

bool hasLayer(const char* name) {
  std::uint32_t count = 0;
  vkEnumerateInstanceLayerProperties(&count, nullptr);
  std::vector<VkLayerProperties> layers(count);
  vkEnumerateInstanceLayerProperties(&count, layers.data());
  return std::any_of(layers.begin(), layers.end(),
                     [&](const VkLayerProperties& l) { return std::strcmp(l.layerName, name) == 0; });
}

bool hasInstanceExtension(const char* name, const char* layer = nullptr) {
  std::uint32_t count = 0;
  vkEnumerateInstanceExtensionProperties(layer, &count, nullptr);
  std::vector<VkExtensionProperties> extensions(count);
  vkEnumerateInstanceExtensionProperties(layer, &count, extensions.data());
  return std::any_of(extensions.begin(), extensions.end(),
                     [&](const VkExtensionProperties& e) { return std::strcmp(e.extensionName, name) == 0; });
}

bool isSupportedExternalFormat(VkFormat format) {
  return format == VK_FORMAT_R8G8B8A8_SRGB || format == VK_FORMAT_R8G8B8A8_UNORM ||
         format == VK_FORMAT_B8G8R8A8_SRGB || format == VK_FORMAT_B8G8R8A8_UNORM;
}

std::string targetWhere(int target) { return "render target " + std::to_string(target); }

// Which passes draw a part of a given style.
bool inDepthPass(PartStyle s) { return s == PartStyle::Normal || s == PartStyle::Highlight; }

// Pixel rectangle covering the projection of an axis-aligned box (plus `margin_px`), clamped to the target;
// the whole target when the box reaches behind the camera; empty when the box is off-screen.
VkRect2D projectedRect(const core::Mat4f& mvp, const std::array<float, 3>& lo, const std::array<float, 3>& hi,
                       std::uint32_t width, std::uint32_t height, float margin_px) {
  const VkRect2D full{{0, 0}, {width, height}};
  float min_x = 1e30f, min_y = 1e30f, max_x = -1e30f, max_y = -1e30f;
  for (int i = 0; i < 8; ++i) {
    const std::array<float, 4> p{(i & 1) != 0 ? hi[0] : lo[0], (i & 2) != 0 ? hi[1] : lo[1],
                                 (i & 4) != 0 ? hi[2] : lo[2], 1.0f};
    std::array<float, 4> clip{};
    for (int r = 0; r < 4; ++r) {
      for (int c = 0; c < 4; ++c) clip[static_cast<size_t>(r)] += mvp.at(r, c) * p[static_cast<size_t>(c)];
    }
    if (clip[3] <= 1e-6f) return full;
    const float x = (clip[0] / clip[3] + 1.0f) * 0.5f * static_cast<float>(width);
    const float y = (clip[1] / clip[3] + 1.0f) * 0.5f * static_cast<float>(height);
    min_x = std::min(min_x, x);
    max_x = std::max(max_x, x);
    min_y = std::min(min_y, y);
    max_y = std::max(max_y, y);
  }
  const float x0 = std::clamp(std::floor(min_x - margin_px), 0.0f, static_cast<float>(width));
  const float y0 = std::clamp(std::floor(min_y - margin_px), 0.0f, static_cast<float>(height));
  const float x1 = std::clamp(std::ceil(max_x + margin_px), 0.0f, static_cast<float>(width));
  const float y1 = std::clamp(std::ceil(max_y + margin_px), 0.0f, static_cast<float>(height));
  return {{static_cast<std::int32_t>(x0), static_cast<std::int32_t>(y0)},
          {static_cast<std::uint32_t>(x1 - x0), static_cast<std::uint32_t>(y1 - y0)}};
}

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

}  // namespace

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

  ~Impl() {
    if (device_owner.device != VK_NULL_HANDLE) vkDeviceWaitIdle(device_owner.device);
    shutdownUi();
  }

  core::Status init(const RendererOptions& options);
  core::Status createInstance(const RendererOptions& options);
  core::Status pickDevice(const RendererOptions& options);
  core::Status createDescriptors();
  core::Status createRenderPasses();
  core::Status createPipelines();
  core::Result<vk::Pipeline> createPipeline(const PipelineSpec& spec);
  core::Result<int> addTarget(int width, int height, VkImage external, VkFormat external_format);
  core::Status writeStyles(const std::vector<PartStyle>& frame_styles);
  core::Status uploadBackground(RenderTarget& t, const core::Image& image);
  void recordBackgroundUpload(VkCommandBuffer cmd, RenderTarget& t);
  void recordView(VkCommandBuffer cmd, RenderTarget& target, const ViewSetup& view, const FrameDesc& frame,
                  bool draw_model, bool any_highlight, bool any_ghost);
  void drawParts(VkCommandBuffer cmd, bool (*include)(PartStyle)) const;
  void shutdownUi() {
    if (!ui_ready) return;
    if (ImGui::GetCurrentContext() != nullptr && ImGui::GetIO().BackendRendererUserData != nullptr) {
      ImGui_ImplVulkan_Shutdown();
    } else {
      core::log::warn("render: ImGui context destroyed before Renderer::shutdownUi(); backend objects leaked");
    }
    ui_pool.reset();
    ui_ready = false;
  }
};

core::Status Renderer::Impl::init(const RendererOptions& options) {
  if (auto s = createInstance(options); !s) return s;
  if (auto s = pickDevice(options); !s) return s;
#if defined(RIVET_RENDER_ASAN)
  pinVulkanLibraries();
#endif
  if (auto s = createDescriptors(); !s) return s;
  if (auto s = createRenderPasses(); !s) return s;
  return createPipelines();
}

core::Status Renderer::Impl::createInstance(const RendererOptions& options) {
  const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
  std::vector<const char*> layers;
  std::vector<const char*> extensions;
  if (options.enable_validation) {
    if (!hasLayer(kValidationLayer)) {
      return core::makeError("Vulkan validation layer VK_LAYER_KHRONOS_validation is not installed", "render",
                             "install vulkan-validationlayers, or set RendererOptions::enable_validation = false");
    }
    if (!hasInstanceExtension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME)) {
      return core::makeError("Vulkan instance extension VK_EXT_debug_utils is missing", "render",
                             "update the Vulkan loader, or set RendererOptions::enable_validation = false");
    }
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "Rivet";
  app.applicationVersion = VK_MAKE_VERSION(0, 1, 0);
  app.pEngineName = "rivet-render";
  app.engineVersion = VK_MAKE_VERSION(0, 1, 0);
  app.apiVersion = VK_API_VERSION_1_1;

  VkDebugUtilsMessengerCreateInfoEXT messenger_info{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  messenger_info.messageSeverity =
      VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  messenger_info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  messenger_info.pfnUserCallback = onDebugMessage;
  messenger_info.pUserData = &validation_messages;

  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pApplicationInfo = &app;
  info.enabledLayerCount = static_cast<std::uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  const VkValidationFeatureEnableEXT sync_feature = VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
  VkValidationFeaturesEXT features{VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
  features.enabledValidationFeatureCount = 1;
  features.pEnabledValidationFeatures = &sync_feature;
  if (options.enable_validation) info.pNext = &messenger_info;  // also catches create/destroy-instance messages
  if (options.enable_validation && options.enable_sync_validation) {
    if (!hasInstanceExtension(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME, kValidationLayer)) {
      return core::makeError("the validation layer lacks VK_EXT_validation_features", "render",
                             "update vulkan-validationlayers, or set enable_sync_validation = false");
    }
    extensions.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
    info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
    info.ppEnabledExtensionNames = extensions.data();
    features.pNext = &messenger_info;
    info.pNext = &features;
  }
  const VkResult created = vkCreateInstance(&info, nullptr, &instance_owner.instance);
  if (created != VK_SUCCESS) {
    instance_owner.instance = VK_NULL_HANDLE;
    return core::makeError(std::string("cannot create a Vulkan instance: ") + vk::resultName(created), "render",
                           "install a Vulkan driver (mesa-vulkan-drivers provides lavapipe) and libvulkan1");
  }
  if (options.enable_validation) {
    auto create_messenger = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_owner.instance, "vkCreateDebugUtilsMessengerEXT"));
    if (create_messenger == nullptr) {
      return core::makeError("vkCreateDebugUtilsMessengerEXT is unavailable", "render",
                             "update the Vulkan loader, or disable validation");
    }
    RIVET_VK_TRY(create_messenger(instance_owner.instance, &messenger_info, nullptr, &instance_owner.messenger));
  }
  return {};
}

core::Status Renderer::Impl::pickDevice(const RendererOptions& options) {
  VkInstance instance = instance_owner.instance;
  std::uint32_t count = 0;
  RIVET_VK_TRY(vkEnumeratePhysicalDevices(instance, &count, nullptr));
  std::vector<VkPhysicalDevice> devices(count);
  RIVET_VK_TRY(vkEnumeratePhysicalDevices(instance, &count, devices.data()));
  int best_score = -1;
  std::uint32_t best_family = 0;
  for (VkPhysicalDevice candidate : devices) {
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(candidate, &props);
    std::uint32_t family_count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(candidate, &family_count, nullptr);
    std::vector<VkQueueFamilyProperties> families(family_count);
    vkGetPhysicalDeviceQueueFamilyProperties(candidate, &family_count, families.data());
    int family = -1;
    for (std::uint32_t f = 0; f < family_count; ++f) {
      if ((families[f].queueFlags & VK_QUEUE_GRAPHICS_BIT) != 0) {
        family = static_cast<int>(f);
        break;
      }
    }
    if (family < 0) continue;
    int score = 0;
    switch (props.deviceType) {
      case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: score = 40; break;
      case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: score = 30; break;
      case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: score = 20; break;
      case VK_PHYSICAL_DEVICE_TYPE_CPU: score = options.prefer_software ? 100 : 10; break;
      default: score = 5; break;
    }
    if (score > best_score) {
      best_score = score;
      ctx.physical = candidate;
      best_family = static_cast<std::uint32_t>(family);
      device_name = props.deviceName;
      const VkSampleCountFlags counts =
          props.limits.framebufferColorSampleCounts & props.limits.framebufferDepthSampleCounts;
      samples = (counts & VK_SAMPLE_COUNT_4_BIT) != 0 && options.msaa_samples >= 4 ? VK_SAMPLE_COUNT_4_BIT
                                                                                  : VK_SAMPLE_COUNT_1_BIT;
    }
  }
  if (ctx.physical == VK_NULL_HANDLE) {
    return core::makeError("no Vulkan device with a graphics queue", "render",
                           "install mesa-vulkan-drivers (lavapipe, CPU) or a GPU driver; check with vulkaninfo");
  }
  vkGetPhysicalDeviceMemoryProperties(ctx.physical, &ctx.memory);
  ctx.queue_family = best_family;

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = best_family;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  VkPhysicalDeviceFeatures features{};
  VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue_info;
  info.pEnabledFeatures = &features;
  RIVET_VK_TRY(vkCreateDevice(ctx.physical, &info, nullptr, &device_owner.device));
  ctx.device = device_owner.device;
  vkGetDeviceQueue(ctx.device, best_family, queue_index, &ctx.queue);

  VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool_info.queueFamilyIndex = best_family;
  VkCommandPool pool = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateCommandPool(ctx.device, &pool_info, nullptr, &pool));
  command_pool = vk::CommandPool(ctx.device, pool);
  ctx.command_pool = pool;
  VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  alloc.commandPool = pool;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  RIVET_VK_TRY(vkAllocateCommandBuffers(ctx.device, &alloc, &frame_cmd));
  VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence fence = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateFence(ctx.device, &fence_info, nullptr, &fence));
  frame_fence = vk::Fence(ctx.device, fence);
  core::log::info("render: using " + device_name + " (" + std::to_string(samples) + "x MSAA)");
  return {};
}

core::Status Renderer::Impl::createDescriptors() {
  VkDevice device = ctx.device;
  VkSamplerCreateInfo sampler_info{VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO};
  sampler_info.magFilter = VK_FILTER_LINEAR;
  sampler_info.minFilter = VK_FILTER_LINEAR;
  sampler_info.mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST;
  sampler_info.addressModeU = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  sampler_info.addressModeV = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  sampler_info.addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  sampler_info.maxLod = 0.0f;
  VkSampler sampler = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateSampler(device, &sampler_info, nullptr, &sampler));
  linear_sampler = vk::Sampler(device, sampler);
  sampler_info.magFilter = VK_FILTER_NEAREST;  // integer id images cannot be filtered
  sampler_info.minFilter = VK_FILTER_NEAREST;
  RIVET_VK_TRY(vkCreateSampler(device, &sampler_info, nullptr, &sampler));
  nearest_sampler = vk::Sampler(device, sampler);

  const std::array<VkDescriptorSetLayoutBinding, 2> frame_bindings{{
      {0, VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, 1, VK_SHADER_STAGE_FRAGMENT_BIT, nullptr},
      {1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_FRAGMENT_BIT, nullptr},
  }};
  const std::array<VkDescriptorSetLayoutBinding, 2> target_bindings{{
      {0, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 1, VK_SHADER_STAGE_FRAGMENT_BIT, nullptr},
      {1, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 1, VK_SHADER_STAGE_FRAGMENT_BIT, nullptr},
  }};
  VkDescriptorSetLayoutCreateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  set_info.bindingCount = static_cast<std::uint32_t>(frame_bindings.size());
  set_info.pBindings = frame_bindings.data();
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateDescriptorSetLayout(device, &set_info, nullptr, &set_layout));
  frame_set_layout = vk::DescriptorSetLayout(device, set_layout);
  set_info.bindingCount = static_cast<std::uint32_t>(target_bindings.size());
  set_info.pBindings = target_bindings.data();
  RIVET_VK_TRY(vkCreateDescriptorSetLayout(device, &set_info, nullptr, &set_layout));
  target_set_layout = vk::DescriptorSetLayout(device, set_layout);

  const std::array<VkDescriptorSetLayout, 2> set_layouts{frame_set_layout.get(), target_set_layout.get()};
  const VkPushConstantRange push{VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof(ViewConstants)};
  VkPipelineLayoutCreateInfo layout_info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout_info.setLayoutCount = static_cast<std::uint32_t>(set_layouts.size());
  layout_info.pSetLayouts = set_layouts.data();
  layout_info.pushConstantRangeCount = 1;
  layout_info.pPushConstantRanges = &push;
  VkPipelineLayout pipeline_layout = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreatePipelineLayout(device, &layout_info, nullptr, &pipeline_layout));
  layout = vk::PipelineLayout(device, pipeline_layout);

  const std::array<VkDescriptorPoolSize, 3> sizes{{
      {VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, 1},
      {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1},
      {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 2 * kMaxTargets},
  }};
  VkDescriptorPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pool_info.maxSets = 1 + kMaxTargets;
  pool_info.poolSizeCount = static_cast<std::uint32_t>(sizes.size());
  pool_info.pPoolSizes = sizes.data();
  VkDescriptorPool pool = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateDescriptorPool(device, &pool_info, nullptr, &pool));
  descriptor_pool = vk::DescriptorPool(device, pool);

  VkDescriptorSetAllocateInfo alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  alloc.descriptorPool = pool;
  alloc.descriptorSetCount = 1;
  const VkDescriptorSetLayout frame_layout = frame_set_layout.get();
  alloc.pSetLayouts = &frame_layout;
  RIVET_VK_TRY(vkAllocateDescriptorSets(device, &alloc, &frame_set));

  auto params = vk::createBuffer(ctx, sizeof(FrameParams), VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT, true);
  if (!params) return params.error();
  frame_params = std::move(*params);
  return writeStyles({});
}

// Uploads one style per part (missing => Normal) into the SSBO, growing it (and rewriting set 0) when needed.
core::Status Renderer::Impl::writeStyles(const std::vector<PartStyle>& frame_styles) {
  const size_t count = std::max<size_t>(parts.size(), 1);
  const VkDeviceSize bytes = count * sizeof(std::uint32_t);
  if (!part_styles.buffer || part_styles.size < bytes) {
    auto buffer = vk::createBuffer(ctx, bytes, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, true);
    if (!buffer) return buffer.error();
    part_styles = std::move(*buffer);
    const VkDescriptorBufferInfo params_info{frame_params.buffer.get(), 0, sizeof(FrameParams)};
    const VkDescriptorBufferInfo styles_info{part_styles.buffer.get(), 0, VK_WHOLE_SIZE};
    std::array<VkWriteDescriptorSet, 2> writes{};
    for (auto& w : writes) {
      w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      w.dstSet = frame_set;
      w.descriptorCount = 1;
    }
    writes[0].dstBinding = 0;
    writes[0].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER;
    writes[0].pBufferInfo = &params_info;
    writes[1].dstBinding = 1;
    writes[1].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[1].pBufferInfo = &styles_info;
    vkUpdateDescriptorSets(ctx.device, static_cast<std::uint32_t>(writes.size()), writes.data(), 0, nullptr);
  }
  // A Normal part takes the style of its nearest styled assembly ancestor: only ancestors without triangles of
  // their own (assembly nodes) pass their style down, so styling "gearbox" styles its pieces, while styling one link
  // of a kinematic chain (each link the parent of the next) styles that link only. Explicit child styles win.
  styles.assign(parts.size(), PartStyle::Normal);
  for (size_t i = 0; i < parts.size(); ++i) {
    PartStyle style = i < frame_styles.size() ? frame_styles[i] : PartStyle::Normal;
    int parent = parts[i].parent;
    for (size_t depth = 0; style == PartStyle::Normal && parent >= 0 && depth < parts.size(); ++depth) {
      const auto p = static_cast<size_t>(parent);
      if (p < frame_styles.size() && parts[p].index_count == 0) style = frame_styles[p];
      parent = parts[p].parent;
    }
    styles[i] = style;
  }
  auto* out = static_cast<std::uint32_t*>(part_styles.mapped);
  out[0] = 0;
  for (size_t i = 0; i < styles.size(); ++i) out[i] = styleCode(styles[i]);
  return {};
}

core::Status Renderer::Impl::createRenderPasses() {
  VkDevice device = ctx.device;
  auto attachment = [](VkFormat format, VkSampleCountFlagBits sample_count, VkAttachmentLoadOp load,
                       VkAttachmentStoreOp store, VkImageLayout initial, VkImageLayout final_layout) {
    VkAttachmentDescription a{};
    a.format = format;
    a.samples = sample_count;
    a.loadOp = load;
    a.storeOp = store;
    a.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
    a.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
    a.initialLayout = initial;
    a.finalLayout = final_layout;
    return a;
  };
  constexpr VkPipelineStageFlags kAttachmentStages = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT |
                                                     VK_PIPELINE_STAGE_EARLY_FRAGMENT_TESTS_BIT |
                                                     VK_PIPELINE_STAGE_LATE_FRAGMENT_TESTS_BIT;
  constexpr VkAccessFlags kAttachmentAccess =
      VK_ACCESS_COLOR_ATTACHMENT_READ_BIT | VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT |
      VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_READ_BIT | VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT;
  // Incoming: earlier attachment writes, transfers (readback, blits, uploads) and shader reads of the same images.
  const VkSubpassDependency incoming{VK_SUBPASS_EXTERNAL,
                                     0,
                                     kAttachmentStages | VK_PIPELINE_STAGE_TRANSFER_BIT |
                                         VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                                     kAttachmentStages | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                                     VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT |
                                         VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                                     kAttachmentAccess | VK_ACCESS_SHADER_READ_BIT,
                                     0};
  // Outgoing: later shader reads (edge pass), attachment use (UI pass) and transfers (readback, blit).
  const VkSubpassDependency outgoing{0,
                                     VK_SUBPASS_EXTERNAL,
                                     kAttachmentStages,
                                     kAttachmentStages | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT |
                                         VK_PIPELINE_STAGE_TRANSFER_BIT,
                                     VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT | VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT,
                                     kAttachmentAccess | VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT,
                                     0};
  const std::array<VkSubpassDependency, 2> dependencies{incoming, outgoing};

  auto make = [&](const std::vector<VkAttachmentDescription>& attachments, const VkSubpassDescription& subpass,
                  vk::RenderPass& out) -> core::Status {
    VkRenderPassCreateInfo info{VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO};
    info.attachmentCount = static_cast<std::uint32_t>(attachments.size());
    info.pAttachments = attachments.data();
    info.subpassCount = 1;
    info.pSubpasses = &subpass;
    info.dependencyCount = static_cast<std::uint32_t>(dependencies.size());
    info.pDependencies = dependencies.data();
    VkRenderPass pass = VK_NULL_HANDLE;
    RIVET_VK_TRY(vkCreateRenderPass(device, &info, nullptr, &pass));
    out = vk::RenderPass(device, pass);
    return {};
  };

  {  // ID pass: part id, normal and depth in one texel (sampled by the edge pass), own depth buffer.
    const std::vector<VkAttachmentDescription> attachments{
        attachment(kIdFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_CLEAR, VK_ATTACHMENT_STORE_OP_STORE,
                   VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL),
        attachment(kDepthFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_CLEAR, VK_ATTACHMENT_STORE_OP_DONT_CARE,
                   VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL)};
    const VkAttachmentReference color{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    const VkAttachmentReference depth{1, VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL};
    VkSubpassDescription subpass{};
    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    subpass.colorAttachmentCount = 1;
    subpass.pColorAttachments = &color;
    subpass.pDepthStencilAttachment = &depth;
    if (auto s = make(attachments, subpass, id_pass); !s) return s;
  }
  {  // Scene pass: multisampled colour + depth, resolved into the target's colour image.
    std::vector<VkAttachmentDescription> attachments;
    const VkAttachmentReference color{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    const VkAttachmentReference depth{1, VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL};
    const VkAttachmentReference resolve{2, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription subpass{};
    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    subpass.colorAttachmentCount = 1;
    subpass.pColorAttachments = &color;
    subpass.pDepthStencilAttachment = &depth;
    if (samples != VK_SAMPLE_COUNT_1_BIT) {
      attachments.push_back(attachment(kColorFormat, samples, VK_ATTACHMENT_LOAD_OP_CLEAR,
                                       VK_ATTACHMENT_STORE_OP_DONT_CARE, VK_IMAGE_LAYOUT_UNDEFINED,
                                       VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL));
      subpass.pResolveAttachments = &resolve;
    } else {
      attachments.push_back(attachment(kColorFormat, samples, VK_ATTACHMENT_LOAD_OP_CLEAR, VK_ATTACHMENT_STORE_OP_STORE,
                                       VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL));
    }
    attachments.push_back(attachment(kDepthFormat, samples, VK_ATTACHMENT_LOAD_OP_CLEAR,
                                     VK_ATTACHMENT_STORE_OP_DONT_CARE, VK_IMAGE_LAYOUT_UNDEFINED,
                                     VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL));
    if (samples != VK_SAMPLE_COUNT_1_BIT) {
      attachments.push_back(attachment(kColorFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_DONT_CARE,
                                       VK_ATTACHMENT_STORE_OP_STORE, VK_IMAGE_LAYOUT_UNDEFINED,
                                       VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL));
    }
    if (auto s = make(attachments, subpass, scene_pass); !s) return s;
  }
  {  // Overlay pass: single-sample outlines on the resolved image (per-pixel work, so no multisampling needed).
    const std::vector<VkAttachmentDescription> attachments{
        attachment(kColorFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_LOAD, VK_ATTACHMENT_STORE_OP_STORE,
                   VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL)};
    const VkAttachmentReference color{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription subpass{};
    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    subpass.colorAttachmentCount = 1;
    subpass.pColorAttachments = &color;
    if (auto s = make(attachments, subpass, overlay_pass); !s) return s;
  }
  {  // UI pass: the target's colour image through its UNORM view, so ImGui's sRGB-space colours land unchanged.
    const std::vector<VkAttachmentDescription> attachments{
        attachment(kColorUnormFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_LOAD, VK_ATTACHMENT_STORE_OP_STORE,
                   VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL)};
    const VkAttachmentReference color{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription subpass{};
    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    subpass.colorAttachmentCount = 1;
    subpass.pColorAttachments = &color;
    if (auto s = make(attachments, subpass, ui_pass); !s) return s;
  }
  {  // Mask pass: single-sample coverage, left ready for the copy to host memory.
    const std::vector<VkAttachmentDescription> attachments{
        attachment(kMaskFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_CLEAR, VK_ATTACHMENT_STORE_OP_STORE,
                   VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL)};
    const VkAttachmentReference color{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription subpass{};
    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    subpass.colorAttachmentCount = 1;
    subpass.pColorAttachments = &color;
    if (auto s = make(attachments, subpass, mask_pass); !s) return s;
  }
  return {};
}

core::Result<vk::Pipeline> Renderer::Impl::createPipeline(const PipelineSpec& spec) {
  std::array<VkPipelineShaderStageCreateInfo, 2> stages{};
  const VkSpecializationMapEntry spec_entry{0, 0, sizeof(int)};
  const VkSpecializationInfo spec_info{1, &spec_entry, sizeof(int), &spec.mode};
  stages[0] = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  stages[0].stage = VK_SHADER_STAGE_VERTEX_BIT;
  stages[0].module = spec.vert;
  stages[0].pName = "main";
  std::uint32_t stage_count = 1;
  if (spec.frag != VK_NULL_HANDLE) {
    stages[1] = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    stages[1].stage = VK_SHADER_STAGE_FRAGMENT_BIT;
    stages[1].module = spec.frag;
    stages[1].pName = "main";
    if (spec.mode >= 0) stages[1].pSpecializationInfo = &spec_info;
    stage_count = 2;
  }
  const VkVertexInputBindingDescription binding{0, sizeof(content::Vertex), VK_VERTEX_INPUT_RATE_VERTEX};
  const std::array<VkVertexInputAttributeDescription, 2> attributes{{
      {0, 0, VK_FORMAT_R32G32B32_SFLOAT, 0},
      {1, 0, VK_FORMAT_R32G32B32_SFLOAT, 12},
  }};
  VkPipelineVertexInputStateCreateInfo vertex_input{VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO};
  if (spec.model_vertices) {
    vertex_input.vertexBindingDescriptionCount = 1;
    vertex_input.pVertexBindingDescriptions = &binding;
    vertex_input.vertexAttributeDescriptionCount = static_cast<std::uint32_t>(attributes.size());
    vertex_input.pVertexAttributeDescriptions = attributes.data();
  }
  VkPipelineInputAssemblyStateCreateInfo assembly{VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO};
  assembly.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST;
  VkPipelineViewportStateCreateInfo viewport{VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO};
  viewport.viewportCount = 1;
  viewport.scissorCount = 1;
  VkPipelineRasterizationStateCreateInfo raster{VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO};
  raster.polygonMode = VK_POLYGON_MODE_FILL;
  raster.cullMode = spec.cull;
  // OpenCV camera frame + y-down Vulkan NDC: outward CCW triangles stay counter-clockwise in framebuffer space.
  raster.frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE;
  raster.lineWidth = 1.0f;
  VkPipelineMultisampleStateCreateInfo multisample{VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO};
  multisample.rasterizationSamples = spec.samples;
  VkPipelineDepthStencilStateCreateInfo depth{VK_STRUCTURE_TYPE_PIPELINE_DEPTH_STENCIL_STATE_CREATE_INFO};
  depth.depthTestEnable = spec.depth_test ? VK_TRUE : VK_FALSE;
  depth.depthWriteEnable = spec.depth_write ? VK_TRUE : VK_FALSE;
  depth.depthCompareOp = spec.depth_compare;
  std::array<VkPipelineColorBlendAttachmentState, 2> blends{};
  for (auto& b : blends) {
    b.blendEnable = spec.blend ? VK_TRUE : VK_FALSE;
    b.srcColorBlendFactor = VK_BLEND_FACTOR_SRC_ALPHA;
    b.dstColorBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA;
    b.colorBlendOp = VK_BLEND_OP_ADD;
    b.srcAlphaBlendFactor = VK_BLEND_FACTOR_ONE;
    b.dstAlphaBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA;
    b.alphaBlendOp = VK_BLEND_OP_ADD;
    b.colorWriteMask = spec.color_write ? (VK_COLOR_COMPONENT_R_BIT | VK_COLOR_COMPONENT_G_BIT |
                                           VK_COLOR_COMPONENT_B_BIT | VK_COLOR_COMPONENT_A_BIT)
                                        : 0;
  }
  VkPipelineColorBlendStateCreateInfo blend{VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO};
  blend.attachmentCount = spec.color_attachments;
  blend.pAttachments = blends.data();
  const std::array<VkDynamicState, 2> dynamic_states{VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR};
  VkPipelineDynamicStateCreateInfo dynamic{VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO};
  dynamic.dynamicStateCount = static_cast<std::uint32_t>(dynamic_states.size());
  dynamic.pDynamicStates = dynamic_states.data();

  VkGraphicsPipelineCreateInfo info{VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO};
  info.stageCount = stage_count;
  info.pStages = stages.data();
  info.pVertexInputState = &vertex_input;
  info.pInputAssemblyState = &assembly;
  info.pViewportState = &viewport;
  info.pRasterizationState = &raster;
  info.pMultisampleState = &multisample;
  info.pDepthStencilState = &depth;
  info.pColorBlendState = &blend;
  info.pDynamicState = &dynamic;
  info.layout = layout.get();
  info.renderPass = spec.pass;
  info.subpass = 0;
  VkPipeline pipeline = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateGraphicsPipelines(ctx.device, VK_NULL_HANDLE, 1, &info, nullptr, &pipeline));
  return vk::Pipeline(ctx.device, pipeline);
}

core::Status Renderer::Impl::createPipelines() {
  auto model_vert = vk::createShader(ctx.device, "model.vert");
  auto model_frag = vk::createShader(ctx.device, "model.frag");
  auto id_frag = vk::createShader(ctx.device, "id.frag");
  auto mask_frag = vk::createShader(ctx.device, "mask.frag");
  auto fullscreen_vert = vk::createShader(ctx.device, "fullscreen.vert");
  auto background_frag = vk::createShader(ctx.device, "background.frag");
  auto edge_frag = vk::createShader(ctx.device, "edge.frag");
  auto depth_frag = vk::createShader(ctx.device, "depth.frag");
  for (const auto* shader : {&model_vert, &model_frag, &id_frag, &mask_frag, &fullscreen_vert, &background_frag,
                             &edge_frag, &depth_frag}) {
    if (!*shader) return shader->error();
  }
  struct Job {
    vk::Pipeline* out;
    PipelineSpec spec;
  };
  PipelineSpec scene;
  scene.pass = scene_pass.get();
  scene.samples = samples;
  scene.vert = model_vert->get();
  scene.frag = model_frag->get();
  scene.depth_test = true;
  scene.blend = true;

  std::vector<Job> jobs;
  {
    PipelineSpec s = scene;
    s.model_vertices = false;
    s.vert = fullscreen_vert->get();
    s.frag = background_frag->get();
    s.depth_test = false;
    s.blend = false;
    jobs.push_back({&background_pipeline, s});
    s.frag = edge_frag->get();
    s.blend = true;
    s.pass = overlay_pass.get();
    s.samples = VK_SAMPLE_COUNT_1_BIT;
    jobs.push_back({&edge_pipeline, s});
  }
  {
    PipelineSpec s = scene;
    s.frag = depth_frag->get();
    s.depth_write = true;
    s.depth_compare = VK_COMPARE_OP_LESS;
    s.blend = false;
    s.color_write = false;
    jobs.push_back({&prepass_pipeline, s});
  }
  {
    PipelineSpec s = scene;
    s.mode = kModeNormal;
    s.depth_compare = VK_COMPARE_OP_LESS_OR_EQUAL;  // after the pre-pass only the front-most surface passes
    jobs.push_back({&normal_pipeline, s});
    s.mode = kModeHighlightVisible;
    jobs.push_back({&highlight_visible_pipeline, s});
    s.mode = kModeGhost;
    jobs.push_back({&ghost_pipeline, s});
    s.mode = kModeHighlightOccluded;
    s.depth_compare = VK_COMPARE_OP_GREATER;
    s.cull = VK_CULL_MODE_BACK_BIT;
    jobs.push_back({&highlight_occluded_pipeline, s});
  }
  {
    PipelineSpec s;
    s.pass = id_pass.get();
    s.vert = model_vert->get();
    s.frag = id_frag->get();
    s.depth_test = true;
    s.depth_write = true;
    jobs.push_back({&id_pipeline, s});
    s.pass = mask_pass.get();
    s.frag = mask_frag->get();
    s.depth_test = false;
    s.depth_write = false;
    jobs.push_back({&mask_pipeline, s});
  }
  for (auto& job : jobs) {
    auto pipeline = createPipeline(job.spec);
    if (!pipeline) return pipeline.error();
    *job.out = std::move(*pipeline);
  }
  return {};
}

core::Result<int> Renderer::Impl::addTarget(int width, int height, VkImage external, VkFormat external_format) {
  if (width <= 0 || height <= 0 || width > kMaxTargetSize || height > kMaxTargetSize) {
    return core::makeError("render target size " + std::to_string(width) + "x" + std::to_string(height) +
                               " is out of range",
                           "render", "use a size between 1x1 and 16384x16384");
  }
  if (targets.size() >= kMaxTargets) {
    return core::makeError("too many render targets (at most 64)", "render", "reuse targets instead of creating new ones");
  }
  auto target = std::make_unique<RenderTarget>();
  target->width = width;
  target->height = height;
  target->external = external;
  target->external_format = external_format;
  const auto w = static_cast<std::uint32_t>(width);
  const auto h = static_cast<std::uint32_t>(height);
  auto make = [&](vk::ImageAlloc& out, const vk::ImageDesc& desc) -> core::Status {
    auto image = vk::createImage(ctx, desc);
    if (!image) return image.error();
    out = std::move(*image);
    return {};
  };
  vk::ImageDesc color{w, h, kColorFormat,
                      VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT,
                      VK_SAMPLE_COUNT_1_BIT, VK_IMAGE_ASPECT_COLOR_BIT, kColorUnormFormat, true};
  if (auto s = make(target->color, color); !s) return s.error();
  if (samples != VK_SAMPLE_COUNT_1_BIT) {
    vk::ImageDesc msaa{w, h, kColorFormat,
                       VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSIENT_ATTACHMENT_BIT, samples};
    if (auto s = make(target->msaa_color, msaa); !s) return s.error();
  }
  vk::ImageDesc depth{w, h, kDepthFormat, VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT, samples,
                      VK_IMAGE_ASPECT_DEPTH_BIT};
  if (auto s = make(target->depth, depth); !s) return s.error();
  depth.samples = VK_SAMPLE_COUNT_1_BIT;
  if (auto s = make(target->id_depth, depth); !s) return s.error();
  vk::ImageDesc id{w, h, kIdFormat, VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_SAMPLED_BIT};
  if (auto s = make(target->id, id); !s) return s.error();
  if (external != VK_NULL_HANDLE) {
    vk::ImageDesc back{w, h, kColorFormat, VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT};
    back.create_view = false;
    if (auto s = make(target->readback_image, back); !s) return s.error();
  }
  auto readback = vk::createBuffer(ctx, VkDeviceSize{w} * h * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
  if (!readback) return readback.error();
  target->readback = std::move(*readback);

  auto framebuffer = [&](VkRenderPass pass, const std::vector<VkImageView>& views,
                         vk::Framebuffer& out) -> core::Status {
    VkFramebufferCreateInfo info{VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO};
    info.renderPass = pass;
    info.attachmentCount = static_cast<std::uint32_t>(views.size());
    info.pAttachments = views.data();
    info.width = w;
    info.height = h;
    info.layers = 1;
    VkFramebuffer fb = VK_NULL_HANDLE;
    RIVET_VK_TRY(vkCreateFramebuffer(ctx.device, &info, nullptr, &fb));
    out = vk::Framebuffer(ctx.device, fb);
    return {};
  };
  if (auto s = framebuffer(id_pass.get(), {target->id.view.get(), target->id_depth.view.get()},
                           target->id_fb);
      !s) {
    return s.error();
  }
  std::vector<VkImageView> scene_views;
  if (samples != VK_SAMPLE_COUNT_1_BIT) {
    scene_views = {target->msaa_color.view.get(), target->depth.view.get(), target->color.view.get()};
  } else {
    scene_views = {target->color.view.get(), target->depth.view.get()};
  }
  if (auto s = framebuffer(scene_pass.get(), scene_views, target->scene_fb); !s) return s.error();
  if (auto s = framebuffer(overlay_pass.get(), {target->color.view.get()}, target->overlay_fb); !s) return s.error();
  if (auto s = framebuffer(ui_pass.get(), {target->color.alt_view.get()}, target->ui_fb); !s) return s.error();

  VkDescriptorSetAllocateInfo alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  alloc.descriptorPool = descriptor_pool.get();
  alloc.descriptorSetCount = 1;
  const VkDescriptorSetLayout set_layout = target_set_layout.get();
  alloc.pSetLayouts = &set_layout;
  RIVET_VK_TRY(vkAllocateDescriptorSets(ctx.device, &alloc, &target->set));
  const VkDescriptorImageInfo id_info{nearest_sampler.get(), target->id.view.get(),
                                      VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
  VkWriteDescriptorSet write{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
  write.dstSet = target->set;
  write.dstBinding = 1;
  write.descriptorCount = 1;
  write.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
  write.pImageInfo = &id_info;
  vkUpdateDescriptorSets(ctx.device, 1, &write, 0, nullptr);
  // Every descriptor must be valid while the set is bound (lavapipe reads them all), so start with a 1x1 texture.
  core::Image placeholder(1, 1, core::PixelFormat::Rgba8);
  placeholder.pixels = {40, 40, 40, 255};
  if (auto s = uploadBackground(*target, placeholder); !s) return s.error();
  targets.push_back(std::move(target));
  return static_cast<int>(targets.size() - 1);
}

void Renderer::Impl::drawParts(VkCommandBuffer cmd, bool (*include)(PartStyle)) const {
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].index_count == 0 || !include(styles[i])) continue;
    vkCmdDrawIndexed(cmd, parts[i].index_count, 1, parts[i].first_index, 0, static_cast<std::uint32_t>(i));
  }
}

void Renderer::Impl::recordView(VkCommandBuffer cmd, RenderTarget& target, const ViewSetup& view, const FrameDesc& frame,
                                bool draw_model, bool any_highlight, bool any_ghost) {
  const auto w = static_cast<std::uint32_t>(target.width);
  const auto h = static_cast<std::uint32_t>(target.height);
  const VkViewport viewport{0, 0, static_cast<float>(w), static_cast<float>(h), 0, 1};
  const VkRect2D area{{0, 0}, {w, h}};
  ViewConstants constants{};
  const core::Mat4f mvp = view.projection * view.T_view_model;
  constants.mvp = mvp.m;
  constants.model_view = view.T_view_model.m;
  const std::array<VkDescriptorSet, 2> sets{frame_set, target.set};
  // The outline pass is a full-screen fragment loop; confine it to where the model can be (outlines reach ~4 px out).
  const VkRect2D model_rect = projectedRect(mvp, bounds_min, bounds_max, w, h, 8.0f);
  const VkDeviceSize zero = 0;

  auto bindModel = [&] {
    vkCmdSetViewport(cmd, 0, 1, &viewport);
    vkCmdSetScissor(cmd, 0, 1, &area);
    vkCmdPushConstants(cmd, layout.get(), VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof(constants), &constants);
    const VkBuffer vb = vertex_buffer.buffer.get();
    vkCmdBindVertexBuffers(cmd, 0, 1, &vb, &zero);
    vkCmdBindIndexBuffer(cmd, index_buffer.buffer.get(), 0, VK_INDEX_TYPE_UINT32);
  };

  if (draw_model) {  // ID pass: what the outline pass looks at.
    std::array<VkClearValue, 2> clears{};
    clears[0].color.uint32[0] = 0;
    clears[1].depthStencil = {1.0f, 0};
    VkRenderPassBeginInfo begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    begin.renderPass = id_pass.get();
    begin.framebuffer = target.id_fb.get();
    begin.renderArea = area;
    begin.clearValueCount = static_cast<std::uint32_t>(clears.size());
    begin.pClearValues = clears.data();
    vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, layout.get(), 0, 1, &frame_set, 0, nullptr);
    bindModel();
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, id_pipeline.get());
    drawParts(cmd, inDepthPass);
    vkCmdEndRenderPass(cmd);
  }

  {  // Scene pass.
    std::array<VkClearValue, 3> clears{};
    const float grey = frame.transparent_background ? 0.0f : kDarkGreyLinear;
    clears[0].color = {{grey, grey, grey, frame.transparent_background ? 0.0f : 1.0f}};
    clears[1].depthStencil = {1.0f, 0};
    clears[2].color = clears[0].color;
    VkRenderPassBeginInfo begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    begin.renderPass = scene_pass.get();
    begin.framebuffer = target.scene_fb.get();
    begin.renderArea = area;
    begin.clearValueCount = samples != VK_SAMPLE_COUNT_1_BIT ? 3 : 2;
    begin.pClearValues = clears.data();
    vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
    vkCmdSetViewport(cmd, 0, 1, &viewport);
    vkCmdSetScissor(cmd, 0, 1, &area);
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, layout.get(), 0,
                            static_cast<std::uint32_t>(sets.size()), sets.data(), 0, nullptr);
    if (target.has_background) {
      vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, background_pipeline.get());
      vkCmdDraw(cmd, 3, 1, 0, 0);
    }
    if (draw_model) {
      bindModel();
      vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, prepass_pipeline.get());
      drawParts(cmd, inDepthPass);
      vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, normal_pipeline.get());
      drawParts(cmd, [](PartStyle s) { return s == PartStyle::Normal; });
      if (any_highlight) {
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, highlight_occluded_pipeline.get());
        drawParts(cmd, [](PartStyle s) { return s == PartStyle::Highlight; });
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, highlight_visible_pipeline.get());
        drawParts(cmd, [](PartStyle s) { return s == PartStyle::Highlight; });
      }
      if (any_ghost) {
        // Ghost parts last, with their own depth pre-pass: one faint layer where they are in front of everything.
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, prepass_pipeline.get());
        drawParts(cmd, [](PartStyle s) { return s == PartStyle::Ghost; });
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, ghost_pipeline.get());
        drawParts(cmd, [](PartStyle s) { return s == PartStyle::Ghost; });
      }
    }
    vkCmdEndRenderPass(cmd);
  }

  if (draw_model && model_rect.extent.width > 0 && model_rect.extent.height > 0) {
    VkRenderPassBeginInfo begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    begin.renderPass = overlay_pass.get();
    begin.framebuffer = target.overlay_fb.get();
    begin.renderArea = area;
    vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
    vkCmdSetViewport(cmd, 0, 1, &viewport);
    vkCmdSetScissor(cmd, 0, 1, &model_rect);
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, layout.get(), 0,
                            static_cast<std::uint32_t>(sets.size()), sets.data(), 0, nullptr);
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, edge_pipeline.get());
    vkCmdDraw(cmd, 3, 1, 0, 0);
    vkCmdEndRenderPass(cmd);
  }

  if (frame.draw_ui) {
    VkRenderPassBeginInfo begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    begin.renderPass = ui_pass.get();
    begin.framebuffer = target.ui_fb.get();
    begin.renderArea = area;
    vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
    ImGui_ImplVulkan_RenderDrawData(ImGui::GetDrawData(), cmd);
    vkCmdEndRenderPass(cmd);
  }

  vk::imageBarrier(cmd, target.color.image.get(), VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
                   VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                   VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
  if (target.external != VK_NULL_HANDLE) {
    // Contents are replaced entirely, so the external image's previous layout does not matter.
    vk::imageBarrier(cmd, target.external, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_UNDEFINED,
                     VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                     VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0,
                     VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    VkImageBlit blit{};
    blit.srcSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    blit.srcOffsets[1] = {target.width, target.height, 1};
    blit.dstSubresource = blit.srcSubresource;
    blit.dstOffsets[1] = blit.srcOffsets[1];
    vkCmdBlitImage(cmd, target.color.image.get(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, target.external,
                   VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &blit, VK_FILTER_NEAREST);
    vk::imageBarrier(cmd, target.external, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                     VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                     VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                     VK_ACCESS_COLOR_ATTACHMENT_READ_BIT | VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT);
  }
}

// Stages an Rgba8/Bgr8 image for the target's background texture (re-created when the size changes); the next
// renderFrame() that draws the target records the copy first. No GPU work is in flight between frames.
core::Status Renderer::Impl::uploadBackground(RenderTarget& t, const core::Image& image) {
  const auto w = static_cast<std::uint32_t>(image.width);
  const auto h = static_cast<std::uint32_t>(image.height);
  if (!t.background.image || t.background.width != w || t.background.height != h) {
    auto texture = vk::createImage(ctx, {w, h, kColorFormat,
                                           VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT});
    if (!texture) return texture.error();
    t.background = std::move(*texture);
    const VkDescriptorImageInfo info{linear_sampler.get(), t.background.view.get(),
                                     VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
    VkWriteDescriptorSet write{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    write.dstSet = t.set;
    write.dstBinding = 0;
    write.descriptorCount = 1;
    write.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
    write.pImageInfo = &info;
    vkUpdateDescriptorSets(ctx.device, 1, &write, 0, nullptr);
  }
  const VkDeviceSize bytes = VkDeviceSize{w} * h * 4;
  if (!t.background_staging.buffer || t.background_staging.size < bytes) {
    auto staging = vk::createBuffer(ctx, bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, true);
    if (!staging) return staging.error();
    t.background_staging = std::move(*staging);
  }
  auto* dst = static_cast<std::uint8_t*>(t.background_staging.mapped);
  if (image.format == core::PixelFormat::Rgba8) {
    for (int y = 0; y < image.height; ++y) std::memcpy(dst + size_t{w} * 4 * static_cast<size_t>(y), image.row(y), size_t{w} * 4);
  } else {
    for (int y = 0; y < image.height; ++y) {
      const std::uint8_t* src = image.row(y);
      std::uint8_t* out = dst + size_t{w} * 4 * static_cast<size_t>(y);
      for (std::uint32_t x = 0; x < w; ++x) {
        out[4 * x] = src[3 * x + 2];
        out[4 * x + 1] = src[3 * x + 1];
        out[4 * x + 2] = src[3 * x];
        out[4 * x + 3] = 255;
      }
    }
  }
  t.background_pending = true;
  return {};
}

// Records the staged background copy (whole image replaced, so the old contents are discarded).
void Renderer::Impl::recordBackgroundUpload(VkCommandBuffer cmd, RenderTarget& t) {
  const VkImage texture = t.background.image.get();
  vk::imageBarrier(cmd, texture, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_UNDEFINED,
                   VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0,
                   VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
  VkBufferImageCopy region{};
  region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.imageExtent = {t.background.width, t.background.height, 1};
  vkCmdCopyBufferToImage(cmd, t.background_staging.buffer.get(), texture, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1,
                         &region);
  vk::imageBarrier(cmd, texture, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                   VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                   VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
}

// ---------------------------------------------------------------------------------------------------------------

Renderer::Renderer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Renderer::~Renderer() = default;

core::Result<std::unique_ptr<Renderer>> Renderer::create(const RendererOptions& options) {
  auto impl = std::make_unique<Impl>();
  if (auto s = impl->init(options); !s) return s.error();
  return std::unique_ptr<Renderer>(new Renderer(std::move(impl)));
}

core::Result<int> Renderer::createOffscreenTarget(int width, int height) {
  return impl_->addTarget(width, height, VK_NULL_HANDLE, VK_FORMAT_UNDEFINED);
}

core::Result<int> Renderer::importTarget(std::uint64_t vk_image, std::uint32_t vk_format, int width, int height) {
  const auto format = static_cast<VkFormat>(vk_format);
  if (vk_image == 0) {
    return core::makeError("importTarget: the VkImage handle is null", "render", "pass a created VkImage");
  }
  if (!isSupportedExternalFormat(format)) {
    return core::makeError("importTarget: VkFormat " + std::to_string(vk_format) + " is not supported", "render",
                           "use VK_FORMAT_R8G8B8A8_SRGB/UNORM or VK_FORMAT_B8G8R8A8_SRGB/UNORM");
  }
  VkFormatProperties props;
  vkGetPhysicalDeviceFormatProperties(impl_->ctx.physical, format, &props);
  if ((props.optimalTilingFeatures & VK_FORMAT_FEATURE_BLIT_DST_BIT) == 0) {
    return core::makeError("importTarget: this device cannot blit into VkFormat " + std::to_string(vk_format),
                           "render", "pick another swapchain format (R8G8B8A8_SRGB is the most portable)");
  }
  return impl_->addTarget(width, height, reinterpret_cast<VkImage>(vk_image), format);
}

core::Status Renderer::setModel(const content::Model& model) {
  Impl& m = *impl_;
  if (model.vertices.empty() || model.indices.empty()) {
    return core::makeError("model has no triangles", "render: setModel", "load a model with vertices and indices");
  }
  if (model.indices.size() % 3 != 0) {
    return core::makeError("model index count " + std::to_string(model.indices.size()) + " is not a multiple of 3",
                           "render: setModel", "the model must be a triangle list");
  }
  const auto max_index = *std::max_element(model.indices.begin(), model.indices.end());
  if (max_index >= model.vertices.size()) {
    return core::makeError("model index " + std::to_string(max_index) + " points past the " +
                               std::to_string(model.vertices.size()) + " vertices",
                           "render: setModel", "re-import the model; its index buffer is corrupt");
  }
  for (size_t i = 0; i < model.parts.size(); ++i) {
    const auto& part = model.parts[i];
    if (part.parent < -1 || part.parent >= static_cast<int>(model.parts.size())) {
      return core::makeError("part " + std::to_string(i) + " ('" + part.id + "') has parent " +
                                 std::to_string(part.parent) + " but the model has " +
                                 std::to_string(model.parts.size()) + " parts",
                             "render: setModel", "re-import the model; its part hierarchy is corrupt");
    }
    if (std::uint64_t{part.first_index} + part.index_count > model.indices.size()) {
      return core::makeError("part " + std::to_string(i) + " ('" + part.id + "') index range [" +
                                 std::to_string(part.first_index) + ", +" + std::to_string(part.index_count) +
                                 ") exceeds the " + std::to_string(model.indices.size()) + " indices",
                             "render: setModel", "re-import the model; its part table is corrupt");
    }
  }
  RIVET_VK_TRY(vkDeviceWaitIdle(m.ctx.device));
  const VkDeviceSize vertex_bytes = model.vertices.size_bytes();
  const VkDeviceSize index_bytes = model.indices.size_bytes();
  auto staging = vk::createBuffer(m.ctx, vertex_bytes + index_bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, true);
  if (!staging) return staging.error();
  std::memcpy(staging->mapped, model.vertices.data(), vertex_bytes);
  std::memcpy(static_cast<std::uint8_t*>(staging->mapped) + vertex_bytes, model.indices.data(), index_bytes);
  auto vertices = vk::createBuffer(m.ctx, vertex_bytes,
                                   VK_BUFFER_USAGE_VERTEX_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT, false);
  if (!vertices) return vertices.error();
  auto indices = vk::createBuffer(m.ctx, index_bytes,
                                  VK_BUFFER_USAGE_INDEX_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT, false);
  if (!indices) return indices.error();
  const VkBuffer src = staging->buffer.get();
  const VkBuffer vb = vertices->buffer.get();
  const VkBuffer ib = indices->buffer.get();
  auto uploaded = vk::submitNow(m.ctx, [&](VkCommandBuffer cmd) {
    const VkBufferCopy vertex_copy{0, 0, vertex_bytes};
    const VkBufferCopy index_copy{vertex_bytes, 0, index_bytes};
    vkCmdCopyBuffer(cmd, src, vb, 1, &vertex_copy);
    vkCmdCopyBuffer(cmd, src, ib, 1, &index_copy);
    VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_VERTEX_ATTRIBUTE_READ_BIT | VK_ACCESS_INDEX_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_VERTEX_INPUT_BIT, 0, 1, &barrier, 0,
                         nullptr, 0, nullptr);
  });
  if (!uploaded) return uploaded;
  m.vertex_buffer = std::move(*vertices);
  m.index_buffer = std::move(*indices);
  m.parts = model.parts;
  m.bounds_min = model.vertices[0].position;
  m.bounds_max = model.vertices[0].position;
  for (const auto& v : model.vertices) {
    for (size_t k = 0; k < 3; ++k) {
      m.bounds_min[k] = std::min(m.bounds_min[k], v.position[k]);
      m.bounds_max[k] = std::max(m.bounds_max[k], v.position[k]);
    }
  }
  if (m.parts.empty()) {  // a model without a part table is one part
    content::Part whole;
    whole.id = "model";
    whole.index_count = static_cast<std::uint32_t>(model.indices.size());
    m.parts.push_back(whole);
  }
  m.has_model = true;
  return m.writeStyles({});
}

core::Status Renderer::setBackground(int target, const core::Image& image) {
  Impl& m = *impl_;
  if (target < 0 || static_cast<size_t>(target) >= m.targets.size()) {
    return core::makeError("no such render target", targetWhere(target), "use an id from createOffscreenTarget/importTarget");
  }
  if (image.empty() || (image.format != core::PixelFormat::Rgba8 && image.format != core::PixelFormat::Bgr8) ||
      image.pixels.size() < image.stride() * static_cast<size_t>(image.height)) {
    return core::makeError("background image must be a non-empty Rgba8 or Bgr8 image", targetWhere(target),
                           "convert the camera frame to Rgba8 or Bgr8 first");
  }
  if (image.width > kMaxTargetSize || image.height > kMaxTargetSize) {
    return core::makeError("background image is larger than 16384 pixels", targetWhere(target), "downscale it");
  }
  RenderTarget& t = *m.targets[static_cast<size_t>(target)];
  if (auto s = m.uploadBackground(t, image); !s) return s;
  t.has_background = true;
  return {};
}

void Renderer::clearBackground(int target) {
  if (target >= 0 && static_cast<size_t>(target) < impl_->targets.size()) {
    impl_->targets[static_cast<size_t>(target)]->has_background = false;
  }
}

core::Status Renderer::initUi() {
  Impl& m = *impl_;
  if (ImGui::GetCurrentContext() == nullptr) {
    return core::makeError("initUi: no ImGui context", "render", "call ImGui::CreateContext() before initUi()");
  }
  if (m.ui_ready) return {};
  if (ImGui::GetIO().BackendRendererUserData != nullptr) {
    return core::makeError("initUi: this ImGui context already has a renderer backend", "render",
                           "only one Renderer may draw a given ImGui context; shut the other one down first");
  }
  const VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 4};
  VkDescriptorPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pool_info.maxSets = 4;
  pool_info.poolSizeCount = 1;
  pool_info.pPoolSizes = &size;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateDescriptorPool(m.ctx.device, &pool_info, nullptr, &pool));
  m.ui_pool = vk::DescriptorPool(m.ctx.device, pool);

  ImGui_ImplVulkan_InitInfo info{};
  info.Instance = m.instance_owner.instance;
  info.PhysicalDevice = m.ctx.physical;
  info.Device = m.ctx.device;
  info.QueueFamily = m.ctx.queue_family;
  info.Queue = m.ctx.queue;
  info.PipelineCache = VK_NULL_HANDLE;
  info.DescriptorPool = pool;
  info.Subpass = 0;
  info.MinImageCount = 2;
  info.ImageCount = kMaxUiTargetsPerFrame;
  info.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
  info.Allocator = nullptr;
  info.CheckVkResultFn = checkImGuiVkResult;
  if (!ImGui_ImplVulkan_Init(&info, m.ui_pass.get())) {
    m.ui_pool.reset();
    return core::makeError("ImGui Vulkan backend failed to initialise", "render", "see the log for Vulkan errors");
  }
  m.ui_ready = true;
  auto uploaded = vk::submitNow(m.ctx, [](VkCommandBuffer cmd) { ImGui_ImplVulkan_CreateFontsTexture(cmd); });
  ImGui_ImplVulkan_DestroyFontUploadObjects();
  if (!uploaded) {
    m.shutdownUi();
    return uploaded;
  }
  return {};
}

void Renderer::shutdownUi() {
  if (impl_->ctx.device != VK_NULL_HANDLE) vkDeviceWaitIdle(impl_->ctx.device);
  impl_->shutdownUi();
}

core::Status Renderer::renderFrame(const FrameDesc& frame) {
  Impl& m = *impl_;
  const core::Stopwatch total;
  if (frame.views.empty()) {
    return core::makeError("frame has no views", "render: renderFrame", "add one ViewSetup per target to draw");
  }
  std::vector<bool> used(m.targets.size(), false);
  for (const auto& view : frame.views) {
    if (view.target < 0 || static_cast<size_t>(view.target) >= m.targets.size()) {
      return core::makeError("view refers to a render target that does not exist", targetWhere(view.target),
                             "create the target with createOffscreenTarget/importTarget first");
    }
    if (used[static_cast<size_t>(view.target)]) {
      return core::makeError("two views render into the same target", targetWhere(view.target),
                             "give each view its own target");
    }
    used[static_cast<size_t>(view.target)] = true;
    const auto finite = [](const core::Mat4f& matrix) {
      return std::all_of(matrix.m.begin(), matrix.m.end(), [](float v) { return std::isfinite(v); });
    };
    if (!finite(view.T_view_model) || !finite(view.projection)) {
      return core::makeError("view matrix contains NaN or infinity", targetWhere(view.target),
                             "check the pose (T_camera_machine) and camera intrinsics before rendering");
    }
  }
  if (m.has_model && frame.part_styles.size() > m.parts.size()) {
    return core::makeError("frame has " + std::to_string(frame.part_styles.size()) + " part styles but the model has " +
                               std::to_string(m.parts.size()) + " parts",
                           "render: renderFrame", "pass at most one style per model part");
  }
  if (frame.draw_ui) {
    if (!m.ui_ready) {
      return core::makeError("draw_ui is set but the UI is not initialised", "render: renderFrame",
                             "call Renderer::initUi() once after creating the ImGui context");
    }
    const ImDrawData* draw_data = ImGui::GetCurrentContext() != nullptr ? ImGui::GetDrawData() : nullptr;
    if (draw_data == nullptr || !draw_data->Valid) {
      return core::makeError("draw_ui is set but there is no ImGui draw data", "render: renderFrame",
                             "call ImGui::Render() before renderFrame()");
    }
    if (frame.views.size() > kMaxUiTargetsPerFrame) {
      return core::makeError("the UI can be drawn into at most 8 targets per frame", "render: renderFrame",
                             "draw the UI into fewer views");
    }
  }
  if (auto s = m.writeStyles(frame.part_styles); !s) return s;
  const bool any_highlight =
      std::any_of(m.styles.begin(), m.styles.end(), [](PartStyle s) { return s == PartStyle::Highlight; });
  const bool any_ghost = std::any_of(m.styles.begin(), m.styles.end(), [](PartStyle s) { return s == PartStyle::Ghost; });
  FrameParams params{{frame.model_opacity, static_cast<float>(frame.time_s), any_highlight ? 1.0f : 0.0f, 0.0f}};
  std::memcpy(m.frame_params.mapped, &params, sizeof(params));
  const bool draw_model = frame.model_visible && m.has_model;

  const core::Stopwatch record;
  RIVET_VK_TRY(vkResetCommandBuffer(m.frame_cmd, 0));
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  RIVET_VK_TRY(vkBeginCommandBuffer(m.frame_cmd, &begin));
  for (const auto& view : frame.views) {
    RenderTarget& t = *m.targets[static_cast<size_t>(view.target)];
    if (t.background_pending) m.recordBackgroundUpload(m.frame_cmd, t);
  }
  for (const auto& view : frame.views) {
    m.recordView(m.frame_cmd, *m.targets[static_cast<size_t>(view.target)], view, frame, draw_model, any_highlight,
                 any_ghost);
  }
  RIVET_VK_TRY(vkEndCommandBuffer(m.frame_cmd));
  m.stats.record_ms = record.elapsedMs();

  const core::Stopwatch wait;
  const VkFence fence = m.frame_fence.get();
  RIVET_VK_TRY(vkResetFences(m.ctx.device, 1, &fence));
  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &m.frame_cmd;
  RIVET_VK_TRY(vkQueueSubmit(m.ctx.queue, 1, &submit, fence));
  RIVET_VK_TRY(vkWaitForFences(m.ctx.device, 1, &fence, VK_TRUE, UINT64_MAX));
  m.stats.submit_wait_ms = wait.elapsedMs();
  for (const auto& view : frame.views) {
    m.targets[static_cast<size_t>(view.target)]->rendered = true;
    m.targets[static_cast<size_t>(view.target)]->background_pending = false;
  }
  m.stats.total_ms = total.elapsedMs();
  return {};
}

core::Result<core::Image> Renderer::readback(int target) {
  Impl& m = *impl_;
  if (target < 0 || static_cast<size_t>(target) >= m.targets.size()) {
    return core::makeError("no such render target", targetWhere(target), "use an id from createOffscreenTarget/importTarget");
  }
  RenderTarget& t = *m.targets[static_cast<size_t>(target)];
  if (!t.rendered) {
    return core::makeError("target has not been rendered yet", targetWhere(target), "call renderFrame() first");
  }
  const auto w = static_cast<std::uint32_t>(t.width);
  const auto h = static_cast<std::uint32_t>(t.height);
  auto copied = vk::submitNow(m.ctx, [&](VkCommandBuffer cmd) {
    VkImage source = t.color.image.get();
    if (t.external != VK_NULL_HANDLE) {
      // Read what is really in the external image: blit it (format conversion included) into R8G8B8A8_SRGB.
      vk::imageBarrier(cmd, t.external, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
                       VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                       VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_ACCESS_TRANSFER_READ_BIT);
      vk::imageBarrier(cmd, t.readback_image.image.get(), VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_UNDEFINED,
                       VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT, 0,
                       VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
      VkImageBlit blit{};
      blit.srcSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
      blit.srcOffsets[1] = {t.width, t.height, 1};
      blit.dstSubresource = blit.srcSubresource;
      blit.dstOffsets[1] = blit.srcOffsets[1];
      vkCmdBlitImage(cmd, t.external, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, t.readback_image.image.get(),
                     VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &blit, VK_FILTER_NEAREST);
      vk::imageBarrier(cmd, t.external, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                       VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT, 0,
                       VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT, 0);
      vk::imageBarrier(cmd, t.readback_image.image.get(), VK_IMAGE_ASPECT_COLOR_BIT,
                       VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                       VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_ACCESS_TRANSFER_READ_BIT);
      source = t.readback_image.image.get();
    }
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {w, h, 1};
    vkCmdCopyImageToBuffer(cmd, source, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, t.readback.buffer.get(), 1, &region);
    VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr,
                         0, nullptr);
  });
  if (!copied) return copied.error();
  core::Image out(t.width, t.height, core::PixelFormat::Rgba8);
  std::memcpy(out.pixels.data(), t.readback.mapped, out.pixels.size());
  return out;
}

core::Result<core::Image> Renderer::renderMask(const ViewSetup& view, int width, int height) {
  Impl& m = *impl_;
  if (!m.has_model) {
    return core::makeError("renderMask: no model", "render", "call setModel() first");
  }
  if (width <= 0 || height <= 0 || width > kMaxTargetSize || height > kMaxTargetSize) {
    return core::makeError("renderMask: size " + std::to_string(width) + "x" + std::to_string(height) +
                               " is out of range",
                           "render", "use a size between 1x1 and 16384x16384");
  }
  auto& mask = m.mask;
  const auto w = static_cast<std::uint32_t>(width);
  const auto h = static_cast<std::uint32_t>(height);
  if (mask.width != width || mask.height != height) {
    mask = {};
    auto image = vk::createImage(m.ctx, {w, h, kMaskFormat,
                                         VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT});
    if (!image) return image.error();
    mask.image = std::move(*image);
    const VkImageView view_handle = mask.image.view.get();
    VkFramebufferCreateInfo info{VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO};
    info.renderPass = m.mask_pass.get();
    info.attachmentCount = 1;
    info.pAttachments = &view_handle;
    info.width = w;
    info.height = h;
    info.layers = 1;
    VkFramebuffer fb = VK_NULL_HANDLE;
    RIVET_VK_TRY(vkCreateFramebuffer(m.ctx.device, &info, nullptr, &fb));
    mask.fb = vk::Framebuffer(m.ctx.device, fb);
    auto buffer = vk::createBuffer(m.ctx, VkDeviceSize{w} * h, VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
    if (!buffer) return buffer.error();
    mask.readback = std::move(*buffer);
    mask.width = width;
    mask.height = height;
  }
  ViewConstants constants{};
  constants.mvp = (view.projection * view.T_view_model).m;
  constants.model_view = view.T_view_model.m;
  auto drawn = vk::submitNow(m.ctx, [&](VkCommandBuffer cmd) {
    VkClearValue clear{};
    const VkRect2D area{{0, 0}, {w, h}};
    VkRenderPassBeginInfo begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    begin.renderPass = m.mask_pass.get();
    begin.framebuffer = mask.fb.get();
    begin.renderArea = area;
    begin.clearValueCount = 1;
    begin.pClearValues = &clear;
    vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
    const VkViewport viewport{0, 0, static_cast<float>(w), static_cast<float>(h), 0, 1};
    vkCmdSetViewport(cmd, 0, 1, &viewport);
    vkCmdSetScissor(cmd, 0, 1, &area);
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, m.mask_pipeline.get());
    vkCmdPushConstants(cmd, m.layout.get(), VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof(constants), &constants);
    const VkBuffer vb = m.vertex_buffer.buffer.get();
    const VkDeviceSize zero = 0;
    vkCmdBindVertexBuffers(cmd, 0, 1, &vb, &zero);
    vkCmdBindIndexBuffer(cmd, m.index_buffer.buffer.get(), 0, VK_INDEX_TYPE_UINT32);
    m.drawParts(cmd, [](PartStyle s) { return s != PartStyle::Hidden; });
    vkCmdEndRenderPass(cmd);
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {w, h, 1};
    vkCmdCopyImageToBuffer(cmd, mask.image.image.get(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                           mask.readback.buffer.get(), 1, &region);
    VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr,
                         0, nullptr);
  });
  if (!drawn) return drawn.error();
  core::Image out(width, height, core::PixelFormat::Gray8);
  const auto* src = static_cast<const std::uint8_t*>(mask.readback.mapped);
  for (size_t i = 0; i < out.pixels.size(); ++i) out.pixels[i] = src[i] >= 128 ? 255 : 0;
  return out;
}

std::uint64_t processValidationMessageCount() { return g_process_validation_messages.load(); }

std::uint64_t Renderer::validationMessageCount() const { return impl_->validation_messages.load(); }
std::string Renderer::deviceName() const { return impl_->device_name; }
int Renderer::msaaSamples() const { return static_cast<int>(impl_->samples); }
FrameStats Renderer::lastFrameStats() const { return impl_->stats; }

NativeHandles Renderer::nativeHandles() const {
  NativeHandles h;
  h.instance = reinterpret_cast<std::uint64_t>(impl_->instance_owner.instance);
  h.physical_device = reinterpret_cast<std::uint64_t>(impl_->ctx.physical);
  h.device = reinterpret_cast<std::uint64_t>(impl_->ctx.device);
  h.queue_family = impl_->ctx.queue_family;
  h.queue_index = impl_->queue_index;
  return h;
}

core::Result<std::uint64_t> Renderer::createExternalImageForTest(int width, int height, std::uint32_t vk_format) {
  if (width <= 0 || height <= 0 || !isSupportedExternalFormat(static_cast<VkFormat>(vk_format))) {
    return core::makeError("createExternalImageForTest: bad size or format", "render", "use an RGBA/BGRA 8-bit format");
  }
  auto image = vk::createImage(impl_->ctx, {static_cast<std::uint32_t>(width), static_cast<std::uint32_t>(height),
                                            static_cast<VkFormat>(vk_format),
                                            VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT |
                                                VK_IMAGE_USAGE_TRANSFER_DST_BIT,
                                            VK_SAMPLE_COUNT_1_BIT, VK_IMAGE_ASPECT_COLOR_BIT, VK_FORMAT_UNDEFINED,
                                            false});
  if (!image) return image.error();
  const auto handle = reinterpret_cast<std::uint64_t>(image->image.get());
  impl_->test_images.push_back(std::move(*image));
  return handle;
}

}  // namespace rivet::render

// Vulkan instance (validation layer + message counter), physical device choice, device, queue and command pool.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "renderer_impl.hpp"
#include "rivet/core/log.hpp"

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

std::atomic<std::uint64_t> g_process_validation_messages{0};

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

}  // namespace

std::atomic<std::uint64_t>& processValidationCounter() { return g_process_validation_messages; }

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

}  // namespace rivet::render

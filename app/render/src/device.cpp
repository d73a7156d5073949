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

std::vector<std::string> deviceExtensions(VkPhysicalDevice device) {
  std::uint32_t count = 0;
  vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> extensions(count);
  vkEnumerateDeviceExtensionProperties(device, nullptr, &count, extensions.data());
  std::vector<std::string> names;
  names.reserve(extensions.size());
  for (const auto& e : extensions) names.emplace_back(e.extensionName);
  return names;
}

std::string versionText(std::uint32_t version) {
  return std::to_string(VK_API_VERSION_MAJOR(version)) + "." + std::to_string(VK_API_VERSION_MINOR(version));
}

// Appends `name` unless it is already there.
void addUnique(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

// What is wrong with `device` for the renderer ("" when it fits): graphics queue, API version, extensions.
struct DeviceFit {
  std::string problem;
  std::uint32_t graphics_family = 0;
};
DeviceFit checkDevice(VkPhysicalDevice device, std::uint32_t api_version, const std::vector<std::string>& extensions) {
  DeviceFit fit;
  VkPhysicalDeviceProperties props;
  vkGetPhysicalDeviceProperties(device, &props);
  const std::string name = std::string("Vulkan device '") + props.deviceName + "'";
  std::uint32_t family_count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device, &family_count, nullptr);
  std::vector<VkQueueFamilyProperties> families(family_count);
  vkGetPhysicalDeviceQueueFamilyProperties(device, &family_count, families.data());
  const auto graphics = std::find_if(families.begin(), families.end(), [](const VkQueueFamilyProperties& f) {
    return (f.queueFlags & VK_QUEUE_GRAPHICS_BIT) != 0;
  });
  if (graphics == families.end()) {
    fit.problem = name + " has no graphics queue";
    return fit;
  }
  fit.graphics_family = static_cast<std::uint32_t>(graphics - families.begin());
  if (props.apiVersion < api_version) {
    fit.problem = name + " supports Vulkan " + versionText(props.apiVersion) + ", below the required " +
                  versionText(api_version);
    return fit;
  }
  const std::vector<std::string> available = deviceExtensions(device);
  for (const auto& wanted : extensions) {
    if (std::find(available.begin(), available.end(), wanted) == available.end()) {
      fit.problem = name + " lacks device extension " + wanted;
      return fit;
    }
  }
  return fit;
}

}  // namespace

std::atomic<std::uint64_t>& processValidationCounter() { return g_process_validation_messages; }

core::Status Renderer::Impl::init(const RendererOptions& options) {
  const core::Status instance = createInstance(options);
#if defined(RIVET_RENDER_ASAN)
  pinVulkanLibraries();  // also when creation failed part-way: the driver and layers may already have leaked
#endif
  if (!instance) return instance;
  if (auto s = pickDevice(options); !s) return s;
  if (auto s = createDescriptors(); !s) return s;
  if (auto s = createRenderPasses(); !s) return s;
  return createPipelines();
}

core::Status Renderer::Impl::createInstance(const RendererOptions& options) {
  const DeviceRequirements& req = options.requirements;
  const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
  std::vector<const char*> layers;
  std::vector<std::string> extension_names;
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
    extension_names.emplace_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }
  for (const auto& name : req.instance_extensions) {
    const bool in_layer = options.enable_validation && hasInstanceExtension(name.c_str(), kValidationLayer);
    if (!hasInstanceExtension(name.c_str()) && !in_layer) {
      return core::makeError("Vulkan instance extension " + name + " is not available (Vulkan loader and drivers)",
                             "render",
                             "install the Vulkan driver that provides it (surfaces: a windowing-system driver such "
                             "as mesa-vulkan-drivers), or do not request it");
    }
    addUnique(extension_names, name);
  }
  surface_enabled = std::find(req.instance_extensions.begin(), req.instance_extensions.end(),
                              std::string(VK_KHR_SURFACE_EXTENSION_NAME)) != req.instance_extensions.end();
  api_version = std::max(req.min_api_version, kVulkanApiVersion1_1);
  std::uint32_t loader_version = VK_API_VERSION_1_0;
  vkEnumerateInstanceVersion(&loader_version);
  if (loader_version < api_version) {
    return core::makeError("the Vulkan loader supports Vulkan " + versionText(loader_version) + ", below the required " +
                               versionText(api_version),
                           "render", "update libvulkan1, or lower DeviceRequirements::min_api_version");
  }
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "Rivet";
  app.applicationVersion = VK_MAKE_VERSION(0, 1, 0);
  app.pEngineName = "rivet-render";
  app.engineVersion = VK_MAKE_VERSION(0, 1, 0);
  app.apiVersion = api_version;

  VkDebugUtilsMessengerCreateInfoEXT messenger_info{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  messenger_info.messageSeverity =
      VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  messenger_info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  messenger_info.pfnUserCallback = onDebugMessage;
  messenger_info.pUserData = &validation_messages;

  const VkValidationFeatureEnableEXT sync_feature = VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
  VkValidationFeaturesEXT features{VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
  features.enabledValidationFeatureCount = 1;
  features.pEnabledValidationFeatures = &sync_feature;
  const void* next = nullptr;
  if (options.enable_validation) next = &messenger_info;  // also catches create/destroy-instance messages
  if (options.enable_validation && options.enable_sync_validation) {
    if (!hasInstanceExtension(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME, kValidationLayer)) {
      return core::makeError("the validation layer lacks VK_EXT_validation_features", "render",
                             "update vulkan-validationlayers, or set enable_sync_validation = false");
    }
    addUnique(extension_names, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
    features.pNext = &messenger_info;
    next = &features;
  }
  std::vector<const char*> extensions;
  extensions.reserve(extension_names.size());
  for (const auto& name : extension_names) extensions.push_back(name.c_str());
  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pNext = next;
  info.pApplicationInfo = &app;
  info.enabledLayerCount = static_cast<std::uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  if (req.create_instance) {
    auto created = req.create_instance(&info);
    if (!created) {
      core::Error e = created.error();
      e.message = "DeviceRequirements::create_instance failed: " + e.message;
      return e;
    }
    if (*created == 0) {
      return core::makeError("DeviceRequirements::create_instance returned a null VkInstance", "render",
                             "return the VkInstance the runtime created (xrCreateVulkanInstanceKHR)");
    }
    instance_owner.instance = reinterpret_cast<VkInstance>(*created);
  } else {
    const VkResult created = vkCreateInstance(&info, nullptr, &instance_owner.instance);
    if (created != VK_SUCCESS) {
      instance_owner.instance = VK_NULL_HANDLE;
      return core::makeError(std::string("cannot create a Vulkan instance: ") + vk::resultName(created), "render",
                             "install a Vulkan driver (mesa-vulkan-drivers provides lavapipe) and libvulkan1");
    }
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
  const DeviceRequirements& req = options.requirements;
  VkInstance instance = instance_owner.instance;
  std::vector<std::string> extension_names = req.device_extensions;
  if (surface_enabled) addUnique(extension_names, VK_KHR_SWAPCHAIN_EXTENSION_NAME);
  std::uint32_t count = 0;
  RIVET_VK_TRY(vkEnumeratePhysicalDevices(instance, &count, nullptr));
  std::vector<VkPhysicalDevice> devices(count);
  RIVET_VK_TRY(vkEnumeratePhysicalDevices(instance, &count, devices.data()));
  if (req.physical_device != 0 && req.select_physical_device) {
    return core::makeError("both DeviceRequirements::physical_device and select_physical_device are set", "render",
                           "set one of them");
  }
  std::uint64_t wanted = req.physical_device;
  if (req.select_physical_device) {
    wanted = req.select_physical_device(reinterpret_cast<std::uint64_t>(instance));
    if (wanted == 0) {
      return core::makeError("DeviceRequirements::select_physical_device returned no VkPhysicalDevice", "render",
                             "return the device the runtime wants (xrGetVulkanGraphicsDevice2KHR)");
    }
  }
  if (wanted != 0) {
    const auto forced = reinterpret_cast<VkPhysicalDevice>(wanted);
    if (std::find(devices.begin(), devices.end(), forced) == devices.end()) {
      return core::makeError("the requested VkPhysicalDevice is not one of this VkInstance's devices", "render",
                             "pass a handle from vkEnumeratePhysicalDevices on the instance the renderer uses");
    }
    devices = {forced};
  }
  int best_score = -1;
  std::uint32_t best_family = 0;
  std::vector<std::string> problems;
  for (VkPhysicalDevice candidate : devices) {
    const DeviceFit fit = checkDevice(candidate, api_version, extension_names);
    if (!fit.problem.empty()) {
      problems.push_back(fit.problem);
      continue;
    }
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(candidate, &props);
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
      best_family = fit.graphics_family;
      device_name = props.deviceName;
      const VkSampleCountFlags counts =
          props.limits.framebufferColorSampleCounts & props.limits.framebufferDepthSampleCounts;
      samples = (counts & VK_SAMPLE_COUNT_4_BIT) != 0 && options.msaa_samples >= 4 ? VK_SAMPLE_COUNT_4_BIT
                                                                                  : VK_SAMPLE_COUNT_1_BIT;
    }
  }
  if (ctx.physical == VK_NULL_HANDLE) {
    if (devices.empty()) {
      return core::makeError("no Vulkan device", "render",
                             "install mesa-vulkan-drivers (lavapipe, CPU) or a GPU driver; check with vulkaninfo");
    }
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    return core::makeError(all, "render",
                           wanted != 0 ? "use a device that provides what DeviceRequirements asks for"
                                       : "install a driver whose device provides it (check with vulkaninfo), or "
                                         "relax DeviceRequirements");
  }
  vkGetPhysicalDeviceMemoryProperties(ctx.physical, &ctx.memory);
  ctx.queue_family = best_family;

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = best_family;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  VkPhysicalDeviceFeatures features{};
  std::vector<const char*> extensions;
  extensions.reserve(extension_names.size());
  for (const auto& name : extension_names) extensions.push_back(name.c_str());
  VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue_info;
  info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  info.pEnabledFeatures = &features;
  if (req.create_device) {
    auto created = req.create_device(reinterpret_cast<std::uint64_t>(ctx.physical), &info);
    if (!created) {
      core::Error e = created.error();
      e.message = "DeviceRequirements::create_device failed: " + e.message;
      return e;
    }
    if (*created == 0) {
      return core::makeError("DeviceRequirements::create_device returned a null VkDevice", "render",
                             "return the VkDevice the runtime created (xrCreateVulkanDeviceKHR)");
    }
    device_owner.device = reinterpret_cast<VkDevice>(*created);
  } else {
    RIVET_VK_TRY(vkCreateDevice(ctx.physical, &info, nullptr, &device_owner.device));
  }
  swapchain_enabled = std::find(extension_names.begin(), extension_names.end(),
                                std::string(VK_KHR_SWAPCHAIN_EXTENSION_NAME)) != extension_names.end();
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
  for (FrameSlot& slot : slots) {  // one command buffer and fence per frame in flight
    RIVET_VK_TRY(vkAllocateCommandBuffers(ctx.device, &alloc, &slot.cmd));
    VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VkFence fence = VK_NULL_HANDLE;
    RIVET_VK_TRY(vkCreateFence(ctx.device, &fence_info, nullptr, &fence));
    slot.fence = vk::Fence(ctx.device, fence);
  }
  core::log::info("render: using " + device_name + " (" + std::to_string(samples) + "x MSAA)");
  return {};
}

}  // namespace rivet::render

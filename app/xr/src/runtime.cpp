// OpenXR runtime wrapper: instance (XR_KHR_vulkan_enable2), system, session state machine, swapchains, actions.
#include "rivet/xr/runtime.hpp"

#include <dlfcn.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <mutex>

#include <vulkan/vulkan.h>
#define XR_USE_GRAPHICS_API_VULKAN
#define XR_USE_TIMESPEC
#include <openxr/openxr.h>
#include <openxr/openxr_platform.h>

#include "xr_handles.hpp"

namespace rivet::xr {

namespace {

constexpr const char* kCoreValidation = "XR_APILAYER_LUNARG_core_validation";

std::atomic<std::uint64_t> g_messages{0};

XRAPI_ATTR XrBool32 XRAPI_CALL debugCallback(XrDebugUtilsMessageSeverityFlagsEXT severity,
                                              XrDebugUtilsMessageTypeFlagsEXT /*types*/,
                                              const XrDebugUtilsMessengerCallbackDataEXT* data, void* /*user*/) {
  if ((severity & (XR_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | XR_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT)) != 0) {
    ++g_messages;
    std::fprintf(stderr, "openxr validation: %s: %s\n", data->functionName ? data->functionName : "?",
                 data->message ? data->message : "");
  }
  return XR_FALSE;
}

core::Pose toPose(const XrPosef& p) {
  const double x = p.orientation.x, y = p.orientation.y, z = p.orientation.z, w = p.orientation.w;
  core::Pose out;
  out.R.m = {1 - 2 * (y * y + z * z), 2 * (x * y - z * w),     2 * (x * z + y * w),
             2 * (x * y + z * w),     1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
             2 * (x * z - y * w),     2 * (y * z + x * w),     1 - 2 * (x * x + y * y)};
  out.t = {p.position.x, p.position.y, p.position.z};
  return out;
}

XrPosef toXr(const core::Pose& pose) {
  const auto& m = pose.R;
  double w, x, y, z;
  const double tr = m(0, 0) + m(1, 1) + m(2, 2);
  if (tr > 0) {
    const double s = std::sqrt(tr + 1.0) * 2;
    w = 0.25 * s;
    x = (m(2, 1) - m(1, 2)) / s;
    y = (m(0, 2) - m(2, 0)) / s;
    z = (m(1, 0) - m(0, 1)) / s;
  } else if (m(0, 0) > m(1, 1) && m(0, 0) > m(2, 2)) {
    const double s = std::sqrt(1.0 + m(0, 0) - m(1, 1) - m(2, 2)) * 2;
    w = (m(2, 1) - m(1, 2)) / s;
    x = 0.25 * s;
    y = (m(0, 1) + m(1, 0)) / s;
    z = (m(0, 2) + m(2, 0)) / s;
  } else if (m(1, 1) > m(2, 2)) {
    const double s = std::sqrt(1.0 + m(1, 1) - m(0, 0) - m(2, 2)) * 2;
    w = (m(0, 2) - m(2, 0)) / s;
    x = (m(0, 1) + m(1, 0)) / s;
    y = 0.25 * s;
    z = (m(1, 2) + m(2, 1)) / s;
  } else {
    const double s = std::sqrt(1.0 + m(2, 2) - m(0, 0) - m(1, 1)) * 2;
    w = (m(1, 0) - m(0, 1)) / s;
    x = (m(0, 2) + m(2, 0)) / s;
    y = (m(1, 2) + m(2, 1)) / s;
    z = 0.25 * s;
  }
  const double n = std::sqrt(w * w + x * x + y * y + z * z);
  XrPosef out{};
  out.orientation = {static_cast<float>(x / n), static_cast<float>(y / n), static_cast<float>(z / n),
                     static_cast<float>(w / n)};
  out.position = {static_cast<float>(pose.t.x), static_cast<float>(pose.t.y), static_cast<float>(pose.t.z)};
  return out;
}

bool poseValid(XrSpaceLocationFlags flags) {
  return (flags & XR_SPACE_LOCATION_ORIENTATION_VALID_BIT) != 0 && (flags & XR_SPACE_LOCATION_POSITION_VALID_BIT) != 0;
}

const char* stateName(XrSessionState s) {
  switch (s) {
    case XR_SESSION_STATE_IDLE: return "idle";
    case XR_SESSION_STATE_READY: return "ready";
    case XR_SESSION_STATE_SYNCHRONIZED: return "synchronized";
    case XR_SESSION_STATE_VISIBLE: return "visible";
    case XR_SESSION_STATE_FOCUSED: return "focused";
    case XR_SESSION_STATE_STOPPING: return "stopping";
    case XR_SESSION_STATE_LOSS_PENDING: return "loss_pending";
    case XR_SESSION_STATE_EXITING: return "exiting";
    default: return "unknown";
  }
}

template <typename Fn>
Fn proc(XrInstance instance, const char* name) {
  PFN_xrVoidFunction f = nullptr;
  if (XR_FAILED(xrGetInstanceProcAddr(instance, name, &f))) return nullptr;
  return reinterpret_cast<Fn>(f);
}

// Keeps the active runtime's library mapped for the whole process (RTLD_NODELETE): runtimes are not made to be
// unloaded and loaded again, and a leak report after exit can then name the runtime's own allocations.
void pinRuntimeLibrary() {
  const char* env = std::getenv("XR_RUNTIME_JSON");
  const std::filesystem::path manifest = env != nullptr ? env : "/etc/xdg/openxr/1/active_runtime.json";
  std::ifstream in(manifest);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  const size_t key = s.find("\"library_path\"");
  const size_t colon = key == std::string::npos ? key : s.find(':', key);
  const size_t open = colon == std::string::npos ? colon : s.find('"', colon);
  const size_t close = open == std::string::npos ? open : s.find('"', open + 1);
  if (close == std::string::npos) return;
  std::filesystem::path lib = s.substr(open + 1, close - open - 1);
  if (lib.is_relative() && lib.has_parent_path()) lib = manifest.parent_path() / lib;
  (void)dlopen(lib.c_str(), RTLD_NOW | RTLD_NODELETE);
}

}  // namespace

std::vector<BlendMode> blendModesFromXr(const std::vector<std::int32_t>& xr_modes) {
  std::vector<BlendMode> out;
  for (const auto m : xr_modes) {
    if (m == XR_ENVIRONMENT_BLEND_MODE_OPAQUE) out.push_back(BlendMode::Opaque);
    if (m == XR_ENVIRONMENT_BLEND_MODE_ADDITIVE) out.push_back(BlendMode::Additive);
    if (m == XR_ENVIRONMENT_BLEND_MODE_ALPHA_BLEND) out.push_back(BlendMode::AlphaBlend);
  }
  return out;
}

struct Runtime::Impl {
  RuntimeOptions options;
  Instance instance;
  XrSystemId system = XR_NULL_SYSTEM_ID;
  std::string runtime_name, system_name;
  std::vector<std::string> extensions;
  std::vector<BlendMode> blend_modes;
  BlendChoice blend;
  std::vector<XrViewConfigurationView> view_configs;
  bool has_timespec = false, has_debug = false;
  XrDebugUtilsMessengerEXT messenger = XR_NULL_HANDLE;
  std::uint32_t vk_min_api = VK_API_VERSION_1_1;

  PFN_xrCreateVulkanInstanceKHR createVkInstance = nullptr;
  PFN_xrCreateVulkanDeviceKHR createVkDevice = nullptr;
  PFN_xrGetVulkanGraphicsDevice2KHR getVkDevice = nullptr;
  PFN_xrConvertTimespecTimeToTimeKHR toXrTime = nullptr;
  PFN_xrConvertTimeToTimespecTimeKHR fromXrTime = nullptr;
  PFN_xrDestroyDebugUtilsMessengerEXT destroyMessenger = nullptr;

  // Session and what depends on it (recreated on LOSS_PENDING).
  VulkanBinding binding;
  int panel_width = 0, panel_height = 0;
  Session session;
  Space app_space, view_space;
  std::string space_name;
  XrSessionState state = XR_SESSION_STATE_UNKNOWN;
  bool running = false;
  std::vector<Swapchain> eye_chains;
  std::vector<SwapchainInfo> eye_infos;
  Swapchain panel_chain;
  SwapchainInfo panel_info;
  ActionSet action_set;
  XrAction select_action = XR_NULL_HANDLE, aim_action = XR_NULL_HANDLE;
  std::array<XrPath, 2> hand_paths{};
  std::array<Space, 2> aim_spaces;
  std::array<std::string, 2> profiles;
  // The frame begun: views as located (for the projection layer) and which images are held.
  std::vector<XrView> views;
  bool images_acquired = false;
  mutable std::mutex session_mutex;  // headAt() runs on the camera thread; the session may be recreated meanwhile

  core::Error fail(XrResult r, const std::string& what) const {
    char name[XR_MAX_RESULT_STRING_SIZE] = "";
    if (instance) xrResultToString(instance.get(), r, name);
    if (name[0] == '\0') std::snprintf(name, sizeof name, "XrResult %d", static_cast<int>(r));
    return core::makeError(what + " failed: " + name, "openxr", hint(r));
  }
  static std::string hint(XrResult r) {
    switch (r) {
      case XR_ERROR_RUNTIME_UNAVAILABLE:
      case XR_ERROR_RUNTIME_FAILURE:
        return "install an OpenXR runtime or point XR_RUNTIME_JSON at one (tests: the headless Monado the test command builds)";
      case XR_ERROR_FORM_FACTOR_UNAVAILABLE: return "connect and switch on the headset, then start again";
      case XR_ERROR_API_LAYER_NOT_PRESENT: return "install openxr-layer-corevalidation or run without validation";
      default: return "";
    }
  }

  core::Status createSwapchains();
  core::Status createActions();
  core::Status createSession();
  void destroySession();
};

#define RIVET_XR(call, what)                                 \
  do {                                                       \
    const XrResult rivet_xr_r = (call);                      \
    if (XR_FAILED(rivet_xr_r)) return m.fail(rivet_xr_r, what); \
  } while (0)

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Runtime::~Runtime() {
  if (!impl_) return;
  impl_->destroySession();
  if (impl_->messenger != XR_NULL_HANDLE && impl_->destroyMessenger) impl_->destroyMessenger(impl_->messenger);
}

core::Result<std::unique_ptr<Runtime>> Runtime::create(const RuntimeOptions& options) {
  auto impl = std::make_unique<Impl>();
  Impl& m = *impl;
  m.options = options;

  std::vector<const char*> layers;
  std::vector<std::string> layer_names;
  if (options.core_validation) {
    std::uint32_t n = 0;
    RIVET_XR(xrEnumerateApiLayerProperties(0, &n, nullptr), "xrEnumerateApiLayerProperties");
    std::vector<XrApiLayerProperties> props(n, {XR_TYPE_API_LAYER_PROPERTIES, nullptr, {}, 0, 0, {}});
    RIVET_XR(xrEnumerateApiLayerProperties(n, &n, props.data()), "xrEnumerateApiLayerProperties");
    const bool found = std::any_of(props.begin(), props.end(), [](const auto& p) { return std::strcmp(p.layerName, kCoreValidation) == 0; });
    if (!found) return m.fail(XR_ERROR_API_LAYER_NOT_PRESENT, std::string("enabling ") + kCoreValidation);
    layers.push_back(kCoreValidation);
    layer_names.emplace_back(kCoreValidation);
  }
  // Extensions of the runtime and of the layers (XR_EXT_debug_utils comes from the validation layer).
  std::vector<std::string> offered;
  auto collect = [&](const char* layer) -> core::Status {
    std::uint32_t n = 0;
    RIVET_XR(xrEnumerateInstanceExtensionProperties(layer, 0, &n, nullptr), "xrEnumerateInstanceExtensionProperties");
    std::vector<XrExtensionProperties> props(n, {XR_TYPE_EXTENSION_PROPERTIES, nullptr, {}, 0});
    RIVET_XR(xrEnumerateInstanceExtensionProperties(layer, n, &n, props.data()), "xrEnumerateInstanceExtensionProperties");
    for (const auto& p : props) offered.emplace_back(p.extensionName);
    return {};
  };
  if (auto s = collect(nullptr); !s.ok()) return s.error();
  for (const auto& l : layer_names) {
    if (auto s = collect(l.c_str()); !s.ok()) return s.error();
  }
  auto has = [&](const char* e) { return std::find(offered.begin(), offered.end(), e) != offered.end(); };
  if (!has(XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME)) {
    return core::makeError("the OpenXR runtime does not offer " XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME, "openxr",
                           "use a runtime with Vulkan support (Monado, SteamVR, Meta, Varjo, WMR all have it)");
  }
  std::vector<const char*> enable{XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME};
  if (has(XR_KHR_CONVERT_TIMESPEC_TIME_EXTENSION_NAME)) {
    enable.push_back(XR_KHR_CONVERT_TIMESPEC_TIME_EXTENSION_NAME);
    m.has_timespec = true;
  }
  if (has(XR_EXT_DEBUG_UTILS_EXTENSION_NAME)) {
    enable.push_back(XR_EXT_DEBUG_UTILS_EXTENSION_NAME);
    m.has_debug = true;
  }
  const bool fb_passthrough = has("XR_FB_passthrough");
  for (const auto* e : enable) m.extensions.emplace_back(e);

  XrInstanceCreateInfo ci{XR_TYPE_INSTANCE_CREATE_INFO};
  std::snprintf(ci.applicationInfo.applicationName, XR_MAX_APPLICATION_NAME_SIZE, "%s", options.application_name.c_str());
  ci.applicationInfo.applicationVersion = 1;
  std::snprintf(ci.applicationInfo.engineName, XR_MAX_ENGINE_NAME_SIZE, "Rivet");
  ci.applicationInfo.engineVersion = 1;
  ci.applicationInfo.apiVersion = XR_MAKE_VERSION(1, 0, 0);
  ci.enabledApiLayerCount = static_cast<std::uint32_t>(layers.size());
  ci.enabledApiLayerNames = layers.data();
  ci.enabledExtensionCount = static_cast<std::uint32_t>(enable.size());
  ci.enabledExtensionNames = enable.data();
  pinRuntimeLibrary();
  XrInstance instance = XR_NULL_HANDLE;
  RIVET_XR(xrCreateInstance(&ci, &instance), "xrCreateInstance");
  m.instance.reset(instance);

  if (m.has_debug) {
    auto create = proc<PFN_xrCreateDebugUtilsMessengerEXT>(instance, "xrCreateDebugUtilsMessengerEXT");
    m.destroyMessenger = proc<PFN_xrDestroyDebugUtilsMessengerEXT>(instance, "xrDestroyDebugUtilsMessengerEXT");
    XrDebugUtilsMessengerCreateInfoEXT dci{XR_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    dci.messageSeverities = XR_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | XR_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    dci.messageTypes = XR_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | XR_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       XR_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT | XR_DEBUG_UTILS_MESSAGE_TYPE_CONFORMANCE_BIT_EXT;
    dci.userCallback = debugCallback;
    if (create) RIVET_XR(create(instance, &dci, &m.messenger), "xrCreateDebugUtilsMessengerEXT");
  }

  XrInstanceProperties ip{XR_TYPE_INSTANCE_PROPERTIES};
  RIVET_XR(xrGetInstanceProperties(instance, &ip), "xrGetInstanceProperties");
  m.runtime_name = ip.runtimeName;

  XrSystemGetInfo sgi{XR_TYPE_SYSTEM_GET_INFO};
  sgi.formFactor = XR_FORM_FACTOR_HEAD_MOUNTED_DISPLAY;
  RIVET_XR(xrGetSystem(instance, &sgi, &m.system), "xrGetSystem (head-mounted display)");
  XrSystemProperties sp{XR_TYPE_SYSTEM_PROPERTIES};
  RIVET_XR(xrGetSystemProperties(instance, m.system, &sp), "xrGetSystemProperties");
  m.system_name = sp.systemName;

  std::uint32_t n = 0;
  RIVET_XR(xrEnumerateViewConfigurationViews(instance, m.system, XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, 0, &n, nullptr),
           "xrEnumerateViewConfigurationViews (stereo)");
  m.view_configs.assign(n, {XR_TYPE_VIEW_CONFIGURATION_VIEW});
  RIVET_XR(xrEnumerateViewConfigurationViews(instance, m.system, XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, n, &n,
                                             m.view_configs.data()),
           "xrEnumerateViewConfigurationViews (stereo)");

  RIVET_XR(xrEnumerateEnvironmentBlendModes(instance, m.system, XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, 0, &n, nullptr),
           "xrEnumerateEnvironmentBlendModes");
  std::vector<XrEnvironmentBlendMode> modes(n);
  RIVET_XR(xrEnumerateEnvironmentBlendModes(instance, m.system, XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, n, &n, modes.data()),
           "xrEnumerateEnvironmentBlendModes");
  std::vector<std::int32_t> raw(modes.begin(), modes.end());
  m.blend_modes = blendModesFromXr(raw);
  if (options.force_blend) {
    if (std::find(m.blend_modes.begin(), m.blend_modes.end(), *options.force_blend) == m.blend_modes.end()) {
      return core::makeError(std::string("blend mode ") + toString(*options.force_blend) + " is not offered by this runtime",
                             "openxr", "leave the blend mode to Rivet (it picks the best the runtime lists)");
    }
    const std::array<BlendMode, 1> only{*options.force_blend};
    m.blend = chooseBlendMode(only, false);
  } else {
    // XR_FB_passthrough is only used once its layer is implemented for a device that offers it; until then an
    // OPAQUE-only runtime gets the camera image as background.
    (void)fb_passthrough;
    m.blend = chooseBlendMode(m.blend_modes, false);
  }

  m.createVkInstance = proc<PFN_xrCreateVulkanInstanceKHR>(instance, "xrCreateVulkanInstanceKHR");
  m.createVkDevice = proc<PFN_xrCreateVulkanDeviceKHR>(instance, "xrCreateVulkanDeviceKHR");
  m.getVkDevice = proc<PFN_xrGetVulkanGraphicsDevice2KHR>(instance, "xrGetVulkanGraphicsDevice2KHR");
  auto reqs = proc<PFN_xrGetVulkanGraphicsRequirements2KHR>(instance, "xrGetVulkanGraphicsRequirements2KHR");
  if (!m.createVkInstance || !m.createVkDevice || !m.getVkDevice || !reqs) {
    return core::makeError("the runtime lists XR_KHR_vulkan_enable2 but not its functions", "openxr", "update the runtime");
  }
  XrGraphicsRequirementsVulkan2KHR gr{XR_TYPE_GRAPHICS_REQUIREMENTS_VULKAN2_KHR};
  RIVET_XR(reqs(instance, m.system, &gr), "xrGetVulkanGraphicsRequirements2KHR");
  const std::uint32_t want = VK_MAKE_API_VERSION(0, XR_VERSION_MAJOR(gr.minApiVersionSupported),
                                                 XR_VERSION_MINOR(gr.minApiVersionSupported), 0);
  m.vk_min_api = std::max<std::uint32_t>(VK_API_VERSION_1_1, want);
  if (m.has_timespec) {
    m.toXrTime = proc<PFN_xrConvertTimespecTimeToTimeKHR>(instance, "xrConvertTimespecTimeToTimeKHR");
    m.fromXrTime = proc<PFN_xrConvertTimeToTimespecTimeKHR>(instance, "xrConvertTimeToTimespecTimeKHR");
  }
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

std::string Runtime::runtimeName() const { return impl_->runtime_name; }
std::string Runtime::systemName() const { return impl_->system_name; }
const std::vector<std::string>& Runtime::extensions() const { return impl_->extensions; }
const std::vector<BlendMode>& Runtime::blendModes() const { return impl_->blend_modes; }
const BlendChoice& Runtime::blend() const { return impl_->blend; }
std::uint64_t Runtime::validationMessages() const { return g_messages.load(); }
std::uint32_t Runtime::minVulkanApiVersion() const { return impl_->vk_min_api; }
std::string Runtime::referenceSpace() const { return impl_->space_name; }
const std::vector<SwapchainInfo>& Runtime::eyeSwapchains() const { return impl_->eye_infos; }
const SwapchainInfo& Runtime::panelSwapchain() const { return impl_->panel_info; }
bool Runtime::running() const { return impl_->running; }

std::vector<std::pair<int, int>> Runtime::recommendedViewSizes() const {
  std::vector<std::pair<int, int>> out;
  for (const auto& v : impl_->view_configs) {
    out.emplace_back(static_cast<int>(v.recommendedImageRectWidth), static_cast<int>(v.recommendedImageRectHeight));
  }
  return out;
}

core::Result<std::uint64_t> Runtime::createVulkanInstance(const void* vk_instance_create_info) {
  Impl& m = *impl_;
  XrVulkanInstanceCreateInfoKHR info{XR_TYPE_VULKAN_INSTANCE_CREATE_INFO_KHR};
  info.systemId = m.system;
  info.pfnGetInstanceProcAddr = &vkGetInstanceProcAddr;
  info.vulkanCreateInfo = static_cast<const VkInstanceCreateInfo*>(vk_instance_create_info);
  VkInstance instance = VK_NULL_HANDLE;
  VkResult vr = VK_SUCCESS;
  RIVET_XR(m.createVkInstance(m.instance.get(), &info, &instance, &vr), "xrCreateVulkanInstanceKHR");
  if (vr != VK_SUCCESS) {
    return core::makeError("vkCreateInstance through the OpenXR runtime failed: VkResult " + std::to_string(vr), "openxr",
                           "check the Vulkan driver (VK_ICD_FILENAMES) and that the validation layer is installed");
  }
  return reinterpret_cast<std::uint64_t>(instance);
}

core::Result<std::uint64_t> Runtime::vulkanPhysicalDevice(std::uint64_t vk_instance) {
  Impl& m = *impl_;
  XrVulkanGraphicsDeviceGetInfoKHR info{XR_TYPE_VULKAN_GRAPHICS_DEVICE_GET_INFO_KHR};
  info.systemId = m.system;
  info.vulkanInstance = reinterpret_cast<VkInstance>(vk_instance);
  VkPhysicalDevice phys = VK_NULL_HANDLE;
  RIVET_XR(m.getVkDevice(m.instance.get(), &info, &phys), "xrGetVulkanGraphicsDevice2KHR");
  return reinterpret_cast<std::uint64_t>(phys);
}

core::Result<std::uint64_t> Runtime::createVulkanDevice(std::uint64_t vk_physical_device, const void* vk_device_create_info) {
  Impl& m = *impl_;
  XrVulkanDeviceCreateInfoKHR info{XR_TYPE_VULKAN_DEVICE_CREATE_INFO_KHR};
  info.systemId = m.system;
  info.pfnGetInstanceProcAddr = &vkGetInstanceProcAddr;
  info.vulkanPhysicalDevice = reinterpret_cast<VkPhysicalDevice>(vk_physical_device);
  info.vulkanCreateInfo = static_cast<const VkDeviceCreateInfo*>(vk_device_create_info);
  VkDevice device = VK_NULL_HANDLE;
  VkResult vr = VK_SUCCESS;
  RIVET_XR(m.createVkDevice(m.instance.get(), &info, &device, &vr), "xrCreateVulkanDeviceKHR");
  if (vr != VK_SUCCESS) {
    return core::makeError("vkCreateDevice through the OpenXR runtime failed: VkResult " + std::to_string(vr), "openxr", "");
  }
  return reinterpret_cast<std::uint64_t>(device);
}

core::Status Runtime::startSession(const VulkanBinding& binding, int panel_width, int panel_height) {
  impl_->binding = binding;
  impl_->panel_width = panel_width;
  impl_->panel_height = panel_height;
  return impl_->createSession();
}

core::Status Runtime::Impl::createSession() {
  Impl& m = *this;
  std::lock_guard lock(session_mutex);
  XrGraphicsBindingVulkan2KHR gb{XR_TYPE_GRAPHICS_BINDING_VULKAN2_KHR};
  gb.instance = reinterpret_cast<VkInstance>(binding.instance);
  gb.physicalDevice = reinterpret_cast<VkPhysicalDevice>(binding.physical_device);
  gb.device = reinterpret_cast<VkDevice>(binding.device);
  gb.queueFamilyIndex = binding.queue_family;
  gb.queueIndex = binding.queue_index;
  XrSessionCreateInfo sci{XR_TYPE_SESSION_CREATE_INFO};
  sci.next = &gb;
  sci.systemId = system;
  XrSession s = XR_NULL_HANDLE;
  RIVET_XR(xrCreateSession(instance.get(), &sci, &s), "xrCreateSession");
  session.reset(s);
  state = XR_SESSION_STATE_UNKNOWN;
  running = false;

  std::uint32_t n = 0;
  RIVET_XR(xrEnumerateReferenceSpaces(s, 0, &n, nullptr), "xrEnumerateReferenceSpaces");
  std::vector<XrReferenceSpaceType> spaces(n);
  RIVET_XR(xrEnumerateReferenceSpaces(s, n, &n, spaces.data()), "xrEnumerateReferenceSpaces");
  const bool stage = std::find(spaces.begin(), spaces.end(), XR_REFERENCE_SPACE_TYPE_STAGE) != spaces.end();
  XrReferenceSpaceCreateInfo rci{XR_TYPE_REFERENCE_SPACE_CREATE_INFO};
  rci.poseInReferenceSpace.orientation.w = 1;
  rci.referenceSpaceType = stage ? XR_REFERENCE_SPACE_TYPE_STAGE : XR_REFERENCE_SPACE_TYPE_LOCAL;
  XrSpace space = XR_NULL_HANDLE;
  RIVET_XR(xrCreateReferenceSpace(s, &rci, &space), "xrCreateReferenceSpace (world)");
  app_space.reset(space);
  space_name = stage ? "stage" : "local";
  rci.referenceSpaceType = XR_REFERENCE_SPACE_TYPE_VIEW;
  RIVET_XR(xrCreateReferenceSpace(s, &rci, &space), "xrCreateReferenceSpace (view)");
  view_space.reset(space);

  if (auto st = createSwapchains(); !st.ok()) return st;
  return createActions();
}

core::Status Runtime::Impl::createSwapchains() {
  Impl& m = *this;
  std::uint32_t n = 0;
  RIVET_XR(xrEnumerateSwapchainFormats(session.get(), 0, &n, nullptr), "xrEnumerateSwapchainFormats");
  std::vector<std::int64_t> formats(n);
  RIVET_XR(xrEnumerateSwapchainFormats(session.get(), n, &n, formats.data()), "xrEnumerateSwapchainFormats");
  std::int64_t format = 0;
  for (const std::int64_t want : {VK_FORMAT_R8G8B8A8_SRGB, VK_FORMAT_B8G8R8A8_SRGB, VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_B8G8R8A8_UNORM}) {
    if (std::find(formats.begin(), formats.end(), want) != formats.end()) {
      format = want;
      break;
    }
  }
  if (format == 0) {
    return core::makeError("the runtime offers no 8-bit RGBA/BGRA swapchain format", "openxr", "");
  }
  auto make = [&](int w, int h, Swapchain& out, SwapchainInfo& info) -> core::Status {
    XrSwapchainCreateInfo ci{XR_TYPE_SWAPCHAIN_CREATE_INFO};
    ci.usageFlags = XR_SWAPCHAIN_USAGE_COLOR_ATTACHMENT_BIT | XR_SWAPCHAIN_USAGE_TRANSFER_DST_BIT |
                    XR_SWAPCHAIN_USAGE_TRANSFER_SRC_BIT;
    ci.format = format;
    ci.sampleCount = 1;
    ci.width = static_cast<std::uint32_t>(w);
    ci.height = static_cast<std::uint32_t>(h);
    ci.faceCount = 1;
    ci.arraySize = 1;
    ci.mipCount = 1;
    XrSwapchain sc = XR_NULL_HANDLE;
    RIVET_XR(xrCreateSwapchain(session.get(), &ci, &sc), "xrCreateSwapchain");
    out.reset(sc);
    std::uint32_t count = 0;
    RIVET_XR(xrEnumerateSwapchainImages(sc, 0, &count, nullptr), "xrEnumerateSwapchainImages");
    std::vector<XrSwapchainImageVulkan2KHR> images(count, {XR_TYPE_SWAPCHAIN_IMAGE_VULKAN2_KHR});
    RIVET_XR(xrEnumerateSwapchainImages(sc, count, &count, reinterpret_cast<XrSwapchainImageBaseHeader*>(images.data())),
             "xrEnumerateSwapchainImages");
    info = {};
    info.vk_format = static_cast<std::uint32_t>(format);
    info.width = w;
    info.height = h;
    for (const auto& im : images) info.images.push_back(reinterpret_cast<std::uint64_t>(im.image));
    return {};
  };
  eye_chains.clear();
  eye_infos.clear();
  eye_chains.resize(view_configs.size());
  eye_infos.resize(view_configs.size());
  for (size_t i = 0; i < view_configs.size(); ++i) {
    if (auto st = make(static_cast<int>(view_configs[i].recommendedImageRectWidth),
                       static_cast<int>(view_configs[i].recommendedImageRectHeight), eye_chains[i], eye_infos[i]);
        !st.ok()) {
      return st;
    }
  }
  return make(panel_width, panel_height, panel_chain, panel_info);
}

core::Status Runtime::Impl::createActions() {
  Impl& m = *this;
  XrActionSetCreateInfo asci{XR_TYPE_ACTION_SET_CREATE_INFO};
  std::snprintf(asci.actionSetName, XR_MAX_ACTION_SET_NAME_SIZE, "rivet");
  std::snprintf(asci.localizedActionSetName, XR_MAX_LOCALIZED_ACTION_SET_NAME_SIZE, "Rivet");
  XrActionSet set = XR_NULL_HANDLE;
  RIVET_XR(xrCreateActionSet(instance.get(), &asci, &set), "xrCreateActionSet");
  action_set.reset(set);
  RIVET_XR(xrStringToPath(instance.get(), "/user/hand/left", &hand_paths[0]), "xrStringToPath");
  RIVET_XR(xrStringToPath(instance.get(), "/user/hand/right", &hand_paths[1]), "xrStringToPath");
  auto action = [&](const char* name, const char* label, XrActionType type, XrAction& out) -> core::Status {
    XrActionCreateInfo aci{XR_TYPE_ACTION_CREATE_INFO};
    std::snprintf(aci.actionName, XR_MAX_ACTION_NAME_SIZE, "%s", name);
    std::snprintf(aci.localizedActionName, XR_MAX_LOCALIZED_ACTION_NAME_SIZE, "%s", label);
    aci.actionType = type;
    aci.countSubactionPaths = 2;
    aci.subactionPaths = hand_paths.data();
    RIVET_XR(xrCreateAction(set, &aci, &out), std::string("xrCreateAction ") + name);
    return {};
  };
  if (auto s = action("select", "Select", XR_ACTION_TYPE_BOOLEAN_INPUT, select_action); !s.ok()) return s;
  if (auto s = action("aim", "Aim", XR_ACTION_TYPE_POSE_INPUT, aim_action); !s.ok()) return s;

  // Suggested bindings: the generic controller first, then the common controller profiles (boolean select on a
  // trigger value is thresholded by the runtime). A profile the runtime does not know is skipped.
  struct Profile {
    const char* profile;
    const char* select;
  };
  const std::array<Profile, 5> known{{{"/interaction_profiles/khr/simple_controller", "input/select/click"},
                                         {"/interaction_profiles/oculus/touch_controller", "input/trigger/value"},
                                         {"/interaction_profiles/microsoft/motion_controller", "input/trigger/value"},
                                         {"/interaction_profiles/htc/vive_controller", "input/trigger/click"},
                                         {"/interaction_profiles/valve/index_controller", "input/trigger/click"}}};
  int suggested = 0;
  for (const auto& p : known) {
    XrPath profile = XR_NULL_PATH;
    if (XR_FAILED(xrStringToPath(instance.get(), p.profile, &profile))) continue;
    std::vector<XrActionSuggestedBinding> bindings;
    for (const char* hand : {"/user/hand/left/", "/user/hand/right/"}) {
      XrPath sel = XR_NULL_PATH, aim = XR_NULL_PATH;
      if (XR_FAILED(xrStringToPath(instance.get(), (std::string(hand) + p.select).c_str(), &sel))) continue;
      if (XR_FAILED(xrStringToPath(instance.get(), (std::string(hand) + "input/aim/pose").c_str(), &aim))) continue;
      bindings.push_back({select_action, sel});
      bindings.push_back({aim_action, aim});
    }
    XrInteractionProfileSuggestedBinding sb{XR_TYPE_INTERACTION_PROFILE_SUGGESTED_BINDING};
    sb.interactionProfile = profile;
    sb.countSuggestedBindings = static_cast<std::uint32_t>(bindings.size());
    sb.suggestedBindings = bindings.data();
    if (XR_SUCCEEDED(xrSuggestInteractionProfileBindings(instance.get(), &sb))) ++suggested;
  }
  if (suggested == 0) return core::makeError("the runtime accepted no controller bindings", "openxr", "");
  for (size_t i = 0; i < 2; ++i) {
    XrActionSpaceCreateInfo ci{XR_TYPE_ACTION_SPACE_CREATE_INFO};
    ci.action = aim_action;
    ci.subactionPath = hand_paths[i];
    ci.poseInActionSpace.orientation.w = 1;
    XrSpace sp = XR_NULL_HANDLE;
    RIVET_XR(xrCreateActionSpace(session.get(), &ci, &sp), "xrCreateActionSpace (aim)");
    aim_spaces[i].reset(sp);
  }
  XrSessionActionSetsAttachInfo ai{XR_TYPE_SESSION_ACTION_SETS_ATTACH_INFO};
  ai.countActionSets = 1;
  ai.actionSets = &set;
  RIVET_XR(xrAttachSessionActionSets(session.get(), &ai), "xrAttachSessionActionSets");
  return {};
}

void Runtime::Impl::destroySession() {
  std::lock_guard lock(session_mutex);
  for (auto& s : aim_spaces) s.reset();
  action_set.reset();  // destroys its actions
  select_action = aim_action = XR_NULL_HANDLE;
  panel_chain.reset();
  eye_chains.clear();
  view_space.reset();
  app_space.reset();
  session.reset();
  running = false;
  images_acquired = false;
}

SessionEvents Runtime::pollEvents() {
  Impl& m = *impl_;
  SessionEvents ev;
  for (;;) {
    XrEventDataBuffer buf{XR_TYPE_EVENT_DATA_BUFFER};
    const XrResult r = xrPollEvent(m.instance.get(), &buf);
    if (r == XR_EVENT_UNAVAILABLE) break;
    if (XR_FAILED(r)) {
      std::fprintf(stderr, "openxr: xrPollEvent failed (%d): leaving\n", static_cast<int>(r));
      ev.exit = true;
      break;
    }
    switch (buf.type) {
      case XR_TYPE_EVENT_DATA_INSTANCE_LOSS_PENDING:
        std::fprintf(stderr, "openxr: the runtime is going away (instance loss pending): leaving\n");
        ev.exit = true;
        break;
      case XR_TYPE_EVENT_DATA_SESSION_STATE_CHANGED: {
        const auto& e = *reinterpret_cast<const XrEventDataSessionStateChanged*>(&buf);
        m.state = e.state;
        if (e.state == XR_SESSION_STATE_READY) {
          XrSessionBeginInfo bi{XR_TYPE_SESSION_BEGIN_INFO};
          bi.primaryViewConfigurationType = XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO;
          const XrResult br = xrBeginSession(m.session.get(), &bi);
          if (XR_FAILED(br)) {
            std::fprintf(stderr, "openxr: xrBeginSession failed (%d)\n", static_cast<int>(br));
            ev.exit = true;
          } else {
            m.running = true;
          }
        } else if (e.state == XR_SESSION_STATE_STOPPING) {
          xrEndSession(m.session.get());
          m.running = false;
        } else if (e.state == XR_SESSION_STATE_EXITING) {
          ev.exit = true;
        } else if (e.state == XR_SESSION_STATE_LOSS_PENDING) {
          // The runtime lost the device: make a new session once the system is back.
          m.destroySession();
          XrSystemGetInfo sgi{XR_TYPE_SYSTEM_GET_INFO};
          sgi.formFactor = XR_FORM_FACTOR_HEAD_MOUNTED_DISPLAY;
          if (XR_FAILED(xrGetSystem(m.instance.get(), &sgi, &m.system)) || !m.createSession().ok()) {
            ev.exit = true;
          } else {
            ev.restarted = true;
          }
        }
        break;
      }
      case XR_TYPE_EVENT_DATA_INTERACTION_PROFILE_CHANGED: {
        for (size_t i = 0; i < 2 && m.session; ++i) {
          XrInteractionProfileState ps{XR_TYPE_INTERACTION_PROFILE_STATE};
          m.profiles[i].clear();
          if (XR_SUCCEEDED(xrGetCurrentInteractionProfile(m.session.get(), m.hand_paths[i], &ps)) &&
              ps.interactionProfile != XR_NULL_PATH) {
            char path[XR_MAX_PATH_LENGTH];
            std::uint32_t len = 0;
            if (XR_SUCCEEDED(xrPathToString(m.instance.get(), ps.interactionProfile, sizeof path, &len, path))) {
              m.profiles[i] = path;
            }
          }
        }
        break;
      }
      default: break;
    }
  }
  ev.running = m.running;
  ev.state = stateName(m.state);
  return ev;
}

core::Result<FrameState> Runtime::waitAndBeginFrame() {
  Impl& m = *impl_;
  FrameState out;
  XrFrameWaitInfo wi{XR_TYPE_FRAME_WAIT_INFO};
  XrFrameState fs{XR_TYPE_FRAME_STATE};
  RIVET_XR(xrWaitFrame(m.session.get(), &wi, &fs), "xrWaitFrame");
  XrFrameBeginInfo bi{XR_TYPE_FRAME_BEGIN_INFO};
  RIVET_XR(xrBeginFrame(m.session.get(), &bi), "xrBeginFrame");
  out.predicted_display_time = fs.predictedDisplayTime;
  out.predicted_period = fs.predictedDisplayPeriod;
  out.should_render = fs.shouldRender == XR_TRUE;
  m.views.clear();
  m.images_acquired = false;
  if (!out.should_render) return out;

  XrViewLocateInfo li{XR_TYPE_VIEW_LOCATE_INFO};
  li.viewConfigurationType = XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO;
  li.displayTime = fs.predictedDisplayTime;
  li.space = m.app_space.get();
  XrViewState vs{XR_TYPE_VIEW_STATE};
  std::uint32_t n = static_cast<std::uint32_t>(m.view_configs.size());
  m.views.assign(n, {XR_TYPE_VIEW});
  RIVET_XR(xrLocateViews(m.session.get(), &li, &vs, n, &n, m.views.data()), "xrLocateViews");
  const bool views_ok = (vs.viewStateFlags & XR_VIEW_STATE_ORIENTATION_VALID_BIT) != 0 &&
                        (vs.viewStateFlags & XR_VIEW_STATE_POSITION_VALID_BIT) != 0;
  if (!views_ok) {  // nothing can be drawn world-locked this frame: submit no layers
    m.views.clear();
    out.should_render = false;
    return out;
  }
  if (auto head = headAt(fs.predictedDisplayTime)) {
    out.head_valid = true;
    out.T_world_head = *head;
  }
  auto acquire = [&](XrSwapchain sc, int& index) -> core::Status {
    XrSwapchainImageAcquireInfo ai{XR_TYPE_SWAPCHAIN_IMAGE_ACQUIRE_INFO};
    std::uint32_t i = 0;
    RIVET_XR(xrAcquireSwapchainImage(sc, &ai, &i), "xrAcquireSwapchainImage");
    XrSwapchainImageWaitInfo wwi{XR_TYPE_SWAPCHAIN_IMAGE_WAIT_INFO};
    wwi.timeout = XR_INFINITE_DURATION;
    RIVET_XR(xrWaitSwapchainImage(sc, &wwi), "xrWaitSwapchainImage");
    index = static_cast<int>(i);
    return {};
  };
  for (size_t i = 0; i < n; ++i) {
    EyeView eye;
    eye.T_world_eye = toPose(m.views[i].pose) * xrFromCvCamera();
    eye.fov = {m.views[i].fov.angleLeft, m.views[i].fov.angleRight, m.views[i].fov.angleUp, m.views[i].fov.angleDown};
    if (auto s = acquire(m.eye_chains[i].get(), eye.image_index); !s.ok()) return s.error();
    out.eyes.push_back(eye);
  }
  if (auto s = acquire(m.panel_chain.get(), out.panel_image_index); !s.ok()) return s.error();
  m.images_acquired = true;

  // Input: only a focused session receives it.
  if (m.state == XR_SESSION_STATE_FOCUSED) {
    XrActiveActionSet active{m.action_set.get(), XR_NULL_PATH};
    XrActionsSyncInfo si{XR_TYPE_ACTIONS_SYNC_INFO};
    si.countActiveActionSets = 1;
    si.activeActionSets = &active;
    RIVET_XR(xrSyncActions(m.session.get(), &si), "xrSyncActions");
    for (size_t h = 0; h < 2; ++h) {
      HandState& hs = out.hands[h];
      hs.profile = m.profiles[h];
      XrActionStateGetInfo gi{XR_TYPE_ACTION_STATE_GET_INFO};
      gi.action = m.select_action;
      gi.subactionPath = m.hand_paths[h];
      XrActionStateBoolean b{XR_TYPE_ACTION_STATE_BOOLEAN};
      if (XR_SUCCEEDED(xrGetActionStateBoolean(m.session.get(), &gi, &b))) hs.select = b.isActive && b.currentState;
      XrSpaceLocation loc{XR_TYPE_SPACE_LOCATION};
      if (XR_SUCCEEDED(xrLocateSpace(m.aim_spaces[h].get(), m.app_space.get(), fs.predictedDisplayTime, &loc)) &&
          poseValid(loc.locationFlags)) {
        const core::Pose aim = toPose(loc.pose);
        hs.aim_valid = true;
        hs.aim = {aim.t, aim.R * core::Vec3d{0, 0, -1}};
      }
    }
  }
  return out;
}

core::Status Runtime::endFrame(const FrameState& frame, const PanelLayer& panel, bool layers) {
  Impl& m = *impl_;
  if (m.images_acquired) {
    XrSwapchainImageReleaseInfo ri{XR_TYPE_SWAPCHAIN_IMAGE_RELEASE_INFO};
    for (auto& sc : m.eye_chains) RIVET_XR(xrReleaseSwapchainImage(sc.get(), &ri), "xrReleaseSwapchainImage");
    RIVET_XR(xrReleaseSwapchainImage(m.panel_chain.get(), &ri), "xrReleaseSwapchainImage (panel)");
    m.images_acquired = false;
  }
  std::vector<XrCompositionLayerProjectionView> proj_views;
  XrCompositionLayerProjection proj{XR_TYPE_COMPOSITION_LAYER_PROJECTION};
  XrCompositionLayerQuad quad{XR_TYPE_COMPOSITION_LAYER_QUAD};
  std::vector<const XrCompositionLayerBaseHeader*> list;
  if (layers && frame.should_render && !m.views.empty()) {
    for (size_t i = 0; i < m.views.size(); ++i) {
      XrCompositionLayerProjectionView v{XR_TYPE_COMPOSITION_LAYER_PROJECTION_VIEW};
      v.pose = m.views[i].pose;
      v.fov = m.views[i].fov;
      v.subImage.swapchain = m.eye_chains[i].get();
      v.subImage.imageRect = {{0, 0}, {m.eye_infos[i].width, m.eye_infos[i].height}};
      proj_views.push_back(v);
    }
    proj.space = m.app_space.get();
    // ADDITIVE/OPAQUE: the eye images are opaque; ALPHA_BLEND: their alpha lets the world through.
    proj.layerFlags = m.blend.mode == BlendMode::AlphaBlend ? XR_COMPOSITION_LAYER_BLEND_TEXTURE_SOURCE_ALPHA_BIT : 0;
    proj.viewCount = static_cast<std::uint32_t>(proj_views.size());
    proj.views = proj_views.data();
    list.push_back(reinterpret_cast<const XrCompositionLayerBaseHeader*>(&proj));
    if (panel.visible) {
      quad.layerFlags = XR_COMPOSITION_LAYER_BLEND_TEXTURE_SOURCE_ALPHA_BIT;  // premultiplied UI texture
      quad.space = m.app_space.get();
      quad.eyeVisibility = XR_EYE_VISIBILITY_BOTH;
      quad.subImage.swapchain = m.panel_chain.get();
      quad.subImage.imageRect = {{0, 0}, {m.panel_info.width, m.panel_info.height}};
      quad.pose = toXr(panel.panel.T_world_panel);
      quad.size = {static_cast<float>(panel.panel.width_m), static_cast<float>(panel.panel.height_m)};
      list.push_back(reinterpret_cast<const XrCompositionLayerBaseHeader*>(&quad));
    }
  }
  XrFrameEndInfo ei{XR_TYPE_FRAME_END_INFO};
  ei.displayTime = frame.predicted_display_time;
  switch (m.blend.mode) {
    case BlendMode::Opaque: ei.environmentBlendMode = XR_ENVIRONMENT_BLEND_MODE_OPAQUE; break;
    case BlendMode::Additive: ei.environmentBlendMode = XR_ENVIRONMENT_BLEND_MODE_ADDITIVE; break;
    case BlendMode::AlphaBlend: ei.environmentBlendMode = XR_ENVIRONMENT_BLEND_MODE_ALPHA_BLEND; break;
  }
  ei.layerCount = static_cast<std::uint32_t>(list.size());
  ei.layers = list.data();
  RIVET_XR(xrEndFrame(m.session.get(), &ei), "xrEndFrame");
  return {};
}

void Runtime::endSession() { impl_->destroySession(); }

void Runtime::requestExit() {
  if (impl_->session && impl_->running) xrRequestExitSession(impl_->session.get());
}

std::optional<core::Pose> Runtime::headAt(std::int64_t xr_time) const {
  const Impl& m = *impl_;
  std::lock_guard lock(m.session_mutex);
  if (!m.session) return std::nullopt;
  XrSpaceLocation loc{XR_TYPE_SPACE_LOCATION};
  if (XR_FAILED(xrLocateSpace(m.view_space.get(), m.app_space.get(), xr_time, &loc)) || !poseValid(loc.locationFlags)) {
    return std::nullopt;
  }
  return toPose(loc.pose);
}

std::int64_t Runtime::xrTimeFromMonotonic(std::int64_t mono_ns) const {
  const Impl& m = *impl_;
  if (m.toXrTime) {
    timespec ts{static_cast<time_t>(mono_ns / 1000000000), static_cast<long>(mono_ns % 1000000000)};
    XrTime t = 0;
    if (XR_SUCCEEDED(m.toXrTime(m.instance.get(), &ts, &t))) return t;
  }
  return mono_ns;
}

std::int64_t Runtime::monotonicFromXrTime(std::int64_t xr_time) const {
  const Impl& m = *impl_;
  if (m.fromXrTime) {
    timespec ts{};
    if (XR_SUCCEEDED(m.fromXrTime(m.instance.get(), xr_time, &ts))) {
      return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    }
  }
  return xr_time;
}

}  // namespace rivet::xr

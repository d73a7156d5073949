// DeviceRequirements on lavapipe with validation on: extension checks, API version, device choice, creation hooks.
#include <gtest/gtest.h>
#include <vulkan/vulkan.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "render_test_util.hpp"
#include "rivet/render/renderer.hpp"

namespace rivet::render {
namespace {

RendererOptions testOptions() {
  RendererOptions options;
  options.enable_validation = true;
  options.prefer_software = true;
  options.enable_sync_validation = true;
  return options;
}

// Renders one frame into a small offscreen target: the renderer built on these handles works.
void expectRenders(Renderer& renderer) {
  auto target = renderer.createOffscreenTarget(64, 48);
  ASSERT_TRUE(target.ok()) << target.error().describe();
  FrameDesc frame;
  frame.views.push_back(test::makeView(test::testCamera(64, 48), test::lookAtOrigin(0.5, 0, 0), *target));
  ASSERT_TRUE(renderer.renderFrame(frame).ok());
  auto image = renderer.readback(*target);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(test::pixel(*image, 10, 10)[0], 40);  // dark grey
}

bool hasName(const char* const* names, std::uint32_t count, const char* wanted) {
  return std::any_of(names, names + count, [&](const char* n) { return std::strcmp(n, wanted) == 0; });
}

class DeviceRequirementsTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(processValidationMessageCount(), 0u) << "Vulkan validation reported problems"; }
};

TEST_F(DeviceRequirementsTest, MissingInstanceExtensionIsNamed) {
  RendererOptions options = testOptions();
  options.requirements.instance_extensions = {"VK_RIVET_no_such_instance_extension"};
  auto created = Renderer::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message.find("VK_RIVET_no_such_instance_extension"), std::string::npos)
      << created.error().describe();
  EXPECT_NE(created.error().message.find("instance extension"), std::string::npos) << created.error().describe();
}

TEST_F(DeviceRequirementsTest, MissingDeviceExtensionNamesExtensionAndDevice) {
  RendererOptions options = testOptions();
  options.requirements.device_extensions = {"VK_RIVET_no_such_device_extension"};
  auto created = Renderer::create(options);
  ASSERT_FALSE(created.ok());
  const std::string text = created.error().describe();
  EXPECT_NE(text.find("VK_RIVET_no_such_device_extension"), std::string::npos) << text;
  EXPECT_NE(text.find("llvmpipe"), std::string::npos) << text;
}

TEST_F(DeviceRequirementsTest, TooNewApiVersionIsRefused) {
  RendererOptions options = testOptions();
  options.requirements.min_api_version = (1u << 22) | (9u << 12);  // Vulkan 1.9
  auto created = Renderer::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message.find("1.9"), std::string::npos) << created.error().describe();
}

TEST_F(DeviceRequirementsTest, SurfaceExtensionEnablesSwapchain) {
  RendererOptions options = testOptions();
  options.requirements.instance_extensions = {"VK_KHR_surface"};
  options.requirements.min_api_version = VK_API_VERSION_1_2;
  auto created = Renderer::create(options);
  ASSERT_TRUE(created.ok()) << created.error().describe();
  expectRenders(**created);
  EXPECT_EQ((*created)->validationMessageCount(), 0u);
}

TEST_F(DeviceRequirementsTest, CreationCallbacksAreCalledOnceAndTheirHandlesUsed) {
  int instance_calls = 0, select_calls = 0, device_calls = 0;
  VkInstance made_instance = VK_NULL_HANDLE;
  VkPhysicalDevice chosen = VK_NULL_HANDLE;
  VkDevice made_device = VK_NULL_HANDLE;
  RendererOptions options = testOptions();
  options.requirements.instance_extensions = {"VK_KHR_surface"};
  options.requirements.create_instance = [&](const void* raw) -> core::Result<std::uint64_t> {
    ++instance_calls;
    const auto* info = static_cast<const VkInstanceCreateInfo*>(raw);
    EXPECT_EQ(info->sType, VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
    EXPECT_TRUE(hasName(info->ppEnabledExtensionNames, info->enabledExtensionCount, "VK_KHR_surface"));
    EXPECT_TRUE(hasName(info->ppEnabledExtensionNames, info->enabledExtensionCount, "VK_EXT_debug_utils"));
    EXPECT_TRUE(hasName(info->ppEnabledLayerNames, info->enabledLayerCount, "VK_LAYER_KHRONOS_validation"));
    EXPECT_GE(info->pApplicationInfo->apiVersion, VK_API_VERSION_1_1);
    // As an OpenXR runtime would: create it with what the renderer asked for.
    if (vkCreateInstance(info, nullptr, &made_instance) != VK_SUCCESS) return core::makeError("vkCreateInstance failed");
    return reinterpret_cast<std::uint64_t>(made_instance);
  };
  options.requirements.select_physical_device = [&](std::uint64_t instance) -> std::uint64_t {
    ++select_calls;
    EXPECT_EQ(instance, reinterpret_cast<std::uint64_t>(made_instance));
    std::uint32_t count = 0;
    vkEnumeratePhysicalDevices(reinterpret_cast<VkInstance>(instance), &count, nullptr);
    std::vector<VkPhysicalDevice> devices(count);
    vkEnumeratePhysicalDevices(reinterpret_cast<VkInstance>(instance), &count, devices.data());
    chosen = devices.empty() ? VK_NULL_HANDLE : devices.back();
    return reinterpret_cast<std::uint64_t>(chosen);
  };
  options.requirements.create_device = [&](std::uint64_t physical, const void* raw) -> core::Result<std::uint64_t> {
    ++device_calls;
    EXPECT_EQ(physical, reinterpret_cast<std::uint64_t>(chosen));
    const auto* info = static_cast<const VkDeviceCreateInfo*>(raw);
    EXPECT_EQ(info->sType, VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
    EXPECT_EQ(info->queueCreateInfoCount, 1u);
    EXPECT_TRUE(hasName(info->ppEnabledExtensionNames, info->enabledExtensionCount, "VK_KHR_swapchain"));
    if (vkCreateDevice(reinterpret_cast<VkPhysicalDevice>(physical), info, nullptr, &made_device) != VK_SUCCESS) {
      return core::makeError("vkCreateDevice failed");
    }
    return reinterpret_cast<std::uint64_t>(made_device);
  };
  {
    auto created = Renderer::create(options);
    ASSERT_TRUE(created.ok()) << created.error().describe();
    const NativeHandles handles = (*created)->nativeHandles();
    EXPECT_EQ(handles.instance, reinterpret_cast<std::uint64_t>(made_instance));
    EXPECT_EQ(handles.physical_device, reinterpret_cast<std::uint64_t>(chosen));
    EXPECT_EQ(handles.device, reinterpret_cast<std::uint64_t>(made_device));
    expectRenders(**created);
    EXPECT_EQ((*created)->validationMessageCount(), 0u);
  }  // the renderer destroys the device and the instance it was handed
  EXPECT_EQ(instance_calls, 1);
  EXPECT_EQ(select_calls, 1);
  EXPECT_EQ(device_calls, 1);
}

TEST_F(DeviceRequirementsTest, CallbackErrorsReachTheCaller) {
  RendererOptions options = testOptions();
  options.requirements.create_instance = [](const void*) -> core::Result<std::uint64_t> {
    return core::makeError("runtime refused", "xr", "check the OpenXR runtime");
  };
  auto created = Renderer::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message.find("runtime refused"), std::string::npos) << created.error().describe();

  options = testOptions();
  options.requirements.select_physical_device = [](std::uint64_t) -> std::uint64_t { return 0; };
  created = Renderer::create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message.find("select_physical_device"), std::string::npos);
}

TEST_F(DeviceRequirementsTest, PhysicalDeviceIsHonoured) {
  // An instance that exists before the renderer (as an OpenXR runtime's would), its device picked by the caller.
  const char* layer = "VK_LAYER_KHRONOS_validation";
  const std::vector<const char*> extensions{"VK_EXT_debug_utils", "VK_EXT_validation_features"};
  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  info.pApplicationInfo = &app;
  info.enabledLayerCount = 1;
  info.ppEnabledLayerNames = &layer;
  info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  VkInstance instance = VK_NULL_HANDLE;
  ASSERT_EQ(vkCreateInstance(&info, nullptr, &instance), VK_SUCCESS);
  std::uint32_t count = 0;
  vkEnumeratePhysicalDevices(instance, &count, nullptr);
  std::vector<VkPhysicalDevice> devices(count);
  vkEnumeratePhysicalDevices(instance, &count, devices.data());
  ASSERT_FALSE(devices.empty());

  RendererOptions options = testOptions();
  bool handed_over = false;
  options.requirements.create_instance = [&](const void*) -> core::Result<std::uint64_t> {
    handed_over = true;
    return reinterpret_cast<std::uint64_t>(instance);
  };
  // A handle that is not one of the instance's devices is refused, not used.
  options.requirements.physical_device = 0x1234;
  auto refused = Renderer::create(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("not one of this VkInstance's devices"), std::string::npos);
  ASSERT_TRUE(handed_over);  // the failed renderer destroyed the instance it was handed: make a fresh one
  ASSERT_EQ(vkCreateInstance(&info, nullptr, &instance), VK_SUCCESS);
  vkEnumeratePhysicalDevices(instance, &count, devices.data());

  options.requirements.physical_device = reinterpret_cast<std::uint64_t>(devices.back());
  auto created = Renderer::create(options);
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_EQ((*created)->nativeHandles().physical_device, reinterpret_cast<std::uint64_t>(devices.back()));
  EXPECT_EQ((*created)->nativeHandles().instance, reinterpret_cast<std::uint64_t>(instance));
  expectRenders(**created);
  EXPECT_EQ((*created)->validationMessageCount(), 0u);
}

}  // namespace
}  // namespace rivet::render

// Vulkan helpers private to app/render: RAII move-only handle wrappers, VkResult errors, buffers, images, barriers.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>

#include "rivet/core/result.hpp"

namespace rivet::render::vk {

const char* resultName(VkResult result);
// "vkCreateImage(...) failed: VK_ERROR_OUT_OF_DEVICE_MEMORY" with where = "render".
core::Error error(const char* call, VkResult result);

// Returns the core::Error from the enclosing function (Status or Result<T>) when a Vulkan call fails.
#define RIVET_VK_TRY(call)                                                               \
  do {                                                                                   \
    const VkResult rivet_vk_result_ = (call);                                            \
    if (rivet_vk_result_ != VK_SUCCESS) return ::rivet::render::vk::error(#call, rivet_vk_result_); \
  } while (false)

// Owns one device-level Vulkan handle; destroyed with `Destroy` (vkDestroyX / vkFreeMemory).
template <class T, void (*Destroy)(VkDevice, T, const VkAllocationCallbacks*)>
class Handle {
 public:
  Handle() = default;
  Handle(VkDevice device, T handle) : device_(device), handle_(handle) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : device_(other.device_), handle_(std::exchange(other.handle_, VK_NULL_HANDLE)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      device_ = other.device_;
      handle_ = std::exchange(other.handle_, VK_NULL_HANDLE);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  void reset() {
    if (handle_ != VK_NULL_HANDLE) Destroy(device_, handle_, nullptr);
    handle_ = VK_NULL_HANDLE;
  }
  [[nodiscard]] T get() const { return handle_; }
  explicit operator bool() const { return handle_ != VK_NULL_HANDLE; }

 private:
  VkDevice device_ = VK_NULL_HANDLE;
  T handle_ = VK_NULL_HANDLE;
};

using Buffer = Handle<VkBuffer, vkDestroyBuffer>;
using Memory = Handle<VkDeviceMemory, vkFreeMemory>;
using Image = Handle<VkImage, vkDestroyImage>;
using ImageView = Handle<VkImageView, vkDestroyImageView>;
using Sampler = Handle<VkSampler, vkDestroySampler>;
using RenderPass = Handle<VkRenderPass, vkDestroyRenderPass>;
using Framebuffer = Handle<VkFramebuffer, vkDestroyFramebuffer>;
using Pipeline = Handle<VkPipeline, vkDestroyPipeline>;
using PipelineLayout = Handle<VkPipelineLayout, vkDestroyPipelineLayout>;
using DescriptorSetLayout = Handle<VkDescriptorSetLayout, vkDestroyDescriptorSetLayout>;
using DescriptorPool = Handle<VkDescriptorPool, vkDestroyDescriptorPool>;
using CommandPool = Handle<VkCommandPool, vkDestroyCommandPool>;
using Fence = Handle<VkFence, vkDestroyFence>;
using Semaphore = Handle<VkSemaphore, vkDestroySemaphore>;
using Swapchain = Handle<VkSwapchainKHR, vkDestroySwapchainKHR>;
using ShaderModule = Handle<VkShaderModule, vkDestroyShaderModule>;

// What the helpers below need to know about the device.
struct DeviceContext {
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  std::uint32_t queue_family = 0;
  VkCommandPool command_pool = VK_NULL_HANDLE;
  VkPhysicalDeviceMemoryProperties memory{};
};

struct BufferAlloc {
  Buffer buffer;
  Memory memory;
  void* mapped = nullptr;  // persistently mapped when created host-visible
  VkDeviceSize size = 0;
};

struct ImageDesc {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  VkFormat format = VK_FORMAT_UNDEFINED;
  VkImageUsageFlags usage = 0;
  VkSampleCountFlagBits samples = VK_SAMPLE_COUNT_1_BIT;
  VkImageAspectFlags aspect = VK_IMAGE_ASPECT_COLOR_BIT;
  VkFormat alt_view_format = VK_FORMAT_UNDEFINED;  // set: image is MUTABLE_FORMAT and gets a second view
  bool create_view = true;
};

struct ImageAlloc {
  Image image;
  Memory memory;
  ImageView view;
  ImageView alt_view;
  VkFormat format = VK_FORMAT_UNDEFINED;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
};

core::Result<std::uint32_t> findMemoryType(const DeviceContext& ctx, std::uint32_t type_bits,
                                           VkMemoryPropertyFlags wanted);
// Host-visible buffers are mapped persistently; device-local ones are not.
core::Result<BufferAlloc> createBuffer(const DeviceContext& ctx, VkDeviceSize size, VkBufferUsageFlags usage,
                                       bool host_visible);
core::Result<ImageAlloc> createImage(const DeviceContext& ctx, const ImageDesc& desc);
core::Result<ImageView> createView(VkDevice device, VkImage image, VkFormat format, VkImageAspectFlags aspect);
core::Result<ShaderModule> createShader(VkDevice device, std::string_view name);
// Records `record` into a fresh command buffer, submits it and waits for it to finish.
core::Status submitNow(const DeviceContext& ctx, const std::function<void(VkCommandBuffer)>& record);

void imageBarrier(VkCommandBuffer cmd, VkImage image, VkImageAspectFlags aspect, VkImageLayout old_layout,
                  VkImageLayout new_layout, VkPipelineStageFlags src_stage, VkAccessFlags src_access,
                  VkPipelineStageFlags dst_stage, VkAccessFlags dst_access);

// Copies all of `src` (TRANSFER_SRC_OPTIMAL) onto `dst` (TRANSFER_DST_OPTIMAL), both width x height colour images;
// converts formats (e.g. into an R8G8B8A8_SRGB readback image), no scaling.
void blitWholeImage(VkCommandBuffer cmd, VkImage src, VkImage dst, std::int32_t width, std::int32_t height);
// Copies the bytes of all of `src` onto `dst` (same size and byte layout; layouts TRANSFER_SRC/DST_OPTIMAL).
void copyWholeImage(VkCommandBuffer cmd, VkImage src, VkImage dst, std::int32_t width, std::int32_t height);

// Points `binding` of `set` at a combined image sampler (the image in SHADER_READ_ONLY_OPTIMAL).
void writeImageDescriptor(VkDevice device, VkDescriptorSet set, std::uint32_t binding, VkSampler sampler,
                          VkImageView view);

}  // namespace rivet::render::vk

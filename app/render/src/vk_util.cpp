// Vulkan helpers private to app/render: error text, memory-type choice, buffer/image creation, one-shot submits.
#include "vk_util.hpp"

#include <string>

#include "rivet/shaders/spirv.hpp"

namespace rivet::render::vk {

const char* resultName(VkResult result) {
  switch (result) {
    case VK_SUCCESS: return "VK_SUCCESS";
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_INCOMPLETE: return "VK_INCOMPLETE";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
    case VK_ERROR_FORMAT_NOT_SUPPORTED: return "VK_ERROR_FORMAT_NOT_SUPPORTED";
    case VK_ERROR_OUT_OF_POOL_MEMORY: return "VK_ERROR_OUT_OF_POOL_MEMORY";
    default: return "VkResult error";
  }
}

core::Error error(const char* call, VkResult result) {
  std::string call_name(call);
  const auto paren = call_name.find('(');
  if (paren != std::string::npos) call_name.resize(paren);
  return core::makeError(call_name + " failed: " + resultName(result) + " (" + std::to_string(result) + ")",
                         "render", "check the Vulkan driver (vulkaninfo) and free memory");
}

core::Result<std::uint32_t> findMemoryType(const DeviceContext& ctx, std::uint32_t type_bits,
                                           VkMemoryPropertyFlags wanted) {
  for (std::uint32_t i = 0; i < ctx.memory.memoryTypeCount; ++i) {
    if ((type_bits & (1u << i)) != 0 && (ctx.memory.memoryTypes[i].propertyFlags & wanted) == wanted) return i;
  }
  return core::makeError("no Vulkan memory type with the needed properties", "render",
                         "the device lacks host-visible or device-local memory; try another driver");
}

namespace {
// Allocates one block of `req.size` bytes of memory type `type` (buffers and images bind it themselves).
core::Result<Memory> allocateMemory(const DeviceContext& ctx, const VkMemoryRequirements& req, std::uint32_t type) {
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = type;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkAllocateMemory(ctx.device, &alloc, nullptr, &memory));
  return Memory(ctx.device, memory);
}
}  // namespace

core::Result<BufferAlloc> createBuffer(const DeviceContext& ctx, VkDeviceSize size, VkBufferUsageFlags usage,
                                       bool host_visible) {
  BufferAlloc out;
  out.size = size;
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = size;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer buffer = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateBuffer(ctx.device, &info, nullptr, &buffer));
  out.buffer = Buffer(ctx.device, buffer);
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(ctx.device, buffer, &req);
  const VkMemoryPropertyFlags wanted = host_visible
                                           ? VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
                                           : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  auto type = findMemoryType(ctx, req.memoryTypeBits, wanted);
  if (!type) return type.error();
  auto memory = allocateMemory(ctx, req, *type);
  if (!memory) return memory.error();
  out.memory = std::move(*memory);
  RIVET_VK_TRY(vkBindBufferMemory(ctx.device, buffer, out.memory.get(), 0));
  if (host_visible) RIVET_VK_TRY(vkMapMemory(ctx.device, out.memory.get(), 0, VK_WHOLE_SIZE, 0, &out.mapped));
  return out;
}

core::Result<ImageView> createView(VkDevice device, VkImage image, VkFormat format, VkImageAspectFlags aspect) {
  VkImageViewCreateInfo info{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
  info.image = image;
  info.viewType = VK_IMAGE_VIEW_TYPE_2D;
  info.format = format;
  info.subresourceRange = {aspect, 0, 1, 0, 1};
  VkImageView view = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateImageView(device, &info, nullptr, &view));
  return ImageView(device, view);
}

core::Result<ImageAlloc> createImage(const DeviceContext& ctx, const ImageDesc& desc) {
  ImageAlloc out;
  out.format = desc.format;
  out.width = desc.width;
  out.height = desc.height;
  VkImageCreateInfo info{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
  if (desc.alt_view_format != VK_FORMAT_UNDEFINED) info.flags = VK_IMAGE_CREATE_MUTABLE_FORMAT_BIT;
  info.imageType = VK_IMAGE_TYPE_2D;
  info.format = desc.format;
  info.extent = {desc.width, desc.height, 1};
  info.mipLevels = 1;
  info.arrayLayers = 1;
  info.samples = desc.samples;
  info.tiling = VK_IMAGE_TILING_OPTIMAL;
  info.usage = desc.usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  VkImage image = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateImage(ctx.device, &info, nullptr, &image));
  out.image = Image(ctx.device, image);
  VkMemoryRequirements req;
  vkGetImageMemoryRequirements(ctx.device, image, &req);
  auto type = findMemoryType(ctx, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  if (!type) type = findMemoryType(ctx, req.memoryTypeBits, 0);
  if (!type) return type.error();
  auto memory = allocateMemory(ctx, req, *type);
  if (!memory) return memory.error();
  out.memory = std::move(*memory);
  RIVET_VK_TRY(vkBindImageMemory(ctx.device, image, out.memory.get(), 0));
  if (desc.create_view) {
    auto view = createView(ctx.device, image, desc.format, desc.aspect);
    if (!view) return view.error();
    out.view = std::move(*view);
    if (desc.alt_view_format != VK_FORMAT_UNDEFINED) {
      auto alt = createView(ctx.device, image, desc.alt_view_format, desc.aspect);
      if (!alt) return alt.error();
      out.alt_view = std::move(*alt);
    }
  }
  return out;
}

core::Result<ShaderModule> createShader(VkDevice device, std::string_view name) {
  const auto words = shaders::spirv(name);
  if (words.empty()) {
    return core::makeError("shader " + std::string(name) + " is not embedded in this binary", "render",
                           "rebuild: shaders/CMakeLists.txt compiles shaders/*.vert|*.frag with glslc");
  }
  VkShaderModuleCreateInfo info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  info.codeSize = words.size() * sizeof(std::uint32_t);
  info.pCode = words.data();
  VkShaderModule module = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateShaderModule(device, &info, nullptr, &module));
  return ShaderModule(device, module);
}

core::Status submitNow(const DeviceContext& ctx, const std::function<void(VkCommandBuffer)>& record) {
  VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  alloc.commandPool = ctx.command_pool;
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkAllocateCommandBuffers(ctx.device, &alloc, &cmd));
  struct FreeOnExit {
    const DeviceContext& ctx;
    VkCommandBuffer cmd;
    ~FreeOnExit() { vkFreeCommandBuffers(ctx.device, ctx.command_pool, 1, &cmd); }
  } free_on_exit{ctx, cmd};

  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  RIVET_VK_TRY(vkBeginCommandBuffer(cmd, &begin));
  record(cmd);
  RIVET_VK_TRY(vkEndCommandBuffer(cmd));

  VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence raw_fence = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateFence(ctx.device, &fence_info, nullptr, &raw_fence));
  const Fence fence(ctx.device, raw_fence);
  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &cmd;
  RIVET_VK_TRY(vkQueueSubmit(ctx.queue, 1, &submit, raw_fence));
  RIVET_VK_TRY(vkWaitForFences(ctx.device, 1, &raw_fence, VK_TRUE, UINT64_MAX));
  return {};
}

void imageBarrier(VkCommandBuffer cmd, VkImage image, VkImageAspectFlags aspect, VkImageLayout old_layout,
                  VkImageLayout new_layout, VkPipelineStageFlags src_stage, VkAccessFlags src_access,
                  VkPipelineStageFlags dst_stage, VkAccessFlags dst_access) {
  VkImageMemoryBarrier barrier{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
  barrier.srcAccessMask = src_access;
  barrier.dstAccessMask = dst_access;
  barrier.oldLayout = old_layout;
  barrier.newLayout = new_layout;
  barrier.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.image = image;
  barrier.subresourceRange = {aspect, 0, 1, 0, 1};
  vkCmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 0, nullptr, 0, nullptr, 1, &barrier);
}

void blitWholeImage(VkCommandBuffer cmd, VkImage src, VkImage dst, std::int32_t width, std::int32_t height) {
  VkImageBlit blit{};
  blit.srcSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  blit.srcOffsets[1] = {width, height, 1};
  blit.dstSubresource = blit.srcSubresource;
  blit.dstOffsets[1] = blit.srcOffsets[1];
  vkCmdBlitImage(cmd, src, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, dst, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &blit,
                 VK_FILTER_NEAREST);
}

void copyWholeImage(VkCommandBuffer cmd, VkImage src, VkImage dst, std::int32_t width, std::int32_t height) {
  VkImageCopy region{};
  region.srcSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.dstSubresource = region.srcSubresource;
  region.extent = {static_cast<std::uint32_t>(width), static_cast<std::uint32_t>(height), 1};
  vkCmdCopyImage(cmd, src, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, dst, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
}

void writeImageDescriptor(VkDevice device, VkDescriptorSet set, std::uint32_t binding, VkSampler sampler,
                          VkImageView view) {
  const VkDescriptorImageInfo info{sampler, view, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
  VkWriteDescriptorSet write{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
  write.dstSet = set;
  write.dstBinding = binding;
  write.descriptorCount = 1;
  write.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
  write.pImageInfo = &info;
  vkUpdateDescriptorSets(device, 1, &write, 0, nullptr);
}

}  // namespace rivet::render::vk

// Renderer's public API: creation, targets, model and background, UI, readback, masks, handles (frames: lifecycle.cpp).
#include "rivet/render/renderer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "backends/imgui_impl_vulkan.h"
#include "imgui.h"
#include "renderer_impl.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"

namespace rivet::render {
namespace {

void checkImGuiVkResult(VkResult result) {
  if (result != VK_SUCCESS) core::log::error(std::string("ImGui Vulkan backend: ") + vk::resultName(result));
}

}  // namespace

Renderer::Impl::~Impl() {
  if (open_frame.open) {
    if (auto s = endFrame(); !s) core::log::warn("render: finishing the open frame: " + s.error().describe());
  }
  if (device_owner.device != VK_NULL_HANDLE) vkDeviceWaitIdle(device_owner.device);
  shutdownUi();
}

void Renderer::Impl::shutdownUi() {
  if (!ui_ready) return;
  if (ImGui::GetCurrentContext() != nullptr && ImGui::GetIO().BackendRendererUserData != nullptr) {
    ImGui_ImplVulkan_Shutdown();
  } else {
    core::log::warn("render: ImGui context destroyed before Renderer::shutdownUi(); backend objects leaked");
  }
  ui_pool.reset();
  ui_ready = false;
}

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

core::Status Renderer::setImportedImage(int target, std::uint64_t vk_image) {
  RenderTarget* t = impl_->findTarget(target);
  if (t == nullptr || t->external == VK_NULL_HANDLE) {
    return core::makeError("setImportedImage: target " + std::to_string(target) + " is not an imported target",
                           "render", "use an id returned by importTarget");
  }
  if (vk_image == 0) return core::makeError("setImportedImage: the VkImage handle is null", "render", "pass a created VkImage");
  if (impl_->open_frame.recorded) {
    return core::makeError("setImportedImage: called between renderFrame() and endFrame()", "render",
                           "set the image before renderFrame()");
  }
  t->external = reinterpret_cast<VkImage>(vk_image);
  return {};
}

ViewConstants Renderer::Impl::viewConstants(const ViewSetup& view) const {
  ViewConstants constants{};
  const core::Mat4f model_view = view.T_view_model * dequantize;  // no longer rigid: model.vert re-normalises
  constants.mvp = (view.projection * model_view).m;
  constants.model_view = model_view.m;
  return constants;
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
  if (m.open_frame.recorded) {
    return core::makeError("setModel() between renderFrame() and endFrame()", "render: setModel",
                           "call setModel() between frames");
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
  const content::Bounds bounds = content::vertexBounds(model);
  m.bounds_min = bounds.min;
  m.bounds_max = bounds.max;
  // model.vert reads positions as unorm (q / 65535); this maps them to model coordinates.
  m.dequantize = core::Mat4f::identity();
  for (int a = 0; a < 3; ++a) {
    m.dequantize.at(a, a) = model.quantization.scale_m[static_cast<size_t>(a)];
    m.dequantize.at(a, 3) = model.quantization.offset_m[static_cast<size_t>(a)];
  }
  if (m.parts.empty()) {  // a model without a part table is one part
    content::Part whole;
    whole.id = "model";
    whole.index_count = static_cast<std::uint32_t>(model.indices.size());
    m.parts.push_back(whole);
  }
  m.has_model = true;
  m.writeStyles({});
  return {};
}

core::Status Renderer::setBackground(int target, const core::Image& image) {
  Impl& m = *impl_;
  RenderTarget* found = m.findTarget(target);
  if (found == nullptr) {
    return core::makeError("no such render target", targetWhere(target),
                           "use an id from createOffscreenTarget/importTarget/createSwapchainTarget");
  }
  if (image.empty() || (image.format != core::PixelFormat::Rgba8 && image.format != core::PixelFormat::Bgr8) ||
      image.pixels.size() < image.stride() * static_cast<size_t>(image.height)) {
    return core::makeError("background image must be a non-empty Rgba8 or Bgr8 image", targetWhere(target),
                           "convert the camera frame to Rgba8 or Bgr8 first");
  }
  if (image.width > kMaxTargetSize || image.height > kMaxTargetSize) {
    return core::makeError("background image is larger than 16384 pixels", targetWhere(target), "downscale it");
  }
  if (auto s = m.uploadBackground(*found, image); !s) return s;
  found->has_background = true;
  return {};
}

void Renderer::clearBackground(int target) {
  if (RenderTarget* t = impl_->findTarget(target); t != nullptr) t->has_background = false;
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
  info.ImageCount = kUiBufferSlots;
  info.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
  info.Allocator = nullptr;
  info.CheckVkResultFn = checkImGuiVkResult;
  if (!ImGui_ImplVulkan_Init(&info, m.ui_texture_pass.get())) {  // ImGui draws into the UI texture only
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

void Renderer::waitIdle() {
  if (impl_->ctx.device != VK_NULL_HANDLE) vkDeviceWaitIdle(impl_->ctx.device);
  impl_->collectRetired();
}

void Renderer::shutdownUi() {
  if (impl_->ctx.device != VK_NULL_HANDLE) vkDeviceWaitIdle(impl_->ctx.device);
  impl_->shutdownUi();
}

core::Result<core::Image> Renderer::readback(int target) {
  Impl& m = *impl_;
  RenderTarget* found = m.findTarget(target);
  if (found == nullptr) {
    return core::makeError("no such render target", targetWhere(target),
                           "use an id from createOffscreenTarget/importTarget/createSwapchainTarget");
  }
  if (m.open_frame.recorded) {
    return core::makeError("readback() between renderFrame() and endFrame()", targetWhere(target),
                           "call endFrame() first: the frame's work is submitted there");
  }
  RenderTarget& t = *found;
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
      vk::blitWholeImage(cmd, t.external, t.readback_image.image.get(), t.width, t.height);
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
  const ViewConstants constants = m.viewConstants(view);
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

std::uint64_t processValidationMessageCount() { return processValidationCounter().load(); }

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

// Render targets: per-target images, framebuffers and descriptor set; background staging and upload.
#include <cstring>
#include <vector>

#include "renderer_impl.hpp"

namespace rivet::render {

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

}  // namespace rivet::render

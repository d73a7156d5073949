// Render targets: per-target images, framebuffers and descriptor set; background staging and upload; retiring.
#include <algorithm>
#include <cstring>
#include <vector>

#include "renderer_impl.hpp"

namespace rivet::render {

RenderTarget* Renderer::Impl::findTarget(int target) const {
  if (target < 0 || static_cast<size_t>(target) >= targets.size()) return nullptr;
  return targets[static_cast<size_t>(target)].get();
}

core::Status Renderer::Impl::createTargetImages(RenderTarget& t, int width, int height) {
  if (width <= 0 || height <= 0 || width > kMaxTargetSize || height > kMaxTargetSize) {
    return core::makeError("render target size " + std::to_string(width) + "x" + std::to_string(height) +
                               " is out of range",
                           "render", "use a size between 1x1 and 16384x16384");
  }
  // Framebuffers first: they refer to the views of the images replaced below.
  t.id_fb = {};
  t.scene_fb = {};
  t.overlay_fb = {};
  t.ui_fb = {};
  t.rendered = false;
  t.width = width;
  t.height = height;
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
  if (auto s = make(t.color, color); !s) return s;
  if (samples != VK_SAMPLE_COUNT_1_BIT) {
    vk::ImageDesc msaa{w, h, kColorFormat,
                       VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSIENT_ATTACHMENT_BIT, samples};
    if (auto s = make(t.msaa_color, msaa); !s) return s;
  }
  vk::ImageDesc depth{w, h, kDepthFormat, VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT, samples,
                      VK_IMAGE_ASPECT_DEPTH_BIT};
  if (auto s = make(t.depth, depth); !s) return s;
  depth.samples = VK_SAMPLE_COUNT_1_BIT;
  if (auto s = make(t.id_depth, depth); !s) return s;
  vk::ImageDesc id{w, h, kIdFormat, VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_SAMPLED_BIT};
  if (auto s = make(t.id, id); !s) return s;
  if (t.external != VK_NULL_HANDLE) {
    vk::ImageDesc back{w, h, kColorFormat, VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT};
    back.create_view = false;
    if (auto s = make(t.readback_image, back); !s) return s;
  }
  if (t.swapchain && t.swapchain->format == VK_FORMAT_B8G8R8A8_UNORM) {
    vk::ImageDesc bgra{w, h, VK_FORMAT_B8G8R8A8_SRGB, VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT};
    bgra.create_view = false;
    if (auto s = make(t.swapchain->bgra, bgra); !s) return s;
  }
  auto readback = vk::createBuffer(ctx, VkDeviceSize{w} * h * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
  if (!readback) return readback.error();
  t.readback = std::move(*readback);

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
  if (auto s = framebuffer(id_pass.get(), {t.id.view.get(), t.id_depth.view.get()}, t.id_fb); !s) return s;
  std::vector<VkImageView> scene_views;
  if (samples != VK_SAMPLE_COUNT_1_BIT) {
    scene_views = {t.msaa_color.view.get(), t.depth.view.get(), t.color.view.get()};
  } else {
    scene_views = {t.color.view.get(), t.depth.view.get()};
  }
  if (auto s = framebuffer(scene_pass.get(), scene_views, t.scene_fb); !s) return s;
  if (auto s = framebuffer(overlay_pass.get(), {t.color.view.get()}, t.overlay_fb); !s) return s;
  if (auto s = framebuffer(ui_pass.get(), {t.color.alt_view.get()}, t.ui_fb); !s) return s;

  vk::writeImageDescriptor(ctx.device, t.set, 1, nearest_sampler.get(), t.id.view.get());
  return {};
}

core::Result<int> Renderer::Impl::addTarget(int width, int height, VkImage external, VkFormat external_format,
                                            std::unique_ptr<SwapchainState> swapchain) {
  if (width <= 0 || height <= 0 || width > kMaxTargetSize || height > kMaxTargetSize) {
    return core::makeError("render target size " + std::to_string(width) + "x" + std::to_string(height) +
                               " is out of range",
                           "render", "use a size between 1x1 and 16384x16384");
  }
  const auto free_id = std::find(targets.begin(), targets.end(), nullptr);
  const auto live = static_cast<size_t>(std::count_if(targets.begin(), targets.end(), [](const auto& t) { return t != nullptr; }));
  if (live >= kMaxTargets) {
    return core::makeError("too many render targets (at most 64)", "render",
                           "reuse targets, or destroyTarget() the ones no longer needed");
  }
  auto target = std::make_unique<RenderTarget>();
  target->external = external;
  target->external_format = external_format;
  target->swapchain = std::move(swapchain);

  VkDescriptorSetAllocateInfo alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  alloc.descriptorPool = descriptor_pool.get();
  alloc.descriptorSetCount = 1;
  const VkDescriptorSetLayout set_layout = target_set_layout.get();
  alloc.pSetLayouts = &set_layout;
  RIVET_VK_TRY(vkAllocateDescriptorSets(ctx.device, &alloc, &target->set));
  struct FreeSetOnError {
    Renderer::Impl& impl;
    std::unique_ptr<RenderTarget>& t;
    ~FreeSetOnError() {
      if (t) impl.releaseTarget(std::move(t));
    }
  } guard{*this, target};
  if (auto s = createTargetImages(*target, width, height); !s) return s.error();
  // Every descriptor must be valid while the set is bound (lavapipe reads them all), so start with a 1x1 texture.
  core::Image placeholder(1, 1, core::PixelFormat::Rgba8);
  placeholder.pixels = {40, 40, 40, 255};
  if (auto s = uploadBackground(*target, placeholder); !s) return s.error();
  if (free_id != targets.end()) {
    *free_id = std::move(target);
    return static_cast<int>(free_id - targets.begin());
  }
  targets.push_back(std::move(target));
  return static_cast<int>(targets.size() - 1);
}

// Frees a target no frame uses any more (its descriptor set goes back to the pool).
void Renderer::Impl::releaseTarget(std::unique_ptr<RenderTarget> t) {
  if (t->set != VK_NULL_HANDLE) vkFreeDescriptorSets(ctx.device, descriptor_pool.get(), 1, &t->set);
  t.reset();
}

// Stages an Rgba8/Bgr8 image for the target's background texture; the next frame that draws the target copies it
// (re-creating the texture when the size changed). The staging buffer written is one no frame in flight reads.
// A sampled background texture of w x h for target `t`, bound to its descriptor set (replaces the previous one).
core::Status Renderer::Impl::createBackgroundTexture(RenderTarget& t, std::uint32_t w, std::uint32_t h) {
  auto texture = vk::createImage(ctx, {w, h, kColorFormat, VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT});
  if (!texture) return texture.error();
  t.background = std::move(*texture);
  vk::writeImageDescriptor(ctx.device, t.set, 0, linear_sampler.get(), t.background.view.get());
  return {};
}

core::Status Renderer::Impl::uploadBackground(RenderTarget& t, const core::Image& image) {
  const auto w = static_cast<std::uint32_t>(image.width);
  const auto h = static_cast<std::uint32_t>(image.height);
  int index = t.pending_staging;
  if (index < 0) {
    for (size_t i = 0; i < t.background_staging.size() && index < 0; ++i) {
      if (isComplete(t.background_staging[i].busy_until)) index = static_cast<int>(i);
    }
  }
  if (index < 0) {
    // Both are read by frames in flight: wait for the older one (one being recorded cannot be waited for, and at
    // most one buffer is read by the frame being recorded).
    const auto& s = t.background_staging;
    index = s[0].busy_until < s[1].busy_until ? 0 : 1;
    if (auto waited = waitSerial(s[static_cast<size_t>(index)].busy_until); !waited) return waited;
  }
  BackgroundStaging& staging = t.background_staging[static_cast<size_t>(index)];
  const VkDeviceSize bytes = VkDeviceSize{w} * h * 4;
  if (!staging.buffer.buffer || staging.buffer.size < bytes) {
    auto buffer = vk::createBuffer(ctx, bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, true);
    if (!buffer) return buffer.error();
    staging.buffer = std::move(*buffer);
  }
  auto* dst = static_cast<std::uint8_t*>(staging.buffer.mapped);
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
  t.pending_staging = index;
  t.pending_width = w;
  t.pending_height = h;
  if (!t.background.image) {  // first upload (addTarget): the descriptor must be valid before any frame
    if (auto st = createBackgroundTexture(t, w, h); !st.ok()) return st;
  }
  return {};
}

// Records the staged background copy (whole image replaced, so the old contents are discarded). Called before the
// frame's views are recorded, so no command of frame `serial` uses the texture yet.
core::Status Renderer::Impl::recordBackgroundUpload(VkCommandBuffer cmd, RenderTarget& t, std::uint64_t serial) {
  if (t.background.width != t.pending_width || t.background.height != t.pending_height) {
    // A new size needs a new texture: earlier frames still sampling the old one must finish first.
    if (auto s = waitSerial(t.last_used_serial); !s) return s;
    if (auto st = createBackgroundTexture(t, t.pending_width, t.pending_height); !st.ok()) return st;
  }
  BackgroundStaging& staging = t.background_staging[static_cast<size_t>(t.pending_staging)];
  const VkImage texture = t.background.image.get();
  vk::imageBarrier(cmd, texture, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_UNDEFINED,
                   VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0,
                   VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
  VkBufferImageCopy region{};
  region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
  region.imageExtent = {t.background.width, t.background.height, 1};
  vkCmdCopyBufferToImage(cmd, staging.buffer.buffer.get(), texture, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
  vk::imageBarrier(cmd, texture, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                   VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                   VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
  staging.busy_until = serial;
  t.pending_staging = -1;
  return {};
}

}  // namespace rivet::render

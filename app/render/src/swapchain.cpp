// Swapchain targets: surface format and present mode choice, (re)creation, acquire, the copy into the image, present.
#include <algorithm>
#include <array>
#include <vector>

#include "renderer_impl.hpp"
#include "rivet/core/log.hpp"

namespace rivet::render {
namespace {

constexpr std::uint64_t kAcquireTimeoutNs = 5'000'000'000;  // a stuck presentation engine: skip the frame, not hang

const char* presentModeName(VkPresentModeKHR mode) {
  switch (mode) {
    case VK_PRESENT_MODE_IMMEDIATE_KHR: return "IMMEDIATE";
    case VK_PRESENT_MODE_MAILBOX_KHR: return "MAILBOX";
    case VK_PRESENT_MODE_FIFO_KHR: return "FIFO";
    case VK_PRESENT_MODE_FIFO_RELAXED_KHR: return "FIFO_RELAXED";
    default: return "other";
  }
}

}  // namespace

core::Result<int> Renderer::createSwapchainTarget(std::uint64_t vk_surface, int width, int height, bool vsync) {
  Impl& m = *impl_;
  if (vk_surface == 0) {
    return core::makeError("createSwapchainTarget: the VkSurfaceKHR handle is null", "render",
                           "create the surface with Window::createSurface(nativeHandles().instance)");
  }
  const auto surface = reinterpret_cast<VkSurfaceKHR>(vk_surface);
  if (!m.surface_enabled) {  // the surface cannot come from this instance, so it is not ours to destroy either
    return core::makeError("createSwapchainTarget: the renderer was created without VK_KHR_surface", "render",
                           "add Window::requiredInstanceExtensions() to RendererOptions::requirements.instance_extensions");
  }
  auto sc = std::make_unique<SwapchainState>();
  sc->surface.adopt(m.instance_owner.instance, surface);  // from here on the surface is destroyed with `sc`
  if (!m.swapchain_enabled) {
    return core::makeError("createSwapchainTarget: VK_KHR_swapchain is not enabled on the device", "render",
                           "create the renderer with VK_KHR_surface in requirements.instance_extensions");
  }
  if (width <= 0 || height <= 0 || width > kMaxTargetSize || height > kMaxTargetSize) {
    return core::makeError("createSwapchainTarget: size " + std::to_string(width) + "x" + std::to_string(height) +
                               " is out of range",
                           "render", "pass the window's framebuffer size (create the target once it is not minimised)");
  }
  VkPhysicalDevice physical = m.ctx.physical;
  VkBool32 supported = VK_FALSE;
  RIVET_VK_TRY(vkGetPhysicalDeviceSurfaceSupportKHR(physical, m.ctx.queue_family, surface, &supported));
  if (supported != VK_TRUE) {
    return core::makeError("createSwapchainTarget: '" + m.device_name + "' cannot present to this surface from its "
                               "graphics queue",
                           "render", "check supportsPresent() first; run on the display's GPU");
  }
  std::uint32_t count = 0;
  RIVET_VK_TRY(vkGetPhysicalDeviceSurfaceFormatsKHR(physical, surface, &count, nullptr));
  std::vector<VkSurfaceFormatKHR> formats(count);
  RIVET_VK_TRY(vkGetPhysicalDeviceSurfaceFormatsKHR(physical, surface, &count, formats.data()));
  for (const VkFormat wanted : {VK_FORMAT_B8G8R8A8_SRGB, VK_FORMAT_R8G8B8A8_SRGB, VK_FORMAT_B8G8R8A8_UNORM,
                                VK_FORMAT_R8G8B8A8_UNORM}) {
    const bool offered = std::any_of(formats.begin(), formats.end(), [&](const VkSurfaceFormatKHR& f) {
      return f.format == wanted && f.colorSpace == VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
    });
    if (offered) {
      sc->format = wanted;
      break;
    }
  }
  if (sc->format == VK_FORMAT_UNDEFINED) {
    return core::makeError("createSwapchainTarget: the surface offers no 8-bit RGBA/BGRA sRGB-colour-space format",
                           "render", "use another display or driver");
  }
  // The picture reaches the image by blit (SRGB formats; B8G8R8A8_UNORM through a B8G8R8A8_SRGB image) or copy.
  const VkFormat blit_target = sc->format == VK_FORMAT_B8G8R8A8_UNORM ? VK_FORMAT_B8G8R8A8_SRGB : sc->format;
  VkFormatProperties format_props;
  vkGetPhysicalDeviceFormatProperties(physical, blit_target, &format_props);
  if (sc->format != VK_FORMAT_R8G8B8A8_UNORM && (format_props.optimalTilingFeatures & VK_FORMAT_FEATURE_BLIT_DST_BIT) == 0) {
    return core::makeError("createSwapchainTarget: this device cannot blit into the swapchain's format", "render",
                           "use another driver");
  }
  RIVET_VK_TRY(vkGetPhysicalDeviceSurfacePresentModesKHR(physical, surface, &count, nullptr));
  std::vector<VkPresentModeKHR> modes(count);
  RIVET_VK_TRY(vkGetPhysicalDeviceSurfacePresentModesKHR(physical, surface, &count, modes.data()));
  sc->present_mode = VK_PRESENT_MODE_FIFO_KHR;  // always supported
  if (!vsync) {
    for (const VkPresentModeKHR wanted : {VK_PRESENT_MODE_MAILBOX_KHR, VK_PRESENT_MODE_IMMEDIATE_KHR}) {
      if (std::find(modes.begin(), modes.end(), wanted) != modes.end()) {
        sc->present_mode = wanted;
        break;
      }
    }
  }
  VkSurfaceCapabilitiesKHR caps;
  RIVET_VK_TRY(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(physical, surface, &caps));
  if ((caps.supportedUsageFlags & VK_IMAGE_USAGE_TRANSFER_DST_BIT) == 0) {
    return core::makeError("createSwapchainTarget: the surface's images cannot be transfer destinations", "render",
                           "use another display or driver");
  }
  for (auto& semaphore : sc->image_available) {
    VkSemaphoreCreateInfo info{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    VkSemaphore handle = VK_NULL_HANDLE;
    RIVET_VK_TRY(vkCreateSemaphore(m.ctx.device, &info, nullptr, &handle));
    semaphore = vk::Semaphore(m.ctx.device, handle);
  }
  sc->requested_width = width;
  sc->requested_height = height;
  const VkFormat format = sc->format;
  const VkPresentModeKHR mode = sc->present_mode;
  auto id = m.addTarget(width, height, VK_NULL_HANDLE, VK_FORMAT_UNDEFINED, std::move(sc));
  if (!id) return id.error();
  RenderTarget& t = *m.targets[static_cast<size_t>(*id)];
  if (auto s = m.createSwapchain(t); !s) {
    m.releaseTarget(std::move(m.targets[static_cast<size_t>(*id)]));
    while (!m.targets.empty() && m.targets.back() == nullptr) m.targets.pop_back();
    return s.error();
  }
  core::log::info("render: swapchain target " + std::to_string(*id) + " " + std::to_string(t.width) + "x" +
                  std::to_string(t.height) + ", VkFormat " + std::to_string(format) + ", " + presentModeName(mode) +
                  ", " + std::to_string(t.swapchain->images.size()) + " images");
  return id;
}

core::Status Renderer::resizeSwapchain(int target, int width, int height) {
  Impl& m = *impl_;
  RenderTarget* t = m.findTarget(target);
  if (t == nullptr || !t->swapchain) {
    return core::makeError("resizeSwapchain: not a swapchain target", targetWhere(target),
                           "use an id from createSwapchainTarget");
  }
  if (m.open_frame.open) {
    return core::makeError("resizeSwapchain() inside a frame", targetWhere(target),
                           "call it between endFrame() and beginFrame()");
  }
  if (width < 0 || height < 0 || width > kMaxTargetSize || height > kMaxTargetSize) {
    return core::makeError("resizeSwapchain: size " + std::to_string(width) + "x" + std::to_string(height) +
                               " is out of range",
                           targetWhere(target), "pass the window's framebuffer size (0x0 when minimised)");
  }
  SwapchainState& sc = *t->swapchain;
  if (width == 0 || height == 0) {
    sc.minimised = true;
    return {};
  }
  sc.minimised = false;
  sc.requested_width = width;
  sc.requested_height = height;
  sc.needs_recreate = true;
  return m.createSwapchain(*t);
}

bool Renderer::supportsPresent(std::uint64_t vk_surface) const {
  if (!impl_->surface_enabled || vk_surface == 0) return false;
  VkBool32 supported = VK_FALSE;
  const VkResult r = vkGetPhysicalDeviceSurfaceSupportKHR(impl_->ctx.physical, impl_->ctx.queue_family,
                                                          reinterpret_cast<VkSurfaceKHR>(vk_surface), &supported);
  return r == VK_SUCCESS && supported == VK_TRUE;
}

// (Re)creates the swapchain at the surface's current extent (the requested size where the surface leaves it to the
// swapchain), and the target's images when the size changed. A zero extent (minimised) leaves needs_recreate set.
core::Status Renderer::Impl::createSwapchain(RenderTarget& t) {
  SwapchainState& sc = *t.swapchain;
  if (sc.swapchain) {
    // The old images, their semaphores and the target's images may still be used by frames or presents.
    RIVET_VK_TRY(vkQueueWaitIdle(ctx.queue));
    if (auto s = waitAllSlots(); !s) return s;
  }
  VkSurfaceCapabilitiesKHR caps;
  RIVET_VK_TRY(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(ctx.physical, sc.surface.get(), &caps));
  VkExtent2D extent = caps.currentExtent;
  if (extent.width == 0xFFFFFFFFu) {
    extent.width = std::clamp(static_cast<std::uint32_t>(sc.requested_width), caps.minImageExtent.width,
                              caps.maxImageExtent.width);
    extent.height = std::clamp(static_cast<std::uint32_t>(sc.requested_height), caps.minImageExtent.height,
                               caps.maxImageExtent.height);
  }
  if (extent.width == 0 || extent.height == 0) {
    sc.needs_recreate = true;  // minimised: try again at the next beginFrame()
    return {};
  }
  extent.width = std::min<std::uint32_t>(extent.width, kMaxTargetSize);
  extent.height = std::min<std::uint32_t>(extent.height, kMaxTargetSize);
  std::uint32_t image_count = caps.minImageCount + 1;
  if (caps.maxImageCount != 0) image_count = std::min(image_count, caps.maxImageCount);
  VkSwapchainCreateInfoKHR info{VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR};
  info.surface = sc.surface.get();
  info.minImageCount = image_count;
  info.imageFormat = sc.format;
  info.imageColorSpace = sc.color_space;
  info.imageExtent = extent;
  info.imageArrayLayers = 1;
  info.imageUsage = VK_IMAGE_USAGE_TRANSFER_DST_BIT;
  info.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.preTransform = caps.currentTransform;
  info.compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
  if ((caps.supportedCompositeAlpha & VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR) == 0) {
    for (const auto bit : {VK_COMPOSITE_ALPHA_INHERIT_BIT_KHR, VK_COMPOSITE_ALPHA_PRE_MULTIPLIED_BIT_KHR,
                           VK_COMPOSITE_ALPHA_POST_MULTIPLIED_BIT_KHR}) {
      if ((caps.supportedCompositeAlpha & bit) != 0) {
        info.compositeAlpha = bit;
        break;
      }
    }
  }
  info.presentMode = sc.present_mode;
  info.clipped = VK_TRUE;
  info.oldSwapchain = sc.swapchain.get();
  VkSwapchainKHR created = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateSwapchainKHR(ctx.device, &info, nullptr, &created));
  sc.swapchain = vk::Swapchain(ctx.device, created);  // destroys the old one (idle, see above)
  std::uint32_t count = 0;
  RIVET_VK_TRY(vkGetSwapchainImagesKHR(ctx.device, created, &count, nullptr));
  sc.images.assign(count, VK_NULL_HANDLE);
  RIVET_VK_TRY(vkGetSwapchainImagesKHR(ctx.device, created, &count, sc.images.data()));
  sc.render_finished.clear();
  for (std::uint32_t i = 0; i < count; ++i) {
    VkSemaphoreCreateInfo semaphore_info{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    VkSemaphore semaphore = VK_NULL_HANDLE;
    RIVET_VK_TRY(vkCreateSemaphore(ctx.device, &semaphore_info, nullptr, &semaphore));
    sc.render_finished.emplace_back(ctx.device, semaphore);
  }
  sc.needs_recreate = false;
  const auto width = static_cast<int>(extent.width);
  const auto height = static_cast<int>(extent.height);
  if (t.width != width || t.height != height) return createTargetImages(t, width, height);
  return {};
}

bool Renderer::Impl::acquireImage(RenderTarget& t, FrameSlot& slot) {
  SwapchainState& sc = *t.swapchain;
  if (sc.minimised) return false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!sc.swapchain || sc.needs_recreate) {
      if (auto s = createSwapchain(t); !s) {
        core::log::error("render: recreating a swapchain: " + s.error().describe());
        return false;
      }
      if (sc.needs_recreate) return false;  // zero extent
    }
    const VkResult r = vkAcquireNextImageKHR(ctx.device, sc.swapchain.get(), kAcquireTimeoutNs,
                                             sc.image_available[slot.serial % kFramesInFlight].get(), VK_NULL_HANDLE,
                                             &sc.image_index);
    if (r == VK_SUCCESS || r == VK_SUBOPTIMAL_KHR) {
      if (r == VK_SUBOPTIMAL_KHR) sc.needs_recreate = true;  // present this one, recreate next frame
      sc.acquired = true;
      sc.drawn = false;
      return true;
    }
    if (r != VK_ERROR_OUT_OF_DATE_KHR) {
      core::log::warn(std::string("render: vkAcquireNextImageKHR: ") + vk::resultName(r) + "; frame skipped");
      return false;
    }
    sc.needs_recreate = true;
  }
  return false;
}

void Renderer::Impl::recordPresentCopy(VkCommandBuffer cmd, RenderTarget& t) {
  SwapchainState& sc = *t.swapchain;
  const VkImage dst = sc.images[sc.image_index];
  // The frame's submit waits for image_available at the transfer stage; this barrier chains onto that wait.
  vk::imageBarrier(cmd, dst, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                   VK_PIPELINE_STAGE_TRANSFER_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
  const VkImage color = t.color.image.get();
  if (!t.rendered) {
    const bool srgb = sc.format == VK_FORMAT_B8G8R8A8_SRGB || sc.format == VK_FORMAT_R8G8B8A8_SRGB;
    const float grey = srgb ? kDarkGreyLinear : 40.0f / 255.0f;
    const VkClearColorValue clear{{grey, grey, grey, 1.0f}};
    const VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    vkCmdClearColorImage(cmd, dst, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &clear, 1, &range);
  } else if (sc.format == VK_FORMAT_R8G8B8A8_UNORM) {
    // Same byte layout: the sRGB-encoded bytes are what a desktop compositor shows from a UNORM image.
    vk::copyWholeImage(cmd, color, dst, t.width, t.height);
  } else if (sc.format == VK_FORMAT_B8G8R8A8_UNORM) {
    // Swap the channels by blitting into a B8G8R8A8_SRGB image (values stay sRGB-encoded), then copy the bytes.
    const VkImage bgra = sc.bgra.image.get();
    vk::imageBarrier(cmd, bgra, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_UNDEFINED,
                     VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT, 0,
                     VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    vk::blitWholeImage(cmd, color, bgra, t.width, t.height);
    vk::imageBarrier(cmd, bgra, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                     VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                     VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    vk::copyWholeImage(cmd, bgra, dst, t.width, t.height);
  } else {
    vk::blitWholeImage(cmd, color, dst, t.width, t.height);  // sRGB to sRGB: the encoded values carry over
  }
  vk::imageBarrier(cmd, dst, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                   VK_IMAGE_LAYOUT_PRESENT_SRC_KHR, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                   VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0);
  sc.drawn = true;
}

core::Status Renderer::Impl::present(const std::vector<RenderTarget*>& swapchains) {
  std::vector<VkSwapchainKHR> chains;
  std::vector<std::uint32_t> indices;
  std::vector<VkSemaphore> waits;
  for (RenderTarget* t : swapchains) {
    chains.push_back(t->swapchain->swapchain.get());
    indices.push_back(t->swapchain->image_index);
    waits.push_back(t->swapchain->render_finished[t->swapchain->image_index].get());
  }
  std::vector<VkResult> results(chains.size(), VK_SUCCESS);
  VkPresentInfoKHR info{VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
  info.waitSemaphoreCount = static_cast<std::uint32_t>(waits.size());
  info.pWaitSemaphores = waits.data();
  info.swapchainCount = static_cast<std::uint32_t>(chains.size());
  info.pSwapchains = chains.data();
  info.pImageIndices = indices.data();
  info.pResults = results.data();
  const VkResult overall = vkQueuePresentKHR(ctx.queue, &info);
  core::Status status;
  for (size_t i = 0; i < swapchains.size(); ++i) {
    const VkResult r = results[i];
    if (r == VK_ERROR_OUT_OF_DATE_KHR || r == VK_SUBOPTIMAL_KHR) {
      swapchains[i]->swapchain->needs_recreate = true;  // at the surface's current extent, next beginFrame()
    } else if (r != VK_SUCCESS && status) {
      status = vk::error("vkQueuePresentKHR", r);
    }
  }
  if (overall == VK_ERROR_DEVICE_LOST && status) status = vk::error("vkQueuePresentKHR", overall);
  return status;
}

}  // namespace rivet::render

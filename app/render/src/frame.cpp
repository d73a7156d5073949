// Per-view command recording: ID pass, scene pass (background, depth pre-pass, shading, x-ray), outlines, UI, blit.
#include <algorithm>
#include <array>
#include <cmath>

#include "backends/imgui_impl_vulkan.h"
#include "imgui.h"
#include "renderer_impl.hpp"

namespace rivet::render {

// Pixel rectangle covering the projection of an axis-aligned box (plus `margin_px`), clamped to the target;
// the whole target when the box reaches behind the camera; empty when the box is off-screen.
VkRect2D projectedRect(const core::Mat4f& mvp, const std::array<float, 3>& lo, const std::array<float, 3>& hi,
                       std::uint32_t width, std::uint32_t height, float margin_px) {
  const VkRect2D full{{0, 0}, {width, height}};
  float min_x = 1e30f, min_y = 1e30f, max_x = -1e30f, max_y = -1e30f;
  for (int i = 0; i < 8; ++i) {
    const std::array<float, 4> p{(i & 1) != 0 ? hi[0] : lo[0], (i & 2) != 0 ? hi[1] : lo[1],
                                 (i & 4) != 0 ? hi[2] : lo[2], 1.0f};
    std::array<float, 4> clip{};
    for (int r = 0; r < 4; ++r) {
      for (int c = 0; c < 4; ++c) clip[static_cast<size_t>(r)] += mvp.at(r, c) * p[static_cast<size_t>(c)];
    }
    if (clip[3] <= 1e-6f) return full;
    const float x = (clip[0] / clip[3] + 1.0f) * 0.5f * static_cast<float>(width);
    const float y = (clip[1] / clip[3] + 1.0f) * 0.5f * static_cast<float>(height);
    min_x = std::min(min_x, x);
    max_x = std::max(max_x, x);
    min_y = std::min(min_y, y);
    max_y = std::max(max_y, y);
  }
  const float x0 = std::clamp(std::floor(min_x - margin_px), 0.0f, static_cast<float>(width));
  const float y0 = std::clamp(std::floor(min_y - margin_px), 0.0f, static_cast<float>(height));
  const float x1 = std::clamp(std::ceil(max_x + margin_px), 0.0f, static_cast<float>(width));
  const float y1 = std::clamp(std::ceil(max_y + margin_px), 0.0f, static_cast<float>(height));
  return {{static_cast<std::int32_t>(x0), static_cast<std::int32_t>(y0)},
          {static_cast<std::uint32_t>(x1 - x0), static_cast<std::uint32_t>(y1 - y0)}};
}

void Renderer::Impl::drawParts(VkCommandBuffer cmd, bool (*include)(PartStyle)) const {
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].index_count == 0 || !include(styles[i])) continue;
    vkCmdDrawIndexed(cmd, parts[i].index_count, 1, parts[i].first_index, 0, static_cast<std::uint32_t>(i));
  }
}

void Renderer::Impl::recordView(VkCommandBuffer cmd, VkDescriptorSet frame_set, RenderTarget& target,
                                const ViewSetup& view, const FrameDesc& frame, bool draw_model, bool any_highlight,
                                bool any_ghost) {
  const auto w = static_cast<std::uint32_t>(target.width);
  const auto h = static_cast<std::uint32_t>(target.height);
  const VkViewport viewport{0, 0, static_cast<float>(w), static_cast<float>(h), 0, 1};
  const VkRect2D area{{0, 0}, {w, h}};
  const core::Mat4f mvp = view.projection * view.T_view_model;
  const ViewConstants constants = viewConstants(view);
  const std::array<VkDescriptorSet, 2> sets{frame_set, target.set};
  // The outline pass is a full-screen fragment loop; confine it to where the model can be (outlines reach ~4 px out).
  const VkRect2D model_rect = projectedRect(mvp, bounds_min, bounds_max, w, h, 8.0f);
  const VkDeviceSize zero = 0;

  auto bindModel = [&] {
    vkCmdSetViewport(cmd, 0, 1, &viewport);
    vkCmdSetScissor(cmd, 0, 1, &area);
    vkCmdPushConstants(cmd, layout.get(), VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof(constants), &constants);
    const VkBuffer vb = vertex_buffer.buffer.get();
    vkCmdBindVertexBuffers(cmd, 0, 1, &vb, &zero);
    vkCmdBindIndexBuffer(cmd, index_buffer.buffer.get(), 0, VK_INDEX_TYPE_UINT32);
  };

  if (draw_model) {  // ID pass: what the outline pass looks at.
    std::array<VkClearValue, 2> clears{};
    clears[0].color.uint32[0] = 0;
    clears[1].depthStencil = {1.0f, 0};
    VkRenderPassBeginInfo begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    begin.renderPass = id_pass.get();
    begin.framebuffer = target.id_fb.get();
    begin.renderArea = area;
    begin.clearValueCount = static_cast<std::uint32_t>(clears.size());
    begin.pClearValues = clears.data();
    vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, layout.get(), 0, 1, &frame_set, 0, nullptr);
    bindModel();
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, id_pipeline.get());
    drawParts(cmd, inDepthPass);
    vkCmdEndRenderPass(cmd);
  }

  {  // Scene pass.
    std::array<VkClearValue, 3> clears{};
    const float grey = frame.transparent_background ? 0.0f : kDarkGreyLinear;
    clears[0].color = {{grey, grey, grey, frame.transparent_background ? 0.0f : 1.0f}};
    clears[1].depthStencil = {1.0f, 0};
    clears[2].color = clears[0].color;
    VkRenderPassBeginInfo begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    begin.renderPass = scene_pass.get();
    begin.framebuffer = target.scene_fb.get();
    begin.renderArea = area;
    begin.clearValueCount = samples != VK_SAMPLE_COUNT_1_BIT ? 3 : 2;
    begin.pClearValues = clears.data();
    vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
    vkCmdSetViewport(cmd, 0, 1, &viewport);
    vkCmdSetScissor(cmd, 0, 1, &area);
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, layout.get(), 0,
                            static_cast<std::uint32_t>(sets.size()), sets.data(), 0, nullptr);
    if (target.has_background) {
      vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, background_pipeline.get());
      vkCmdDraw(cmd, 3, 1, 0, 0);
    }
    if (draw_model) {
      bindModel();
      vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, prepass_pipeline.get());
      drawParts(cmd, inDepthPass);
      vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, normal_pipeline.get());
      drawParts(cmd, [](PartStyle s) { return s == PartStyle::Normal; });
      if (any_highlight) {
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, highlight_occluded_pipeline.get());
        drawParts(cmd, [](PartStyle s) { return s == PartStyle::Highlight; });
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, highlight_visible_pipeline.get());
        drawParts(cmd, [](PartStyle s) { return s == PartStyle::Highlight; });
      }
      if (any_ghost) {
        // Ghost parts last, with their own depth pre-pass: one faint layer where they are in front of everything.
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, prepass_pipeline.get());
        drawParts(cmd, [](PartStyle s) { return s == PartStyle::Ghost; });
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, ghost_pipeline.get());
        drawParts(cmd, [](PartStyle s) { return s == PartStyle::Ghost; });
      }
    }
    vkCmdEndRenderPass(cmd);
  }

  if (draw_model && model_rect.extent.width > 0 && model_rect.extent.height > 0) {
    VkRenderPassBeginInfo begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    begin.renderPass = overlay_pass.get();
    begin.framebuffer = target.overlay_fb.get();
    begin.renderArea = area;
    vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
    vkCmdSetViewport(cmd, 0, 1, &viewport);
    vkCmdSetScissor(cmd, 0, 1, &model_rect);
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, layout.get(), 0,
                            static_cast<std::uint32_t>(sets.size()), sets.data(), 0, nullptr);
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, edge_pipeline.get());
    vkCmdDraw(cmd, 3, 1, 0, 0);
    vkCmdEndRenderPass(cmd);
  }

  if (frame.draw_ui) {
    VkRenderPassBeginInfo begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    begin.renderPass = ui_pass.get();
    begin.framebuffer = target.ui_fb.get();
    begin.renderArea = area;
    vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
    ImGui_ImplVulkan_RenderDrawData(ImGui::GetDrawData(), cmd);
    vkCmdEndRenderPass(cmd);
  }

  vk::imageBarrier(cmd, target.color.image.get(), VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
                   VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                   VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
  if (target.external != VK_NULL_HANDLE) {
    // Contents are replaced entirely, so the external image's previous layout does not matter.
    vk::imageBarrier(cmd, target.external, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_UNDEFINED,
                     VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                     VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0,
                     VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    vk::blitWholeImage(cmd, target.color.image.get(), target.external, target.width, target.height);
    vk::imageBarrier(cmd, target.external, VK_IMAGE_ASPECT_COLOR_BIT, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                     VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                     VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                     VK_ACCESS_COLOR_ATTACHMENT_READ_BIT | VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT);
  }
  target.rendered = true;
  if (target.swapchain && target.swapchain->acquired) recordPresentCopy(cmd, target);
}

}  // namespace rivet::render

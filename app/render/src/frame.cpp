// Per-view command recording: ID pass, scene pass (background, depth pre-pass, shading, x-ray), outlines, UI, blit.
// The UI is drawn once per frame into a UI texture (recordUiTexture), then placed in each view (recordUiComposite).
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

core::Status Renderer::Impl::recordUiTexture(VkCommandBuffer cmd, FrameSlot& slot, const FrameDesc& frame) {
  std::uint32_t w = static_cast<std::uint32_t>(frame.ui_width);
  std::uint32_t h = static_cast<std::uint32_t>(frame.ui_height);
  if (w == 0) {
    const RenderTarget* first = findTarget(frame.views.front().target);
    w = static_cast<std::uint32_t>(first->width);
    h = static_cast<std::uint32_t>(first->height);
  }
  if (w == 0 || h == 0) return {};  // no size to draw at (a minimised window's swapchain): no UI this frame
  // The slot's previous frame has finished (startSlot waited), so its UI texture and set are free to replace.
  if (!slot.ui_image.image || slot.ui_image.width != w || slot.ui_image.height != h) {
    slot.ui_fb = {};
    auto image = vk::createImage(ctx, {w, h, kUiFormat, VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_SAMPLED_BIT});
    if (!image) return image.error();
    slot.ui_image = std::move(*image);
    ++stats.ui_textures_created;
    const VkImageView view = slot.ui_image.view.get();
    VkFramebufferCreateInfo info{VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO};
    info.renderPass = ui_texture_pass.get();
    info.attachmentCount = 1;
    info.pAttachments = &view;
    info.width = w;
    info.height = h;
    info.layers = 1;
    VkFramebuffer fb = VK_NULL_HANDLE;
    RIVET_VK_TRY(vkCreateFramebuffer(ctx.device, &info, nullptr, &fb));
    slot.ui_fb = vk::Framebuffer(ctx.device, fb);
    vk::writeImageDescriptor(ctx.device, slot.ui_set, 0, linear_sampler.get(), view);
  }
  // Where ImGui draws, in framebuffer pixels: per draw list, its vertices' box within its clip rectangles (these
  // are often the whole display). The screen overlay composites only there. A few thousand vertices: cheap.
  ImDrawData* draw_data = ImGui::GetDrawData();
  float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
  const ImVec2 origin = draw_data->DisplayPos;
  const ImVec2 scale = draw_data->FramebufferScale;
  for (int l = 0; l < draw_data->CmdListsCount; ++l) {
    const ImDrawList* list = draw_data->CmdLists[l];
    ImVec4 clip{1e30f, 1e30f, -1e30f, -1e30f};
    for (const ImDrawCmd& c : list->CmdBuffer) {
      if (c.UserCallback != nullptr || c.ElemCount == 0) continue;
      clip = {std::min(clip.x, c.ClipRect.x), std::min(clip.y, c.ClipRect.y), std::max(clip.z, c.ClipRect.z),
              std::max(clip.w, c.ClipRect.w)};
    }
    if (clip.x >= clip.z || clip.y >= clip.w) continue;
    ImVec4 box{1e30f, 1e30f, -1e30f, -1e30f};
    for (const ImDrawVert& v : list->VtxBuffer) {
      box = {std::min(box.x, v.pos.x), std::min(box.y, v.pos.y), std::max(box.z, v.pos.x), std::max(box.w, v.pos.y)};
    }
    const ImVec4 r{std::max(box.x, clip.x), std::max(box.y, clip.y), std::min(box.z, clip.z), std::min(box.w, clip.w)};
    if (r.x >= r.z || r.y >= r.w) continue;
    x0 = std::min(x0, (r.x - origin.x) * scale.x);
    y0 = std::min(y0, (r.y - origin.y) * scale.y);
    x1 = std::max(x1, (r.z - origin.x) * scale.x);
    y1 = std::max(y1, (r.w - origin.y) * scale.y);
  }
  const auto fw = static_cast<float>(w);
  const auto fh = static_cast<float>(h);
  x0 = std::clamp(std::floor(x0), 0.0f, fw);
  y0 = std::clamp(std::floor(y0), 0.0f, fh);
  x1 = std::clamp(std::ceil(x1), x0, fw);
  y1 = std::clamp(std::ceil(y1), y0, fh);
  ui_frame.drawn = true;
  ui_frame.width = w;
  ui_frame.height = h;
  ui_frame.bounds = {{static_cast<std::int32_t>(x0), static_cast<std::int32_t>(y0)},
                     {static_cast<std::uint32_t>(x1 - x0), static_cast<std::uint32_t>(y1 - y0)}};
  // The world quad samples all of the texture: clear it all. The overlay reads only around the bounds (filter
  // footprint included): clear and draw only there, and skip the pass when ImGui draws nothing.
  VkRect2D area{{0, 0}, {w, h}};
  if (frame.ui_placement == UiPlacement::ScreenOverlay) {
    if (ui_frame.bounds.extent.width == 0 || ui_frame.bounds.extent.height == 0) return {};
    constexpr float kMargin = 2.0f;
    const float ax0 = std::max(x0 - kMargin, 0.0f);
    const float ay0 = std::max(y0 - kMargin, 0.0f);
    const float ax1 = std::min(x1 + kMargin, fw);
    const float ay1 = std::min(y1 + kMargin, fh);
    area = {{static_cast<std::int32_t>(ax0), static_cast<std::int32_t>(ay0)},
            {static_cast<std::uint32_t>(ax1 - ax0), static_cast<std::uint32_t>(ay1 - ay0)}};
  }
  VkClearValue clear{};  // transparent: premultiplied (0,0,0,0)
  VkRenderPassBeginInfo begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
  begin.renderPass = ui_texture_pass.get();
  begin.framebuffer = slot.ui_fb.get();
  begin.renderArea = area;
  begin.clearValueCount = 1;
  begin.pClearValues = &clear;
  vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
  // ImGui's blending (colour SRC_ALPHA/ONE_MINUS_SRC_ALPHA, alpha ONE/ONE_MINUS_SRC_ALPHA) onto transparent black
  // leaves premultiplied colour: composited with ONE/ONE_MINUS_SRC_ALPHA it equals drawing straight onto the picture.
  // Its clip rectangles keep it inside `area`.
  ImGui_ImplVulkan_RenderDrawData(draw_data, cmd);
  vkCmdEndRenderPass(cmd);
  return {};
}

void Renderer::Impl::recordUiComposite(VkCommandBuffer cmd, const FrameSlot& slot, RenderTarget& target,
                                       const ViewSetup& view, const FrameDesc& frame) {
  const auto w = static_cast<std::uint32_t>(target.width);
  const auto h = static_cast<std::uint32_t>(target.height);
  const VkViewport viewport{0, 0, static_cast<float>(w), static_cast<float>(h), 0, 1};
  VkRect2D scissor{{0, 0}, {w, h}};
  const bool quad = frame.ui_placement == UiPlacement::WorldQuad && !view.ui_only;
  if (!quad) {
    // The UI's drawn area mapped onto the target (one texel of margin for the filter when stretched).
    const VkRect2D& b = ui_frame.bounds;
    if (b.extent.width == 0 || b.extent.height == 0) return;  // nothing drawn
    const bool same = ui_frame.width == w && ui_frame.height == h;
    const double sx = static_cast<double>(w) / ui_frame.width;
    const double sy = static_cast<double>(h) / ui_frame.height;
    const double margin = same ? 0.0 : 1.0;
    const double fx0 = std::clamp(std::floor((b.offset.x - margin) * sx), 0.0, static_cast<double>(w));
    const double fy0 = std::clamp(std::floor((b.offset.y - margin) * sy), 0.0, static_cast<double>(h));
    const double fx1 = std::clamp(std::ceil((b.offset.x + b.extent.width + margin) * sx), fx0, static_cast<double>(w));
    const double fy1 = std::clamp(std::ceil((b.offset.y + b.extent.height + margin) * sy), fy0, static_cast<double>(h));
    scissor = {{static_cast<std::int32_t>(fx0), static_cast<std::int32_t>(fy0)},
               {static_cast<std::uint32_t>(fx1 - fx0), static_cast<std::uint32_t>(fy1 - fy0)}};
    if (scissor.extent.width == 0 || scissor.extent.height == 0) return;
  }
  VkRenderPassBeginInfo begin{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
  begin.renderPass = ui_pass.get();
  begin.framebuffer = target.ui_fb.get();
  begin.renderArea = {{0, 0}, {w, h}};
  vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
  vkCmdSetViewport(cmd, 0, 1, &viewport);
  vkCmdSetScissor(cmd, 0, 1, &scissor);
  const std::array<VkDescriptorSet, 2> sets{slot.ui_set, target.set};
  if (quad) {
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, ui_layout.get(), 0,
                            static_cast<std::uint32_t>(sets.size()), sets.data(), 0, nullptr);
    core::Mat4f scale = core::Mat4f::identity();
    scale.at(0, 0) = frame.ui_quad.width_m;
    scale.at(1, 1) = frame.ui_quad.height_m;
    const core::Mat4f model_view = view.T_view_model * frame.ui_quad.T_world_quad * scale;
    QuadConstants constants{};
    constants.mvp = (view.projection * model_view).m;
    for (int c = 0; c < 4; ++c) constants.depth_row[static_cast<size_t>(c)] = model_view.at(2, c);
    vkCmdPushConstants(cmd, ui_layout.get(), VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof(constants), &constants);
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, ui_quad_pipeline.get());
    vkCmdDraw(cmd, 6, 1, 0, 0);
  } else {
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, ui_layout.get(), 0, 1, sets.data(), 0, nullptr);
    const bool exact = ui_frame.width == w && ui_frame.height == h;
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS,
                      exact ? ui_overlay_exact_pipeline.get() : ui_overlay_pipeline.get());
    vkCmdDraw(cmd, 3, 1, 0, 0);
  }
  vkCmdEndRenderPass(cmd);
}

void Renderer::Impl::recordView(VkCommandBuffer cmd, const FrameSlot& slot, RenderTarget& target,
                                const ViewSetup& view, const FrameDesc& frame, bool draw_model, bool any_highlight,
                                bool any_ghost) {
  const auto w = static_cast<std::uint32_t>(target.width);
  const auto h = static_cast<std::uint32_t>(target.height);
  const VkViewport viewport{0, 0, static_cast<float>(w), static_cast<float>(h), 0, 1};
  const VkRect2D area{{0, 0}, {w, h}};
  const core::Mat4f mvp = view.projection * view.T_view_model;
  const ViewConstants constants = viewConstants(view);
  const VkDescriptorSet frame_set = slot.frame_set;
  const std::array<VkDescriptorSet, 2> sets{frame_set, target.set};
  // The world quad's depth test reads the ID pass: it runs (cleared, perhaps without parts) whenever the quad is drawn.
  const bool ui_quad = ui_frame.drawn && frame.ui_placement == UiPlacement::WorldQuad && !view.ui_only && !view.no_ui;
  const bool transparent = frame.transparent_background || view.ui_only;
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

  if (draw_model || ui_quad) {  // ID pass: what the outline pass (and the UI quad's depth test) looks at.
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
    if (draw_model) {
      bindModel();
      vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, id_pipeline.get());
      drawParts(cmd, inDepthPass);
    }
    vkCmdEndRenderPass(cmd);
  }

  {  // Scene pass.
    std::array<VkClearValue, 3> clears{};
    const float grey = transparent ? 0.0f : kDarkGreyLinear;
    clears[0].color = {{grey, grey, grey, transparent ? 0.0f : 1.0f}};
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
    if (target.has_background && !view.ui_only) {
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

  if (ui_frame.drawn && !view.no_ui) recordUiComposite(cmd, slot, target, view, frame);

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

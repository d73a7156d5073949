// Descriptor layouts and sets, part-style buffer, render passes and graphics pipelines of the renderer.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <vector>

#include "renderer_impl.hpp"

namespace rivet::render {

core::Status Renderer::Impl::createDescriptors() {
  VkDevice device = ctx.device;
  VkSamplerCreateInfo sampler_info{VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO};
  sampler_info.magFilter = VK_FILTER_LINEAR;
  sampler_info.minFilter = VK_FILTER_LINEAR;
  sampler_info.mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST;
  sampler_info.addressModeU = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  sampler_info.addressModeV = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  sampler_info.addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  sampler_info.maxLod = 0.0f;
  VkSampler sampler = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateSampler(device, &sampler_info, nullptr, &sampler));
  linear_sampler = vk::Sampler(device, sampler);
  sampler_info.magFilter = VK_FILTER_NEAREST;  // integer id images cannot be filtered
  sampler_info.minFilter = VK_FILTER_NEAREST;
  RIVET_VK_TRY(vkCreateSampler(device, &sampler_info, nullptr, &sampler));
  nearest_sampler = vk::Sampler(device, sampler);

  const std::array<VkDescriptorSetLayoutBinding, 2> frame_bindings{{
      {0, VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, 1, VK_SHADER_STAGE_FRAGMENT_BIT, nullptr},
      {1, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_FRAGMENT_BIT, nullptr},
  }};
  const std::array<VkDescriptorSetLayoutBinding, 2> target_bindings{{
      {0, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 1, VK_SHADER_STAGE_FRAGMENT_BIT, nullptr},
      {1, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 1, VK_SHADER_STAGE_FRAGMENT_BIT, nullptr},
  }};
  VkDescriptorSetLayoutCreateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  set_info.bindingCount = static_cast<std::uint32_t>(frame_bindings.size());
  set_info.pBindings = frame_bindings.data();
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateDescriptorSetLayout(device, &set_info, nullptr, &set_layout));
  frame_set_layout = vk::DescriptorSetLayout(device, set_layout);
  set_info.bindingCount = static_cast<std::uint32_t>(target_bindings.size());
  set_info.pBindings = target_bindings.data();
  RIVET_VK_TRY(vkCreateDescriptorSetLayout(device, &set_info, nullptr, &set_layout));
  target_set_layout = vk::DescriptorSetLayout(device, set_layout);

  const std::array<VkDescriptorSetLayout, 2> set_layouts{frame_set_layout.get(), target_set_layout.get()};
  const VkPushConstantRange push{VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof(ViewConstants)};
  VkPipelineLayoutCreateInfo layout_info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout_info.setLayoutCount = static_cast<std::uint32_t>(set_layouts.size());
  layout_info.pSetLayouts = set_layouts.data();
  layout_info.pushConstantRangeCount = 1;
  layout_info.pPushConstantRanges = &push;
  VkPipelineLayout pipeline_layout = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreatePipelineLayout(device, &layout_info, nullptr, &pipeline_layout));
  layout = vk::PipelineLayout(device, pipeline_layout);

  // UI composite: set 0 the frame slot's UI texture, set 1 the target's (id image for the world quad's depth test).
  const VkDescriptorSetLayoutBinding ui_binding{0, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 1,
                                                VK_SHADER_STAGE_FRAGMENT_BIT, nullptr};
  set_info.bindingCount = 1;
  set_info.pBindings = &ui_binding;
  RIVET_VK_TRY(vkCreateDescriptorSetLayout(device, &set_info, nullptr, &set_layout));
  ui_set_layout = vk::DescriptorSetLayout(device, set_layout);
  const std::array<VkDescriptorSetLayout, 2> ui_set_layouts{ui_set_layout.get(), target_set_layout.get()};
  const VkPushConstantRange ui_push{VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof(QuadConstants)};
  layout_info.pSetLayouts = ui_set_layouts.data();
  layout_info.pPushConstantRanges = &ui_push;
  RIVET_VK_TRY(vkCreatePipelineLayout(device, &layout_info, nullptr, &pipeline_layout));
  ui_layout = vk::PipelineLayout(device, pipeline_layout);

  // Per-target sets are freed when a target is destroyed; retired targets hold theirs a little longer.
  constexpr std::uint32_t kTargetSets = 2 * kMaxTargets;
  const std::array<VkDescriptorPoolSize, 3> sizes{{
      {VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, kFramesInFlight},
      {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kFramesInFlight},
      {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 2 * kTargetSets + kFramesInFlight},
  }};
  VkDescriptorPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pool_info.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
  pool_info.maxSets = 2 * kFramesInFlight + kTargetSets;  // frame sets, UI sets, target sets
  pool_info.poolSizeCount = static_cast<std::uint32_t>(sizes.size());
  pool_info.pPoolSizes = sizes.data();
  VkDescriptorPool pool = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateDescriptorPool(device, &pool_info, nullptr, &pool));
  descriptor_pool = vk::DescriptorPool(device, pool);

  writeStyles({});
  for (FrameSlot& slot : slots) {
    VkDescriptorSetAllocateInfo alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    alloc.descriptorPool = pool;
    alloc.descriptorSetCount = 1;
    const VkDescriptorSetLayout frame_layout = frame_set_layout.get();
    alloc.pSetLayouts = &frame_layout;
    RIVET_VK_TRY(vkAllocateDescriptorSets(device, &alloc, &slot.frame_set));
    const VkDescriptorSetLayout ui_layout_handle = ui_set_layout.get();
    alloc.pSetLayouts = &ui_layout_handle;
    RIVET_VK_TRY(vkAllocateDescriptorSets(device, &alloc, &slot.ui_set));  // written with the slot's UI texture
    auto params = vk::createBuffer(ctx, sizeof(FrameParams), VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT, true);
    if (!params) return params.error();
    slot.params = std::move(*params);
    if (auto s = uploadFrameData(slot, FrameParams{}); !s) return s;
  }
  return {};
}

// A Normal part takes the style of its nearest styled assembly ancestor: only ancestors without triangles of
// their own (assembly nodes) pass their style down, so styling "gearbox" styles its pieces, while styling one link
// of a kinematic chain (each link the parent of the next) styles that link only. Explicit child styles win.
void Renderer::Impl::writeStyles(const std::vector<PartStyle>& frame_styles) {
  styles.assign(parts.size(), PartStyle::Normal);
  for (size_t i = 0; i < parts.size(); ++i) {
    PartStyle style = i < frame_styles.size() ? frame_styles[i] : PartStyle::Normal;
    int parent = parts[i].parent;
    for (size_t depth = 0; style == PartStyle::Normal && parent >= 0 && depth < parts.size(); ++depth) {
      const auto p = static_cast<size_t>(parent);
      if (p < frame_styles.size() && parts[p].index_count == 0) style = frame_styles[p];
      parent = parts[p].parent;
    }
    styles[i] = style;
  }
}

// One style per part (missing => Normal) into the slot's SSBO, growing it (and rewriting the slot's set 0) when
// needed; the slot's previous frame has finished, so its buffers and set are free to change.
core::Status Renderer::Impl::uploadFrameData(FrameSlot& slot, const FrameParams& params) {
  const size_t count = std::max<size_t>(styles.size(), 1);
  const VkDeviceSize bytes = count * sizeof(std::uint32_t);
  if (!slot.part_styles.buffer || slot.part_styles.size < bytes) {
    auto buffer = vk::createBuffer(ctx, bytes, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, true);
    if (!buffer) return buffer.error();
    slot.part_styles = std::move(*buffer);
    const VkDescriptorBufferInfo params_info{slot.params.buffer.get(), 0, sizeof(FrameParams)};
    const VkDescriptorBufferInfo styles_info{slot.part_styles.buffer.get(), 0, VK_WHOLE_SIZE};
    std::array<VkWriteDescriptorSet, 2> writes{};
    for (auto& w : writes) {
      w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      w.dstSet = slot.frame_set;
      w.descriptorCount = 1;
    }
    writes[0].dstBinding = 0;
    writes[0].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER;
    writes[0].pBufferInfo = &params_info;
    writes[1].dstBinding = 1;
    writes[1].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[1].pBufferInfo = &styles_info;
    vkUpdateDescriptorSets(ctx.device, static_cast<std::uint32_t>(writes.size()), writes.data(), 0, nullptr);
  }
  auto* out = static_cast<std::uint32_t*>(slot.part_styles.mapped);
  out[0] = 0;
  for (size_t i = 0; i < styles.size(); ++i) out[i] = styleCode(styles[i]);
  std::memcpy(slot.params.mapped, &params, sizeof(params));
  return {};
}

core::Status Renderer::Impl::createRenderPasses() {
  VkDevice device = ctx.device;
  auto attachment = [](VkFormat format, VkSampleCountFlagBits sample_count, VkAttachmentLoadOp load,
                       VkAttachmentStoreOp store, VkImageLayout initial, VkImageLayout final_layout) {
    VkAttachmentDescription a{};
    a.format = format;
    a.samples = sample_count;
    a.loadOp = load;
    a.storeOp = store;
    a.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
    a.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
    a.initialLayout = initial;
    a.finalLayout = final_layout;
    return a;
  };
  constexpr VkPipelineStageFlags kAttachmentStages = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT |
                                                     VK_PIPELINE_STAGE_EARLY_FRAGMENT_TESTS_BIT |
                                                     VK_PIPELINE_STAGE_LATE_FRAGMENT_TESTS_BIT;
  constexpr VkAccessFlags kAttachmentAccess =
      VK_ACCESS_COLOR_ATTACHMENT_READ_BIT | VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT |
      VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_READ_BIT | VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT;
  // Incoming: earlier attachment writes, transfers (readback, blits, uploads) and shader reads of the same images.
  const VkSubpassDependency incoming{VK_SUBPASS_EXTERNAL,
                                     0,
                                     kAttachmentStages | VK_PIPELINE_STAGE_TRANSFER_BIT |
                                         VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                                     kAttachmentStages | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                                     VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT |
                                         VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                                     kAttachmentAccess | VK_ACCESS_SHADER_READ_BIT,
                                     0};
  // Outgoing: later shader reads (edge pass), attachment use (UI pass) and transfers (readback, blit).
  const VkSubpassDependency outgoing{0,
                                     VK_SUBPASS_EXTERNAL,
                                     kAttachmentStages,
                                     kAttachmentStages | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT |
                                         VK_PIPELINE_STAGE_TRANSFER_BIT,
                                     VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT | VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT,
                                     kAttachmentAccess | VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT,
                                     0};
  const std::array<VkSubpassDependency, 2> dependencies{incoming, outgoing};

  auto make = [&](const std::vector<VkAttachmentDescription>& attachments, const VkSubpassDescription& subpass,
                  vk::RenderPass& out) -> core::Status {
    VkRenderPassCreateInfo info{VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO};
    info.attachmentCount = static_cast<std::uint32_t>(attachments.size());
    info.pAttachments = attachments.data();
    info.subpassCount = 1;
    info.pSubpasses = &subpass;
    info.dependencyCount = static_cast<std::uint32_t>(dependencies.size());
    info.pDependencies = dependencies.data();
    VkRenderPass pass = VK_NULL_HANDLE;
    RIVET_VK_TRY(vkCreateRenderPass(device, &info, nullptr, &pass));
    out = vk::RenderPass(device, pass);
    return {};
  };

  // A pass with one colour attachment and no depth (overlay, UI, mask).
  const auto make_color_only = [&](const VkAttachmentDescription& color_attachment, vk::RenderPass& out) {
    const VkAttachmentReference color{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription subpass{};
    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    subpass.colorAttachmentCount = 1;
    subpass.pColorAttachments = &color;
    return make({color_attachment}, subpass, out);
  };

  {  // ID pass: part id, normal and depth in one texel (sampled by the edge pass), own depth buffer.
    const std::vector<VkAttachmentDescription> attachments{
        attachment(kIdFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_CLEAR, VK_ATTACHMENT_STORE_OP_STORE,
                   VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL),
        attachment(kDepthFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_CLEAR, VK_ATTACHMENT_STORE_OP_DONT_CARE,
                   VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL)};
    const VkAttachmentReference color{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    const VkAttachmentReference depth{1, VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL};
    VkSubpassDescription subpass{};
    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    subpass.colorAttachmentCount = 1;
    subpass.pColorAttachments = &color;
    subpass.pDepthStencilAttachment = &depth;
    if (auto s = make(attachments, subpass, id_pass); !s) return s;
  }
  {  // Scene pass: multisampled colour + depth, resolved into the target's colour image.
    std::vector<VkAttachmentDescription> attachments;
    const VkAttachmentReference color{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    const VkAttachmentReference depth{1, VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL};
    const VkAttachmentReference resolve{2, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription subpass{};
    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    subpass.colorAttachmentCount = 1;
    subpass.pColorAttachments = &color;
    subpass.pDepthStencilAttachment = &depth;
    if (samples != VK_SAMPLE_COUNT_1_BIT) {
      attachments.push_back(attachment(kColorFormat, samples, VK_ATTACHMENT_LOAD_OP_CLEAR,
                                       VK_ATTACHMENT_STORE_OP_DONT_CARE, VK_IMAGE_LAYOUT_UNDEFINED,
                                       VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL));
      subpass.pResolveAttachments = &resolve;
    } else {
      attachments.push_back(attachment(kColorFormat, samples, VK_ATTACHMENT_LOAD_OP_CLEAR, VK_ATTACHMENT_STORE_OP_STORE,
                                       VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL));
    }
    attachments.push_back(attachment(kDepthFormat, samples, VK_ATTACHMENT_LOAD_OP_CLEAR,
                                     VK_ATTACHMENT_STORE_OP_DONT_CARE, VK_IMAGE_LAYOUT_UNDEFINED,
                                     VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL));
    if (samples != VK_SAMPLE_COUNT_1_BIT) {
      attachments.push_back(attachment(kColorFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_DONT_CARE,
                                       VK_ATTACHMENT_STORE_OP_STORE, VK_IMAGE_LAYOUT_UNDEFINED,
                                       VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL));
    }
    if (auto s = make(attachments, subpass, scene_pass); !s) return s;
  }
  {  // Overlay pass: single-sample outlines on the resolved image (per-pixel work, so no multisampling needed).
    const VkAttachmentDescription color = attachment(kColorFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_LOAD,
                                                     VK_ATTACHMENT_STORE_OP_STORE, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
                                                     VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL);
    if (auto s = make_color_only(color, overlay_pass); !s) return s;
  }
  {  // UI pass: the target's colour image through its UNORM view, so ImGui's sRGB-space colours land unchanged.
    const VkAttachmentDescription color = attachment(kColorUnormFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_LOAD,
                                                     VK_ATTACHMENT_STORE_OP_STORE, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
                                                     VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL);
    if (auto s = make_color_only(color, ui_pass); !s) return s;
  }
  {  // UI texture pass: ImGui into the frame slot's UI texture, cleared to transparent, then sampled by the views.
    const VkAttachmentDescription color = attachment(kUiFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_CLEAR,
                                                     VK_ATTACHMENT_STORE_OP_STORE, VK_IMAGE_LAYOUT_UNDEFINED,
                                                     VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
    if (auto s = make_color_only(color, ui_texture_pass); !s) return s;
  }
  {  // Mask pass: single-sample coverage, left ready for the copy to host memory.
    const VkAttachmentDescription color = attachment(kMaskFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_CLEAR,
                                                     VK_ATTACHMENT_STORE_OP_STORE, VK_IMAGE_LAYOUT_UNDEFINED,
                                                     VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
    if (auto s = make_color_only(color, mask_pass); !s) return s;
  }
  return {};
}

core::Result<vk::Pipeline> Renderer::Impl::createPipeline(const PipelineSpec& spec) {
  std::array<VkPipelineShaderStageCreateInfo, 2> stages{};
  const VkSpecializationMapEntry spec_entry{0, 0, sizeof(int)};
  const VkSpecializationInfo spec_info{1, &spec_entry, sizeof(int), &spec.mode};
  stages[0] = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  stages[0].stage = VK_SHADER_STAGE_VERTEX_BIT;
  stages[0].module = spec.vert;
  stages[0].pName = "main";
  std::uint32_t stage_count = 1;
  if (spec.frag != VK_NULL_HANDLE) {
    stages[1] = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    stages[1].stage = VK_SHADER_STAGE_FRAGMENT_BIT;
    stages[1].module = spec.frag;
    stages[1].pName = "main";
    if (spec.mode >= 0) stages[1].pSpecializationInfo = &spec_info;
    stage_count = 2;
  }
  // content::PackedVertex: position 4 x u16 unorm (w unused), octahedral normal 2 x i16 snorm.
  const VkVertexInputBindingDescription binding{0, sizeof(content::PackedVertex), VK_VERTEX_INPUT_RATE_VERTEX};
  const std::array<VkVertexInputAttributeDescription, 2> attributes{{
      {0, 0, VK_FORMAT_R16G16B16A16_UNORM, offsetof(content::PackedVertex, position)},
      {1, 0, VK_FORMAT_R16G16_SNORM, offsetof(content::PackedVertex, normal)},
  }};
  VkPipelineVertexInputStateCreateInfo vertex_input{VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO};
  if (spec.model_vertices) {
    vertex_input.vertexBindingDescriptionCount = 1;
    vertex_input.pVertexBindingDescriptions = &binding;
    vertex_input.vertexAttributeDescriptionCount = static_cast<std::uint32_t>(attributes.size());
    vertex_input.pVertexAttributeDescriptions = attributes.data();
  }
  VkPipelineInputAssemblyStateCreateInfo assembly{VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO};
  assembly.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST;
  VkPipelineViewportStateCreateInfo viewport{VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO};
  viewport.viewportCount = 1;
  viewport.scissorCount = 1;
  VkPipelineRasterizationStateCreateInfo raster{VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO};
  raster.polygonMode = VK_POLYGON_MODE_FILL;
  raster.cullMode = spec.cull;
  // OpenCV camera frame + y-down Vulkan NDC: outward CCW triangles stay counter-clockwise in framebuffer space.
  raster.frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE;
  raster.lineWidth = 1.0f;
  VkPipelineMultisampleStateCreateInfo multisample{VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO};
  multisample.rasterizationSamples = spec.samples;
  VkPipelineDepthStencilStateCreateInfo depth{VK_STRUCTURE_TYPE_PIPELINE_DEPTH_STENCIL_STATE_CREATE_INFO};
  depth.depthTestEnable = spec.depth_test ? VK_TRUE : VK_FALSE;
  depth.depthWriteEnable = spec.depth_write ? VK_TRUE : VK_FALSE;
  depth.depthCompareOp = spec.depth_compare;
  std::array<VkPipelineColorBlendAttachmentState, 2> blends{};
  for (auto& b : blends) {
    b.blendEnable = spec.blend ? VK_TRUE : VK_FALSE;
    b.srcColorBlendFactor = spec.premultiplied ? VK_BLEND_FACTOR_ONE : VK_BLEND_FACTOR_SRC_ALPHA;
    b.dstColorBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA;
    b.colorBlendOp = VK_BLEND_OP_ADD;
    b.srcAlphaBlendFactor = VK_BLEND_FACTOR_ONE;
    b.dstAlphaBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA;
    b.alphaBlendOp = VK_BLEND_OP_ADD;
    b.colorWriteMask = spec.color_write ? (VK_COLOR_COMPONENT_R_BIT | VK_COLOR_COMPONENT_G_BIT |
                                           VK_COLOR_COMPONENT_B_BIT | VK_COLOR_COMPONENT_A_BIT)
                                        : 0;
  }
  VkPipelineColorBlendStateCreateInfo blend{VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO};
  blend.attachmentCount = spec.color_attachments;
  blend.pAttachments = blends.data();
  const std::array<VkDynamicState, 2> dynamic_states{VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR};
  VkPipelineDynamicStateCreateInfo dynamic{VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO};
  dynamic.dynamicStateCount = static_cast<std::uint32_t>(dynamic_states.size());
  dynamic.pDynamicStates = dynamic_states.data();

  VkGraphicsPipelineCreateInfo info{VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO};
  info.stageCount = stage_count;
  info.pStages = stages.data();
  info.pVertexInputState = &vertex_input;
  info.pInputAssemblyState = &assembly;
  info.pViewportState = &viewport;
  info.pRasterizationState = &raster;
  info.pMultisampleState = &multisample;
  info.pDepthStencilState = &depth;
  info.pColorBlendState = &blend;
  info.pDynamicState = &dynamic;
  info.layout = spec.layout != VK_NULL_HANDLE ? spec.layout : layout.get();
  info.renderPass = spec.pass;
  info.subpass = 0;
  VkPipeline pipeline = VK_NULL_HANDLE;
  RIVET_VK_TRY(vkCreateGraphicsPipelines(ctx.device, VK_NULL_HANDLE, 1, &info, nullptr, &pipeline));
  return vk::Pipeline(ctx.device, pipeline);
}

core::Status Renderer::Impl::createPipelines() {
  auto model_vert = vk::createShader(ctx.device, "model.vert");
  auto model_frag = vk::createShader(ctx.device, "model.frag");
  auto id_frag = vk::createShader(ctx.device, "id.frag");
  auto mask_frag = vk::createShader(ctx.device, "mask.frag");
  auto fullscreen_vert = vk::createShader(ctx.device, "fullscreen.vert");
  auto background_frag = vk::createShader(ctx.device, "background.frag");
  auto edge_frag = vk::createShader(ctx.device, "edge.frag");
  auto depth_frag = vk::createShader(ctx.device, "depth.frag");
  auto ui_overlay_frag = vk::createShader(ctx.device, "ui_overlay.frag");
  auto ui_quad_vert = vk::createShader(ctx.device, "ui_quad.vert");
  auto ui_quad_frag = vk::createShader(ctx.device, "ui_quad.frag");
  for (const auto* shader : {&model_vert, &model_frag, &id_frag, &mask_frag, &fullscreen_vert, &background_frag,
                             &edge_frag, &depth_frag, &ui_overlay_frag, &ui_quad_vert, &ui_quad_frag}) {
    if (!*shader) return shader->error();
  }
  struct Job {
    vk::Pipeline* out;
    PipelineSpec spec;
  };
  PipelineSpec scene;
  scene.pass = scene_pass.get();
  scene.samples = samples;
  scene.vert = model_vert->get();
  scene.frag = model_frag->get();
  scene.depth_test = true;
  scene.blend = true;

  std::vector<Job> jobs;
  {
    PipelineSpec s = scene;
    s.model_vertices = false;
    s.vert = fullscreen_vert->get();
    s.frag = background_frag->get();
    s.depth_test = false;
    s.blend = false;
    jobs.push_back({&background_pipeline, s});
    s.frag = edge_frag->get();
    s.blend = true;
    s.pass = overlay_pass.get();
    s.samples = VK_SAMPLE_COUNT_1_BIT;
    jobs.push_back({&edge_pipeline, s});
  }
  {
    PipelineSpec s = scene;
    s.frag = depth_frag->get();
    s.depth_write = true;
    s.depth_compare = VK_COMPARE_OP_LESS;
    s.blend = false;
    s.color_write = false;
    jobs.push_back({&prepass_pipeline, s});
  }
  {
    PipelineSpec s = scene;
    s.mode = kModeNormal;
    s.depth_compare = VK_COMPARE_OP_LESS_OR_EQUAL;  // after the pre-pass only the front-most surface passes
    jobs.push_back({&normal_pipeline, s});
    s.mode = kModeHighlightVisible;
    jobs.push_back({&highlight_visible_pipeline, s});
    s.mode = kModeGhost;
    jobs.push_back({&ghost_pipeline, s});
    s.mode = kModeHighlightOccluded;
    s.depth_compare = VK_COMPARE_OP_GREATER;
    s.cull = VK_CULL_MODE_BACK_BIT;
    jobs.push_back({&highlight_occluded_pipeline, s});
  }
  {
    PipelineSpec s;
    s.pass = id_pass.get();
    s.vert = model_vert->get();
    s.frag = id_frag->get();
    s.depth_test = true;
    s.depth_write = true;
    jobs.push_back({&id_pipeline, s});
    s.pass = mask_pass.get();
    s.frag = mask_frag->get();
    s.depth_test = false;
    s.depth_write = false;
    jobs.push_back({&mask_pipeline, s});
  }
  {  // UI composite into a target's UNORM view: premultiplied UI texture over the picture.
    PipelineSpec s;
    s.pass = ui_pass.get();
    s.layout = ui_layout.get();
    s.model_vertices = false;
    s.blend = true;
    s.premultiplied = true;
    s.vert = fullscreen_vert->get();
    s.frag = ui_overlay_frag->get();
    s.mode = 0;
    jobs.push_back({&ui_overlay_pipeline, s});
    s.mode = 1;
    jobs.push_back({&ui_overlay_exact_pipeline, s});
    s.mode = -1;
    s.vert = ui_quad_vert->get();
    s.frag = ui_quad_frag->get();
    jobs.push_back({&ui_quad_pipeline, s});
  }
  for (auto& job : jobs) {
    auto pipeline = createPipeline(job.spec);
    if (!pipeline) return pipeline.error();
    *job.out = std::move(*pipeline);
  }
  return {};
}

}  // namespace rivet::render
